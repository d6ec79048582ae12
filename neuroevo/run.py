"""A run on disk: the run folder, starting a run from a config, and resuming one from its checkpoint.

A run folder holds ``config.toml`` (the resolved config), ``history.csv``, ``best.npz`` + ``best.json``,
``checkpoint.json`` + ``checkpoint-<generation>.npz``, ``fitness.png`` and ``run.log``.
"""

from __future__ import annotations

import logging
import math
import re
import signal
import threading
from pathlib import Path

from neuroevo.agent import atomic_write
from neuroevo.callbacks import Callback, Checkpointer, FitnessPlot, HistoryCSV
from neuroevo.checkpoint import META_FILE, load_checkpoint
from neuroevo.config import Config, read_toml, resolve
from neuroevo.errors import CheckpointError, ConfigError, NeuroevoError
from neuroevo.evaluation.factory import make_evaluator, make_task
from neuroevo.network import NetworkSpec
from neuroevo.population import Population, RunResult
from neuroevo.progress import ProgressBar
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.registry import make_strategy

log = logging.getLogger("neuroevo")

#: Settings that may change when a run is resumed; any other change is refused.
#: (Where and how fast genomes are scored never changes a result: one seed gives one run on every backend.)
RESUMABLE = {("run", k) for k in ("generations", "target", "workers", "checkpoint_every", "watch",
                                   "watch_every", "out", "backend", "address", "eval_timeout", "max_retries",
                                   "nan_fitness")}

#: Level of run.log (``neuroevo -v``: DEBUG, ``-q``: WARNING); see :func:`set_log_level`.
_LEVEL = {"level": logging.INFO}


def set_log_level(level: int) -> None:
    """Set the level of the run's log file (``logging.DEBUG``, ``INFO`` (default), ``WARNING``...)."""
    _LEVEL["level"] = int(level)


def free_folder(name: str, marker: str) -> Path:
    """``runs/<name>`` (lower case, safe characters), with a numeric suffix while it holds ``marker``."""
    base = Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "-", name).lower()
    folder, n = base, 1
    while (folder / marker).exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def default_folder(config: Config) -> Path:
    """``runs/<task>-seed<seed>``, with a numeric suffix if that folder already holds a run."""
    name = config.task.fitness.rpartition(":")[2] if config.task.fitness else config.task.env
    return free_folder(f"{name}-seed{config.run.seed}", META_FILE)


class _LogGenerations(Callback):
    def on_generation_end(self, record):
        log.info("generation %d best %.6g mean %.6g std %.6g min %.6g evaluations %d env_steps %d",
                 record.generation, record.best, record.mean, record.std, record.min, record.evaluations,
                 record.env_steps, extra={"generation": record.generation})


def _setup_logging(folder: Path, strategy: Strategy) -> logging.Handler:
    """run.log gets this process's records and the workers' (with the worker's name and the generation):
    workers send their records back with each chunk's result (see ``neuroevo.evaluation.pool``)."""
    level = _LEVEL["level"]
    handler = logging.FileHandler(folder / "run.log")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(processName)s gen %(generation)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_GenerationFilter(strategy))
    root = logging.getLogger()
    root.addHandler(handler)
    handler.previous_level = root.level  # put back when the run ends
    root.setLevel(min(root.level or logging.WARNING, level))
    logging.getLogger("numba").setLevel(max(level, logging.INFO))  # its DEBUG output is compiler internals
    return handler


class _GenerationFilter(logging.Filter):
    """Records made in this process get the generation being evolved (workers set their own)."""

    def __init__(self, strategy):
        super().__init__()
        self.strategy = strategy

    def filter(self, record):
        if getattr(record, "generation", None) is None:
            record.generation = self.strategy.generation + 1  # the one being evolved, counted from 1
        return True


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT or SIGTERM) after writing its checkpoint.

    Attributes:
        signum: the signal number (the CLI exits with 128 + signum).
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


class _SignalGuard(Callback):
    """SIGINT and SIGTERM stop the run: at once while genomes are being scored (the population being
    scored is checkpointed, unchanged), else after the current generation's callbacks (so history.csv and
    the checkpoint always agree)."""

    def __init__(self):
        self.signum, self.interruptible, self._old = None, False, {}

    def install(self) -> None:
        """Handle SIGINT and SIGTERM (again after ``ray.init``, whose core replaces the SIGTERM handler)."""
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                old = signal.signal(s, self._handle)
                self._old.setdefault(s, old)

    @property
    def installed(self) -> bool:
        return bool(self._old)

    def uninstall(self) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)
        self._old = {}

    def _handle(self, signum, frame):
        self.signum = signum
        if self.interruptible:
            self.interruptible = False  # a second signal during the clean-up does not cut it short
            raise Interrupted(signum)

    def on_generation_end(self, record):
        return False if self.signum else None


