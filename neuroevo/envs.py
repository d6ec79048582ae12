"""The environments neuroevo knows: built-in games, kernels, aliases; and human play of a game."""

from __future__ import annotations

import importlib

import gymnasium as gym

from neuroevo.errors import TaskError
from neuroevo.evaluation.registry import ALIASES, KERNELS, PLAY


def describe_envs(show_all: bool = False) -> str:
    """A text table of the built-in games and Gymnasium ids (classic control only unless ``show_all``)."""
    import games

    games.register_envs()
    alias_of = {v: k for k, v in ALIASES.items()}
    ids = sorted(gym.registry)
    if not show_all:
        ids = [i for i in ids if i.startswith("neuroevo/") or
               "classic_control" in str(gym.registry[i].entry_point)]
    lines = [f"{'id':34} {'alias':9} {'evaluation':18} reward threshold"]
    for env_id in sorted(ids, key=lambda i: (not i.startswith("neuroevo/"), i not in KERNELS, i)):
        spec = gym.registry[env_id]
        how = "population kernel" if env_id in KERNELS else "env loop"
        lines.append(f"{env_id:34} {alias_of.get(env_id, ''):9} {how:18} {spec.reward_threshold or ''}")
    if not show_all:
        lines.append("(`neuroevo envs --all` lists every registered Gymnasium id; any of them works with --env)")
    return "\n".join(lines)


def play(game: str, env_kwargs: dict | None = None) -> None:
    """Let a person play a built-in game in a pygame window.

    Raises:
        TaskError: if ``game`` is not a built-in game.
    """
    if game not in PLAY:
        raise TaskError(f"unknown game {game!r}; choose from {', '.join(PLAY)}")
    module, _, name = PLAY[game].partition(":")
    getattr(importlib.import_module(module), name)(**(env_kwargs or {}))
