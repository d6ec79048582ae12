"""Built-in games, registered as Gymnasium environments on import.

Each game package defines ``REGISTRATIONS``: a list of keyword dicts for ``gymnasium.register``
(id, entry_point, vector_entry_point, max_episode_steps, reward_threshold, kwargs). ``import games``
registers them all (Gymnasium 1.x loads no env plugins by itself: ``import games`` and, to keep linters from
calling the import unused, ``gymnasium.register_envs(games)``); ``gymnasium.make("games:neuroevo/FlappyBird-v0")``
imports this package first by itself.
"""

import importlib
import importlib.util

import gymnasium

GAME_PACKAGES = ("games.flappy_bird", "games.car_track")


def register_envs() -> list[str]:
    """Register every built-in game id with Gymnasium (idempotent); returns the ids."""
    ids = []
    for name in GAME_PACKAGES:
        if importlib.util.find_spec(name) is None:
            continue
        for kwargs in getattr(importlib.import_module(name), "REGISTRATIONS", []):
            if kwargs["id"] not in gymnasium.registry:
                gymnasium.register(**kwargs)
            ids.append(kwargs["id"])
    return ids


register_envs()
