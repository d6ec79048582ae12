"""Double-pole balancing: the built-in task ``neuroevo/DoublePole-v0`` (Wieland 1991 as in the NEAT/ESP code).

``REGISTRATIONS`` is read by ``games.register_envs``; ``DEFAULT_CONFIG`` holds the run defaults of
``--env double-pole`` (overridden by a TOML file and by flags): one episode per genome (the start is fixed),
stop at 100,000 steps balanced (with velocities).
"""

#: Steps a Markovian solution balances.
SOLVED_STEPS = 100_000.0

REGISTRATIONS = [
    dict(id="neuroevo/DoublePole-v0", entry_point="games.double_pole.env:DoublePoleEnv",
         max_episode_steps=100_000, reward_threshold=SOLVED_STEPS, nondeterministic=False),
]

DEFAULT_CONFIG: dict = {
    "task": {"episodes": 1},
    "network": {"hidden": [], "output_activation": "tanh"},
    "run": {"generations": 1000, "target": SOLVED_STEPS},
}
