"""``neuroevo train``: one baseline into a run folder, with the progress display of ``neuroevo evolve``.

A run folder holds ``config.toml`` (method, seed, env or task, the method's resolved config),
``history.csv`` (the learning curve), ``best.npz`` + ``best.json`` (the trained genome: ``neuroevo watch``
and ``neuroevo evaluate`` work on it) and ``curve.png``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from neuroevo.agent import atomic_write
from neuroevo.baselines import backprop, dqn, random_search, reinforce
from neuroevo.baselines.common import TrainRecord, TrainResult
from neuroevo.config import coerce, field_type
from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec
from neuroevo.progress import Bar
from neuroevo.runfolder import claim, free_folder, make_folder

#: Method name -> (train function, config class).
METHODS: dict[str, tuple[Callable[..., TrainResult], type]] = {
    "backprop": (backprop.train, backprop.BackpropConfig),
    "reinforce": (reinforce.train, reinforce.ReinforceConfig),
    "dqn": (dqn.train, dqn.DQNConfig),
    "random-search": (random_search.train, random_search.RandomSearchConfig),
}


def make_config(method: str, values: dict | None = None) -> Any:
    """The config of ``method`` with ``values`` (``{field: value}``) over its defaults.

    Raises:
        ConfigError: unknown method, unknown field (the message lists the known ones) or a wrong type.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    cls = METHODS[method][1]
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in (values or {}).items():
        if key not in known:
            raise ConfigError(f"{method} has no setting {key!r}; known settings: {', '.join(known)}")
        kwargs[key] = coerce(key, value, field_type(known[key]))
    return cls(**kwargs).validate()


def default_folder(method: str, name: str, seed: int) -> Path:
    """``runs/<env or task>-<method>-seed<seed>``, with a numeric suffix if it is taken."""
    return free_folder(f"{Path(name).stem if '.' in name else name}-{method}-seed{seed}")


def train_run(method: str, env: str | None = None, task: str | None = None, config: Any = None, seed: int = 0,
              out: str | Path | None = None, env_kwargs: dict | None = None, spec: NetworkSpec | None = None,
              show_progress: bool = True,
              callback: Callable[[TrainRecord], object] | None = None) -> tuple[TrainResult, Path]:
    """Train ``method`` on an env (RL methods) or a supervised task (backprop) and write its run folder.

    Args:
        method: "backprop", "reinforce", "dqn" or "random-search".
        env: Gymnasium id or alias (reinforce, dqn, random-search). task: "xor", "sin" or a CSV / .npz
            path (backprop).
        config: the method's config dataclass, or a ``{field: value}`` dict over its defaults.
        seed: run seed. out: run folder (default :func:`default_folder`). env_kwargs: for gymnasium.make.
        spec: the network (default: from the config's hidden layers). show_progress: draw a progress bar.
        callback: extra ``fn(TrainRecord)``; returning False stops training.

    Returns:
        ``(result, folder)``.

    Raises:
        ConfigError: unknown method or setting, missing --env / --task, or a folder that holds a run.
        TaskError: from the env or dataset.
    """
    if not isinstance(config, (dict, type(None))):
        cfg = config.validate()
    else:
        cfg = make_config(method, config)
    if method == "backprop":
        if not task or env:
            raise ConfigError("backprop trains on --task xor|sin|FILE (not --env)")
        name = task
    else:
        if task or not env:
            raise ConfigError(f"{method} trains on --env ID (not --task)")
        name = env
    folder = Path(out) if out else default_folder(method, name, seed)
    lock = claim(folder, "train")
    try:
        if (folder / "best.npz").exists():
            raise ConfigError(f"{folder} already holds a run; choose another --out")
        return _train(method, env, task, cfg, seed, folder, env_kwargs, spec, show_progress, callback), folder
    finally:
        lock.release()


def _train(method: str, env: str | None, task: str | None, cfg: Any, seed: int, folder: Path, env_kwargs: dict | None,
           spec: NetworkSpec | None, show_progress: bool,
           callback: Callable[[TrainRecord], object] | None) -> TrainResult:
    train_fn = METHODS[method][0]
    progress = _Progress(method) if show_progress else None

    def on_record(record: TrainRecord) -> object:
        if progress is not None:
            progress.update(record)
        return None if callback is None else callback(record)

    try:
        if method == "backprop":
            result = train_fn(task, cfg, seed, spec=spec, callback=on_record)
        else:
            result = train_fn(env, cfg, seed, spec=spec, env_kwargs=env_kwargs, callback=on_record)
    finally:
        if progress is not None:
            progress.stop()
    if result.genome is None:
        raise ConfigError(f"{method}: {result.meta.get('note', 'nothing was trained within the budget')}; "
                          f"raise total_steps")
    write_run(folder, result, {"method": method, "seed": seed, "env": env or "", "task": task or "",
                               "env_kwargs": dict(env_kwargs or {}), method: dataclasses.asdict(cfg)})
    return result


def write_run(folder: Path, result: TrainResult, config: dict) -> None:
    """Write ``config.toml``, ``history.csv``, ``best.npz`` + ``best.json`` and ``curve.png`` into ``folder``."""
    make_folder(folder)
    clean = _toml_safe(config)
    atomic_write(folder / "config.toml", lambda f: f.write(tomli_w.dumps(clean).encode()))
    result.save_curve(folder / "history.csv")
    result.agent().save(folder / "best.npz")
    plot_curve(result, folder / "curve.png")


def _toml_safe(d):
    if isinstance(d, dict):
        return {k: _toml_safe(v) for k, v in d.items() if not (isinstance(v, float) and math.isnan(v))}
    return d


def plot_curve(result: TrainResult, png_path: Path) -> Path:
    """PNG of the learning curve: evaluation return against env steps (RL), or loss against epochs."""
    from neuroevo.plots import new_figure, save_figure

    fig = new_figure()
    ax = fig.add_subplot()
    c = dict(zip(result.columns, result.curve.T))
    if "eval_return" in c:
        ax.plot(c["env_steps"], c["eval_return"], marker=".", label="evaluation (greedy policy)")
        if "train_return" in c:
            ax.plot(c["env_steps"], c["train_return"], alpha=0.6, label="training episodes")
        ax.set_xlabel("env steps")
        ax.set_ylabel("mean return")
    else:
        ax.plot(c["epoch"], c["loss"], label="loss")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
    if result.threshold is not None and "eval_return" in c:
        ax.axhline(result.threshold, color="grey", ls="--", lw=0.8, label=f"threshold {result.threshold:g}")
    ax.set_title(f"{result.method} on {result.env_id or result.meta.get('task', 'data')}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return save_figure(fig, png_path)


class _Progress:
    """The progress of a training run over its budget (about 20 lines when not on a terminal)."""

    def __init__(self, method: str):
        self.method, self.next_line = method, 0.0
        self.bar: Bar | None = None

    def update(self, record: TrainRecord) -> None:
        v = record.values
        done = v.get("env_steps", v.get("examples", 0))
        stats = "  ".join(f"{k} {v[k]:.4g}" for k in ("eval_return", "train_return", "loss", "accuracy")
                          if k in v and v[k] == v[k])
        if self.bar is None:
            self.bar = Bar(self.method, record.total)
        line = done >= self.next_line
        if line:
            self.next_line = done + record.total / 20
        self.bar.update(int(done), stats, line)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
