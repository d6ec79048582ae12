"""The environments neuroevo knows: built-in games, kernels, aliases; and human play of a game."""

from __future__ import annotations

import importlib

import gymnasium as gym

from neuroevo.errors import TaskError
from neuroevo.evaluation.registry import ALIASES, KERNELS, PLAY


def describe_envs(show_all: bool = False) -> str:
    """A text table of the built-in games and Gymnasium ids (classic control only unless ``show_all``).

    An id whose module needs a package that is not installed (Box2D, MuJoCo...) is marked with the package
    to install instead of being listed as if it ran here.
    """
    import games

    games.register_envs()
    alias_of = {v: k for k, v in ALIASES.items()}
    ids = sorted(gym.registry)
    if not show_all:
        ids = [i for i in ids if i.startswith("neuroevo/") or
               "classic_control" in str(gym.registry[i].entry_point)]
    width = max(len("alias"), *(len(a) for a in ALIASES))
    lines = [f"{'id':34} {'alias':{width}} {'evaluation':18} reward threshold"]
    missing: dict[str, str] = {}
    for env_id in sorted(ids, key=lambda i: (not i.startswith("neuroevo/"), i not in KERNELS, i)):
        spec = gym.registry[env_id]
        how = "population kernel" if env_id in KERNELS else "env loop"
        threshold = "" if spec.reward_threshold is None else f"{spec.reward_threshold:g}"
        unit = _threshold_unit(env_id)
        line = f"{env_id:34} {alias_of.get(env_id, ''):{width}} {how:18} {threshold}{unit}"
        why = _cannot_run(spec.entry_point, missing)
        lines.append(f"{line:72} cannot run here: {why}" if why else line)
    if not show_all:
        lines.append("(`neuroevo envs --all` lists every registered Gymnasium id; any of them works with --env)")
    return "\n".join(lines)


def _threshold_unit(env_id: str) -> str:
    """What a built-in game's reward threshold means in the game's own unit."""
    from neuroevo.evaluation.registry import SCORES

    if env_id == "neuroevo/FlappyBird-v0":
        return " return (= 500 pipes)"
    if env_id == "neuroevo/DoublePole-v0":
        return " steps balanced"
    if env_id in SCORES:
        return f" {SCORES[env_id][1]}"
    return ""


def _cannot_run(entry_point: object, cache: dict) -> str:
    """Why an env's module cannot be imported here ("" if it can): a missing optional package."""
    if not isinstance(entry_point, str):  # Gymnasium's placeholders for ids it no longer runs itself
        name = getattr(entry_point, "__name__", "")
        if name.startswith("_raise_") and name.endswith("_error"):
            return f"needs {name[len('_raise_'):-len('_error')].replace('_', '-')} (no longer in Gymnasium)"
        return ""
    module = entry_point.partition(":")[0]
    if module not in cache:
        try:
            importlib.import_module(module)
            cache[module] = ""
        except gym.error.DependencyNotInstalled as e:
            cache[module] = _install_hint(module, str(e))
        except ImportError as e:
            cache[module] = _install_hint(module, f"missing {e.name or e}")
    return cache[module]


def _install_hint(module: str, message: str) -> str:
    for family in ("box2d", "mujoco", "atari"):
        if f".{family}" in module:
            return f"needs pip install \"gymnasium[{family}]\""
    return message.splitlines()[0][:80]


def play(game: str, env_kwargs: dict | None = None) -> None:
    """Let a person play a built-in game in a pygame window.

    Raises:
        TaskError: if ``game`` is not a built-in game.
    """
    if game not in PLAY:
        raise TaskError(f"unknown game {game!r}; choose from {', '.join(PLAY)}")
    module, _, name = PLAY[game].partition(":")
    getattr(importlib.import_module(module), name)(**(env_kwargs or {}))
