"""A run on disk: starting a run from a config, and resuming one from its checkpoint.

A run folder holds ``config.toml`` (the resolved config), ``history.csv``, ``best.npz`` + ``best.json``,
``checkpoint.json`` + ``checkpoint-<generation>.npz``, ``fitness.png`` and ``run.log``, beside the
folder's marker and lock (``neuroevo.runfolder``).

The walk of a run, one job per module: the folder is claimed and locked for the whole run
(``neuroevo.runfolder``); a resume is checked against the run's recorded config (``neuroevo.resuming``)
and every file it reads is validated (``neuroevo.schema``) before anything is written; the evaluator is
started and always closed (``neuroevo.lifecycle``); signals stop the run cleanly (``neuroevo.signals``);
``run.log`` is written once the run has started, by the handler the application installs (``neuroevo.runlog``).

Transactions: a new run writes its config and a checkpoint of generation 0 before any evaluation, so an
interrupt at any moment (start-up, Numba compilation, the first generation) leaves a resumable folder;
if its workers fail to start, what it wrote is removed again. A resume changes no file (``config.toml``,
``run.log``, ``history.csv``, temporary files) until its workers have started: a resume that fails
leaves the folder byte for byte as it was.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from neuroevo.callbacks import Callback, Checkpointer, FitnessPlot, HistoryCSV
from neuroevo.checkpoint import META_FILE, load_checkpoint
from neuroevo.agent import atomic_write
from neuroevo.config import Config, read_toml, resolve
from neuroevo.errors import CheckpointError, ConfigError, NeuroevoError
from neuroevo.evaluation.factory import make_evaluator, make_task
from neuroevo.evaluation.tasks import Task
from neuroevo.lifecycle import GuardedEvaluator, Started
from neuroevo.memory import check_population
from neuroevo.network import NetworkSpec
from neuroevo.population import Population, RunResult
from neuroevo.progress import ProgressBar
from neuroevo.resuming import RESUMABLE, check_edits, check_flags, check_out  # noqa: F401 (RESUMABLE: API)
from neuroevo.runfolder import FolderLock, claim, free_folder, remove_temporary, write_marker
from neuroevo.runlog import RunLog
from neuroevo.schema import read_history
from neuroevo.signals import Interrupted, SignalGuard
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.registry import attribute, get_strategy, make_strategy

log = logging.getLogger("neuroevo")


def run_name(config: Config) -> str:
    """What ran, for folder names: the env id (``cartpole-v1``), or a user fitness's module and function
    (``examples/xor.py:fitness`` -> ``xor-fitness``, ``pkg.tasks:score`` -> ``tasks-score``)."""
    if not config.task.fitness:
        return config.task.env
    module, _, function = config.task.fitness.rpartition(":")
    stem = Path(module).stem if module.endswith(".py") else module.rpartition(".")[2]
    return f"{stem}-{function}"


def default_folder(config: Config) -> Path:
    """``runs/<what ran>-seed<seed>`` (:func:`run_name`), with a numeric suffix if that folder is taken."""
    return free_folder(f"{run_name(config)}-seed{config.run.seed}")


class _LogGenerations(Callback):
    def on_generation_end(self, record):
        log.info("generation %d best %.6g mean %.6g std %.6g min %.6g evaluations %d env_steps %d",
                 record.generation, record.best, record.mean, record.std, record.min, record.evaluations,
                 record.env_steps, extra={"generation": record.generation})


def _log_failure(error: BaseException, strategy: Strategy, resumable: bool) -> None:
    if isinstance(error, KeyboardInterrupt):
        if resumable:
            log.warning("stopped by %s; checkpoint at generation %d (continue with --resume)",
                        error or "KeyboardInterrupt", strategy.generation)
        else:
            log.warning("stopped by %s before the first checkpoint", error or "KeyboardInterrupt")
    elif isinstance(error, NeuroevoError):
        tb = getattr(error, "traceback", "")
        log.error("run stopped: %s%s", error, f"\noriginal traceback (in the worker):\n{tb}" if tb else "")
    else:
        log.exception("run stopped by an error")


def _write_config(folder: Path, config: Config) -> None:
    atomic_write(folder / "config.toml", lambda f: f.write(config.to_toml().encode()))


def start(config: Config, callbacks: Iterable[Callback] = (), show_progress: bool = True) -> tuple[RunResult, Path]:
    """Evolve from scratch into the config's run folder; returns the result and the folder.

    Raises:
        ConfigError: the folder already holds a run, or the population cannot fit in memory.
        FolderBusyError, FolderOwnershipError, OutputError: see ``neuroevo.runfolder``.
        TaskError, FitnessError: from the task.
    """
    folder = Path(config.run.out) if config.run.out else default_folder(config)
    _refuse_a_run(folder)
    task = make_task(config)
    check_population(_population_size(config), task.spec.sizes)
    lock = claim(folder, "evolve")
    try:
        _refuse_a_run(folder)
        config.run.out = str(folder)
        strategy = make_strategy(config, task.spec)
        return _run(folder, config, task, strategy, (0, 0, 0.0), callbacks, show_progress, fresh=True), folder
    except KeyboardInterrupt as e:
        raise _tagged(e, folder)
    finally:
        lock.release()


def _tagged(e: KeyboardInterrupt, folder: Path) -> KeyboardInterrupt:
    """An interrupt that arrived outside the run's own handling (just before or after it): tagged with the folder
    and whether it holds a checkpoint, for the CLI's truthful one-line message."""
    if not hasattr(e, "folder"):
        e.folder, e.resumable = folder, (folder / META_FILE).is_file()  # type: ignore[attr-defined]
    return e


