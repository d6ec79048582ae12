"""Known environments: short aliases and the built-in population kernels used automatically for an id.

A kernel is ``"module:function"`` with the signature
``fn(spec, genomes (n, n_params), seeds (K,), **env_kwargs) -> (fitness (n,) float64, env_steps int)``.
"""

from __future__ import annotations

#: Short names accepted by ``--env``.
ALIASES = {
    "cartpole": "CartPole-v1",
    "flappy": "neuroevo/FlappyBird-v0",
    "car": "neuroevo/CarTrack-v0",
    "double-pole": "neuroevo/DoublePole-v0",
}

#: Env id -> population kernel. Evaluation through the kernel gives the same fitness as the env loop.
KERNELS = {
    "CartPole-v1": "games.cartpole.kernel:population_fitness",
    "neuroevo/FlappyBird-v0": "games.flappy_bird.kernel:population_fitness",
    "neuroevo/CarTrack-v0": "games.car_track.kernel:population_fitness",
    "Acrobot-v1": "games.classic_control.kernel:acrobot_fitness",
    "MountainCar-v0": "games.classic_control.kernel:mountain_car_fitness",
    "MountainCarContinuous-v0": "games.classic_control.kernel:mountain_car_continuous_fitness",
    "Pendulum-v1": "games.classic_control.kernel:pendulum_fitness",
    "neuroevo/DoublePole-v0": "games.double_pole.kernel:population_fitness",
}

#: Env ids whose kernel fitness is the episode return (the unit of ``reward_threshold``). Elsewhere (Flappy
#: Bird: frames + 25 x pipes) scoring by return, as the gradient baselines are, uses the env loop.
RETURN_KERNELS = {"CartPole-v1", "neuroevo/CarTrack-v0"}

#: Env id -> the game's own score in ``info`` at the end of an episode, and its unit (shown by ``evaluate``).
SCORES = {
    "neuroevo/FlappyBird-v0": ("score", "pipes"),
    "neuroevo/CarTrack-v0": ("laps", "laps"),
}

#: Env id -> ``"module:function"`` giving the fitness and that score per episode from the population kernel:
#: ``fn(spec, genomes (P, n_params), seeds (K,), **env_kwargs) -> (fitness (P,), scores (P, episodes))``
#: (the evolve summary states the best agent's score in the game's unit).
SCORE_KERNELS = {
    "neuroevo/FlappyBird-v0": "games.flappy_bird.kernel:population_scores",
    "neuroevo/CarTrack-v0": "games.car_track.kernel:population_scores",
}

#: Env id -> ``"module:ATTRIBUTE"`` of its built-in default config (``{section: {key: value}}``), applied
#: below TOML files and flags.
DEFAULT_CONFIGS = {
    "CartPole-v1": "games.cartpole:DEFAULT_CONFIG",
    "neuroevo/FlappyBird-v0": "games.flappy_bird:DEFAULT_CONFIG",
    "neuroevo/CarTrack-v0": "games.car_track:DEFAULT_CONFIG",
    "neuroevo/DoublePole-v0": "games.double_pole:DEFAULT_CONFIG",
}

#: Env id -> ``"module:function"`` building a pygame scene of many agents at once (see ``neuroevo.live``):
#: ``fn(spec, genomes, seed, *, generation=None, best_fitness=None, **env_kwargs) -> Scene``.
SCENES = {
    "neuroevo/FlappyBird-v0": "games.flappy_bird.render:make_flock_scene",
    "neuroevo/CarTrack-v0": "games.car_track.render:make_flock_scene",
}

#: Game name of ``neuroevo play NAME`` -> ``"module:function"`` ``fn(**env_kwargs) -> None`` (a human plays).
PLAY = {
    "flappy": "games.flappy_bird.play:play",
    "car": "games.car_track.play:play",
}


def resolve_env_id(name: str) -> str:
    """The full Gymnasium id for an alias or id (unchanged if not an alias)."""
    return ALIASES.get(name, name)