class _GuardedEvaluator:
    """Wraps the run's evaluator: makes its evaluation interruptible by the signal guard."""

    def __init__(self, inner, guard: _SignalGuard):
        self.inner, self.guard = inner, guard

    def evaluate(self, genomes, seeds, generation=None):
        self.guard.interruptible = True
        try:
            if self.guard.signum:
                raise Interrupted(self.guard.signum)
            return self.inner.evaluate(genomes, seeds, generation)
        finally:
            self.guard.interruptible = False


def _log_failure(error: BaseException, strategy: Strategy) -> None:
    if isinstance(error, Interrupted):
        log.warning("stopped by %s; checkpoint at generation %d (continue with --resume)", error,
                    strategy.generation)
    elif isinstance(error, NeuroevoError):
        tb = getattr(error, "traceback", "")
        log.error("run stopped: %s%s", error, f"\noriginal traceback (in the worker):\n{tb}" if tb else "")
    else:
        log.exception("run stopped by an error")


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
    strategy = make_strategy(config, task.spec)
    return _run(folder, config, task, strategy, (0, 0, 0.0), callbacks, show_progress), folder


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
    before_all = old.to_dict()
    for section, values in config.to_dict().items():
        for key, value in values.items():
            before = before_all.get(section, {}).get(key)
            if (section, key) not in RESUMABLE and value != before:
                flag = "--env-arg/--track" if key == "env_kwargs" else f"--{key.replace('_', '-')}"
                raise ConfigError(f"{flag} cannot change when resuming (the run used {before!r}); start a new "
                                  f"run with --out instead")
    config.run.out = str(folder)
    task = make_task(config)
    if NetworkSpec.from_dict(meta["spec"]) != task.spec:
        raise CheckpointError(f"the checkpoint's network {meta['spec']['sizes']} does not match the task's "
                              f"{list(task.spec.sizes)}")
    strategy = make_strategy(config, task.spec)
    try:
        strategy.restore(arrays, meta)
    except (KeyError, ValueError) as e:
        raise CheckpointError(f"checkpoint in {folder} does not fit its config: {e}") from None
    last_best = meta.get("last_best")
    done = last_best is not None and last_best >= config.run.target  # NaN target: never
    atomic_write(folder / "config.toml", lambda f: f.write(config.to_toml().encode()))
    counters = (meta["evaluations"], meta["env_steps"], meta["elapsed"])
    limit = strategy.generation if done else config.run.generations  # reached the target: nothing left
    return _run(folder, config, task, strategy, counters, callbacks, show_progress, limit), folder


def _run(folder, config, task, strategy, counters, callbacks, show_progress, limit=None) -> RunResult:
    handler = _setup_logging(folder, strategy)
    log.info("run in %s: %s, network %s, strategy %s, seed %d, backend %s", folder,
             task.env_id or config.task.fitness, "-".join(map(str, task.spec.sizes)), strategy.name,
             config.run.seed, config.run.backend)
    target = None if math.isnan(config.run.target) else config.run.target
    meta = {"seed": config.run.seed, "method": strategy.name}
    guard = _SignalGuard()
    checkpointer = Checkpointer(folder, config.run.checkpoint_every, task.env_id, task.env_kwargs, meta)
    cbs = [_LogGenerations(), HistoryCSV(folder / "history.csv"), checkpointer,
           FitnessPlot(folder / "history.csv", folder / "fitness.png", task.env_id or config.task.fitness, target)]
    if show_progress:
        cbs.insert(0, ProgressBar(config.run.generations))
    if config.run.watch:
        from neuroevo.live import LiveView

        cbs.append(LiveView(every=config.run.watch_every))
    r = config.run
    workers = min(r.workers, strategy.population_size) if r.workers else 0  # never more workers than genomes
    evaluator = make_evaluator(task, workers, r.backend, address=r.address, eval_timeout=r.eval_timeout,
                               max_retries=r.max_retries)
    guard.install()
    try:
        guard.interruptible = True  # starting workers (a Ray cluster takes seconds) can be interrupted
        evaluator.__enter__()
        guard.interruptible = False
        guard.install()
        population = Population(task, strategy, _GuardedEvaluator(evaluator, guard),
                                [*cbs, *callbacks, guard], config.task.episodes, counters, r.nan_fitness)
        result = population.run(config.run.generations if limit is None else limit, target)
        if guard.signum and result.stopped_by == "callback":  # stopped early; on_run_end wrote the checkpoint
            raise Interrupted(guard.signum)
        return result
    except BaseException as e:
        guard.interruptible = False
        if isinstance(e, Interrupted) and hasattr(checkpointer, "run"):
            checkpointer.save(stopped_by="interrupted")
        if isinstance(e, KeyboardInterrupt):
            e.folder = folder  # for the CLI's "continue with --resume FOLDER"
        _log_failure(e, strategy)
        raise
    finally:
        guard.interruptible = False
        evaluator.close()
        guard.uninstall()
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(handler.previous_level)
        handler.close()