def _population_size(config: Config) -> int:
    """Genomes per generation of the config's strategy (for the memory estimate made before allocating)."""
    section = getattr(config, attribute(get_strategy(config.run.algorithm).section), None)
    return int(getattr(section, "population", 0) or getattr(section, "population_size", 0) or 1)


def _refuse_a_run(folder: Path) -> None:
    if (folder / META_FILE).exists():
        if not FolderLock(folder).held:
            FolderLock(folder).acquire().release()  # a run going on there: named by its pid
        raise ConfigError(f"{folder} already holds a run: continue it with --resume {folder}, or choose "
                          f"another --out")


def resume(folder: str | Path, flags: dict | None = None, callbacks: Iterable[Callback] = (),
           show_progress: bool = True, announce: Callable[[str], object] | None = None) -> tuple[RunResult, Path]:
    """Continue the run in ``folder`` from its last checkpoint.

    ``announce``: ``fn(str)`` told once, before the run goes on, what is resumed (folder, task, generation).

    ``flags`` may change only the settings in :data:`RESUMABLE` (more generations, a target, workers);
    any other change, as a flag or edited in ``config.toml``, is refused, since it would not continue the
    same run. ``--out`` may only name ``folder`` itself.

    Raises:
        CheckpointError: missing, corrupted or incompatible run folder (naming the file and field).
        ConfigError: a refused change. FolderBusyError: the run is still going on in another process.
    """
    folder = Path(folder)
    flags = flags or {}
    check_out(folder, flags)
    load_checkpoint(folder)  # a folder that is no run is named before taking its lock
    lock = FolderLock(folder).acquire()
    try:
        arrays, meta = load_checkpoint(folder)  # again, under the lock: the run may have moved on
        config, task, strategy = _plan_resume(folder, flags, arrays, meta)
        last_best = meta.get("last_best")
        done = last_best is not None and last_best >= config.run.target  # NaN target: never
        counters = (meta["evaluations"], meta["env_steps"], meta["elapsed"])
        limit = strategy.generation if done else config.run.generations  # reached the target: nothing left
        if announce is not None:
            left = ("it already reached its target: nothing to add" if done else
                    f"to generation {config.run.generations}" if limit > strategy.generation else "nothing to add")
            announce(f"resuming {folder} ({run_name(config)}, {config.run.algorithm}, seed {config.run.seed}) "
                     f"after generation {strategy.generation}: {left}")
        return _run(folder, config, task, strategy, counters, callbacks, show_progress, limit), folder
    except KeyboardInterrupt as e:
        raise _tagged(e, folder)
    finally:
        lock.release()


def _plan_resume(folder: Path, flags: dict, arrays: dict, meta: dict) -> tuple[Config, Task, Strategy]:
    """Everything a resume needs, checked, with nothing written: ``(config, task, strategy)``."""
    toml = folder / "config.toml"
    if not toml.is_file():
        raise CheckpointError(f"{folder} has a checkpoint but no config.toml")
    base = read_toml(toml)
    try:
        on_disk = resolve(base=base)
    except ConfigError as e:
        raise ConfigError(f"{toml}: {e}") from None
    check_edits(folder, on_disk, meta.get("config"))
    config = resolve(flags=flags, base=base)
    check_flags(on_disk, config)
    config.run.out = str(folder)
    if (folder / "history.csv").is_file():
        read_history(folder / "history.csv")
    task = make_task(config)
    if NetworkSpec.from_dict(meta["spec"]) != task.spec:
        raise CheckpointError(f"the checkpoint's network {meta['spec']['sizes']} does not match the task's "
                              f"{list(task.spec.sizes)}")
    check_population(_population_size(config), task.spec.sizes)
    strategy = make_strategy(config, task.spec)
    try:
        strategy.restore(arrays, meta)
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"checkpoint in {folder} does not fit its config: {e}") from None
    return config, task, strategy


