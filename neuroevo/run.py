"""A run on disk: the run folder, starting a run from a config, and resuming one from its checkpoint.

A run folder holds ``config.toml`` (the resolved config), ``history.csv``, ``best.npz`` + ``best.json``,
``checkpoint.json`` + ``checkpoint-<generation>.npz``, ``fitness.png`` and ``run.log``.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import multiprocessing_logging

from neuroevo.agent import atomic_write
from neuroevo.callbacks import Callback, Checkpointer, FitnessPlot, HistoryCSV
from neuroevo.checkpoint import META_FILE, load_checkpoint
from neuroevo.config import Config, read_toml, resolve
from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.evaluation.factory import make_evaluator, make_task
from neuroevo.ga import GeneticAlgorithm
from neuroevo.network import NetworkSpec
from neuroevo.population import Population, RunResult
from neuroevo.progress import ProgressBar

log = logging.getLogger("neuroevo")

#: Settings that may change when a run is resumed; any other change is refused.
RESUMABLE = {("run", k) for k in ("generations", "target", "workers", "checkpoint_every", "watch",
                                   "watch_every", "out")}


def default_folder(config: Config) -> Path:
    """``runs/<task>-seed<seed>``, with a numeric suffix if that folder already holds a run."""
    name = config.task.fitness.rpartition(":")[2] if config.task.fitness else config.task.env
    base = Path("runs") / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).lower()}-seed{config.run.seed}"
    folder, n = base, 1
    while (folder / META_FILE).exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


class _LogGenerations(Callback):
    def on_generation_end(self, record):
        log.info("generation %d best %.6g mean %.6g std %.6g min %.6g evaluations %d env_steps %d",
                 record.generation, record.best, record.mean, record.std, record.min, record.evaluations,
                 record.env_steps)


def _setup_logging(folder: Path) -> logging.Handler:
    handler = logging.FileHandler(folder / "run.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    multiprocessing_logging.install_mp_handler(root)  # worker records reach the parent's handlers
    return handler


def start(config: Config, callbacks=(), show_progress: bool = True) -> tuple[RunResult, Path]:
    """Evolve from scratch into the config's run folder; returns the result and the folder.

    Raises:
        ConfigError: if the folder already holds a run. TaskError, FitnessError: from the task.
    """
    folder = Path(config.run.out) if config.run.out else default_folder(config)
    if (folder / META_FILE).exists():
        raise ConfigError(f"{folder} already holds a run: continue it with --resume {folder}, or choose "
                          f"another --out")
    task = make_task(config)
    folder.mkdir(parents=True, exist_ok=True)
    config.run.out = str(folder)
    atomic_write(folder / "config.toml", lambda f: f.write(config.to_toml().encode()))
    ga = GeneticAlgorithm(task.spec, config.ga, config.run.seed)
    return _run(folder, config, task, ga, (0, 0, 0.0), callbacks, show_progress), folder


def resume(folder: str | Path, flags: dict | None = None, callbacks=(),
           show_progress: bool = True) -> tuple[RunResult, Path]:
    """Continue the run in ``folder`` from its last checkpoint.

    ``flags`` may change only the settings in :data:`RESUMABLE` (more generations, a target, workers);
    any other change is refused, since it would not continue the same run.

    Raises:
        CheckpointError: missing, corrupted or incompatible run folder. ConfigError: a refused change.
    """
    folder = Path(folder)
    arrays, meta = load_checkpoint(folder)
    if not (folder / "config.toml").is_file():
        raise CheckpointError(f"{folder} has a checkpoint but no config.toml")
    base = read_toml(folder / "config.toml")
    config = resolve(flags=flags, base=base)
    old = resolve(base=base)
    for section, values in config.to_dict().items():
        for key, value in values.items():
            before = old.to_dict()[section].get(key)
            if (section, key) not in RESUMABLE and value != before:
                raise ConfigError(f"--{key.replace('_', '-')} cannot change when resuming (the run used "
                                  f"{before!r}); start a new run with --out instead")
    config.run.out = str(folder)
    task = make_task(config)
    if NetworkSpec.from_dict(meta["spec"]) != task.spec:
        raise CheckpointError(f"the checkpoint's network {meta['spec']['sizes']} does not match the task's "
                              f"{list(task.spec.sizes)}")
    ga = GeneticAlgorithm(task.spec, config.ga, config.run.seed)
    try:
        ga.restore(arrays, meta)
    except (KeyError, ValueError) as e:
        raise CheckpointError(f"checkpoint in {folder} does not fit its config: {e}") from None
    if meta.get("solved") and config.run.target == old.run.target:
        config.run.generations = ga.generation  # finished by reaching the target: nothing left to do
    atomic_write(folder / "config.toml", lambda f: f.write(config.to_toml().encode()))
    counters = (meta["evaluations"], meta["env_steps"], meta["elapsed"])
    return _run(folder, config, task, ga, counters, callbacks, show_progress), folder


def _run(folder, config, task, ga, counters, callbacks, show_progress) -> RunResult:
    handler = _setup_logging(folder)
    log.info("run in %s: %s, network %s, seed %d", folder, task.env_id or config.task.fitness,
             "-".join(map(str, task.spec.sizes)), config.run.seed)
    target = None if math.isnan(config.run.target) else config.run.target
    meta = {"seed": config.run.seed, "method": "ga"}
    cbs = [_LogGenerations(), HistoryCSV(folder / "history.csv"),
           Checkpointer(folder, config.run.checkpoint_every, task.env_id, task.env_kwargs, meta),
           FitnessPlot(folder / "history.csv", folder / "fitness.png", task.env_id or config.task.fitness)]
    if show_progress:
        cbs.insert(0, ProgressBar(config.run.generations))
    try:
        with make_evaluator(task, config.run.workers) as evaluator:
            population = Population(task, ga, evaluator, [*cbs, *callbacks], config.task.episodes, counters)
            return population.run(config.run.generations, target)
    except BaseException:
        log.exception("run stopped by an error")
        raise
    finally:
        multiprocessing_logging.uninstall_mp_handler(logging.getLogger())
        logging.getLogger().removeHandler(handler)
        handler.close()
