"""Car on a track: cars with distance sensors learn to drive laps without touching the walls.

- :mod:`games.car_track.track`: tracks (centreline + width), walls, validation, built-in track files;
- :mod:`games.car_track.physics`: car model, ray-cast sensors, collisions, progress (Numba, written once);
- :mod:`games.car_track.env`: the Gymnasium env ``neuroevo/CarTrack-v0``;
- :mod:`games.car_track.kernel`: the population fitness kernel;
- :mod:`games.car_track.render` and :mod:`games.car_track.play`: pygame drawing, a person drives.
"""

REGISTRATIONS = [
    dict(id="neuroevo/CarTrack-v0", entry_point="games.car_track.env:CarTrackEnv", max_episode_steps=3000,
         vector_entry_point="games.car_track.vector:CarTrackVectorEnv",
         reward_threshold=3.0, kwargs={"track": "oval"}),
]

#: Defaults of ``neuroevo evolve --env car`` (overridden by TOML and flags).
DEFAULT_CONFIG = {
    "task": {"env_kwargs": {"track": "oval"}, "episodes": 2},
    "network": {"hidden": [8], "activation": "tanh", "output_activation": "tanh"},
    "ga": {"population": 100, "selection": "tournament", "tournament_size": 3, "crossover": "node",
           "crossover_rate": 0.5, "mutation": "gaussian", "mutation_rate": 0.1, "mutation_scale": 0.3,
           "elitism": 2},
    "run": {"generations": 60, "target": 3.2},
}
