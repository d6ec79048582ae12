"""Flappy Bird: the built-in game ``neuroevo/FlappyBird-v0`` (env, Numba physics and population kernel, pygame view).

``REGISTRATIONS`` is read by ``games.register_envs``; ``DEFAULT_CONFIG`` holds the run defaults used when
``--env flappy`` is given (overridden by a TOML file and by flags).
"""

#: Return of an episode that reaches 500 pipes: 0.1 x 18,074 frames + 500 pipes (see the env's Rewards).
REWARD_THRESHOLD = 2307.0

REGISTRATIONS = [
    dict(id="neuroevo/FlappyBird-v0", entry_point="games.flappy_bird.env:FlappyBirdEnv",
         vector_entry_point="games.flappy_bird.vector:FlappyBirdVectorEnv",
         reward_threshold=REWARD_THRESHOLD, nondeterministic=False),
]

#: Fitness of a genome whose bird reaches the 1,000-pipe cap in every episode: 36,074 frames + 25 x 1,000.
PERFECT_FITNESS = 61074.0

#: ``neuroevo evolve --env flappy`` defaults: a small 4-6-2 tanh network, tournament selection, Gaussian
#: mutation and no crossover; stop when a genome reaches the score cap on all 5 training episodes.
DEFAULT_CONFIG: dict = {
    "task": {"episodes": 5},
    "network": {"hidden": [6], "activation": "tanh"},
    "ga": {"population": 100, "selection": "tournament", "tournament_size": 3, "crossover": "none",
           "mutation": "gaussian", "mutation_rate": 0.2, "mutation_scale": 0.3, "elitism": 2},
    "run": {"generations": 3000, "target": PERFECT_FITNESS},
}