def _commit_resume(folder: Path, config: Config) -> None:
    """The resumed run has started: write its config, mark the folder, remove leftovers of killed writes."""
    _write_config(folder, config)
    write_marker(folder, "evolve")
    remove_temporary(folder)


def _rollback_start(folder: Path) -> None:
    """A new run whose workers did not start: remove what it wrote (the folder stays, empty and marked)."""
    for name in ("config.toml", META_FILE, "run.log"):
        (folder / name).unlink(missing_ok=True)
    for npz in folder.glob("checkpoint-*.npz"):
        npz.unlink(missing_ok=True)


def _run(folder: Path, config: Config, task: Task, strategy: Strategy, counters: tuple[int, int, float],
         callbacks: Iterable[Callback], show_progress: bool, limit: int | None = None, fresh: bool = False) -> RunResult:
    target = None if math.isnan(config.run.target) else config.run.target
    meta = {"seed": config.run.seed, "method": strategy.name}
    checkpointer = Checkpointer(folder, config.run.checkpoint_every, task.env_id, task.env_kwargs, meta,
                                {"config": config.to_dict()})
    cbs = [_LogGenerations(), HistoryCSV(folder / "history.csv"), checkpointer,
           FitnessPlot(folder / "history.csv", folder / "fitness.png", task.env_id or config.task.fitness, target)]
    if show_progress:
        cbs.insert(0, ProgressBar(config.run.generations))
    if config.run.watch:
        from neuroevo.live import LiveView

        cbs.append(LiveView(every=config.run.watch_every, keep_open=True,
                            say=lambda text: print(text, file=sys.stderr)))
    r = config.run
    workers = min(r.workers, strategy.population_size) if r.workers else 0  # never more workers than genomes
    guard = SignalGuard()
    with RunLog(folder / "run.log", lambda: strategy.generation + 1) as runlog:  # the one evolved, from 1
        started = False
        try:  # from the first write on: an interrupt at any moment reports whether the folder is resumable
            if fresh:  # the first checkpoint, before any evaluation: resumable from here on
                _write_config(folder, config)
                checkpointer.write(strategy, counters, agent=False)
                runlog.commit()
            log.info("run in %s: %s, network %s, strategy %s, seed %d, backend %s", folder,
                     task.env_id or config.task.fitness, "-".join(map(str, task.spec.sizes)), strategy.name,
                     config.run.seed, config.run.backend)
            evaluator = make_evaluator(task, workers, r.backend, address=r.address, eval_timeout=r.eval_timeout,
                                       max_retries=r.max_retries)
            with Started(evaluator, guard):
                started = True
                if not fresh:
                    _commit_resume(folder, config)
                    runlog.commit()
                population = Population(task, strategy, GuardedEvaluator(evaluator, guard),
                                        [*cbs, *callbacks, guard], config.task.episodes, counters, r.nan_fitness)
                result = population.run(config.run.generations if limit is None else limit, target)
                if guard.signum and result.stopped_by == "callback":  # stopped early; on_run_end checkpointed
                    raise Interrupted(guard.signum)
                return result
        except BaseException as e:
            guard.interruptible = False
            if isinstance(e, Interrupted) and hasattr(checkpointer, "run"):
                checkpointer.save(stopped_by="interrupted")
            rollback = fresh and not started and not isinstance(e, KeyboardInterrupt)
            resumable = (folder / META_FILE).is_file() and not rollback
            if isinstance(e, KeyboardInterrupt):
                # tags read by the CLI (getattr) for "continue with --resume FOLDER"; Ctrl-C's plain
                # KeyboardInterrupt gets them too, so they cannot be declared on a class of ours
                e.folder, e.resumable = folder, resumable  # type: ignore[attr-defined]
            _log_failure(e, strategy, resumable)
            if rollback:
                _rollback_start(folder)
            raise
        finally:
            guard.uninstall()
