"""Flappy Bird: the built-in game ``neuroevo/FlappyBird-v0`` (env, Numba physics and population kernel, pygame view).

``REGISTRATIONS`` is read by ``games.register_envs``; ``DEFAULT_CONFIG`` holds the run defaults used when
``--env flappy`` is given (overridden by a TOML file and by flags).
"""

#: Return of an episode that reaches 500 pipes: 0.1 x 18,074 frames + 500 pipes (see the env's Rewards).
REWARD_THRESHOLD = 2307.0

REGISTRATIONS = [
    dict(id="neuroevo/FlappyBird-v0", entry_point="games.flappy_bird.env:FlappyBirdEnv",
         reward_threshold=REWARD_THRESHOLD, nondeterministic=False),
]

DEFAULT_CONFIG: dict = {}
