"""Callbacks: no-op hooks called by the run loop (neat-python's reporters, SB3's callbacks).

A callback receives typed records, never the loop's locals. ``on_generation_end`` may return ``False``
to stop the run after that generation.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroevo.agent import Agent, atomic_write
from neuroevo.checkpoint import save_checkpoint
from neuroevo.errors import output_error

if TYPE_CHECKING:
    from neuroevo._typing import StrPath
    from neuroevo.population import Population, RunResult
    from neuroevo.strategies.base import Genomes, Strategy


@dataclass(frozen=True)
class GenerationRecord:
    """What happened in one generation.

    Attributes:
        generation: the generation's number, counted from 1 (as the console, history.csv, run.log, the plot,
            checkpoint names and ``best.json`` count them).
        best, mean, std, min: fitness statistics of this generation's population (higher is better).
        evaluations: genomes evaluated so far in the run (cumulative).
        env_steps: environment steps simulated so far in the run (cumulative).
        elapsed: wall seconds since the run (or the resumed run) started, plus earlier sessions' time.
        best_ever: best fitness seen in the run so far.
        genomes: (P, n_params) float64 population evaluated in this generation (a GenomeBatch for NEAT).
        fitness: (P,) float64 its fitness.
    """

    generation: int
    best: float
    mean: float
    std: float
    min: float
    evaluations: int
    env_steps: int
    elapsed: float
    best_ever: float
    genomes: Genomes = field(repr=False)
    fitness: np.ndarray = field(repr=False)

    #: Columns of history.csv, in order.
    COLUMNS = ("generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s")

    def row(self) -> list:
        return [self.generation, self.best, self.mean, self.std, self.min, self.evaluations,
                self.env_steps, round(self.elapsed, 3)]


class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    def on_run_start(self, run: Population) -> None:
        """Called once before the first generation; ``run`` is the :class:`~neuroevo.population.Population`."""

    def on_generation_end(self, record: GenerationRecord) -> bool | None:
        """Called after each generation is evaluated. Return False to stop the run."""

    def on_run_end(self, result: RunResult) -> None:
        """Called once with the :class:`~neuroevo.population.RunResult` (also when stopped early)."""


class HistoryCSV(Callback):
    """Append one row per generation to a CSV file (columns: :attr:`GenerationRecord.COLUMNS`).

    Generations are numbered from 1. On a resumed run, rows of generations after the restored one are
    dropped first, so the file ends as it would have in an uninterrupted run (a file of an older version,
    numbered from 0, is renumbered).
    """

    def __init__(self, path: StrPath):
        self.path = Path(path)

    def on_run_start(self, run: Population) -> None:
        from neuroevo.schema import read_history

        rows = read_history(self.path) if self.path.is_file() else []
        if rows and rows[0][0] == "0":  # a file of neuroevo < 0.2 counted from 0: renumber from 1
            rows = [[str(int(r[0]) + 1), *r[1:]] for r in rows]
        keep = [r for r in rows if int(r[0]) <= run.strategy.generation]
        buf = io.StringIO()
        csv.writer(buf).writerows([list(GenerationRecord.COLUMNS), *keep])
        atomic_write(self.path, lambda f: f.write(buf.getvalue().encode()))

    def on_generation_end(self, record: GenerationRecord) -> None:
        """Append the row; on an OSError (full disk) cut the file back to its last whole row and raise
        OutputError."""
        buf = io.StringIO()
        csv.writer(buf).writerow(record.row())
        data = buf.getvalue().encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            raise output_error(self.path, e) from None
        try:
            size = os.fstat(fd).st_size
            try:
                while data:
                    data = data[os.write(fd, data):]
            except OSError as e:
                os.ftruncate(fd, size)
                raise output_error(self.path, e) from None
        finally:
            os.close(fd)


class Checkpointer(Callback):
    """Every ``every`` generations and at the end: write a checkpoint and the best agent to ``folder``.

    Args:
        folder: the run folder.
        every: generations between checkpoints.
        agent_meta: extra fields for ``best.json`` (env id, env kwargs, seed...).
        checkpoint_meta: extra fields for ``checkpoint.json`` (the run's config).
    """

    def __init__(self, folder: StrPath, every: int = 1, env_id: str | None = None, env_kwargs: dict | None = None,
                 agent_meta: dict | None = None, checkpoint_meta: dict | None = None):
        self.folder, self.every = Path(folder), int(every)
        self.env_id, self.env_kwargs, self.agent_meta = env_id, dict(env_kwargs or {}), dict(agent_meta or {})
        self.checkpoint_meta = dict(checkpoint_meta or {})
        self.last_best: float | None = None

    def on_run_start(self, run: Population) -> None:
        self.run = run
        self.last_best = None

    def on_generation_end(self, record: GenerationRecord) -> None:
        self.last_best = record.best
        if record.generation % self.every == 0:
            self.save()

    def on_run_end(self, result: RunResult) -> None:
        self.save(solved=result.solved, stopped_by=result.stopped_by)

    def save(self, **extra: Any) -> None:
        r = self.run
        self.write(r.strategy, (r.evaluations, r.env_steps, r.elapsed), **extra)

    def write(self, strategy: Strategy, counters: tuple[int, int, float], agent: bool = True, **extra: Any) -> None:
        """Checkpoint ``strategy`` with ``counters`` = (evaluations, env_steps, elapsed); ``agent``: also
        best.npz."""
        arrays, meta = strategy.state()
        meta.update(evaluations=int(counters[0]), env_steps=int(counters[1]), elapsed=float(counters[2]),
                    spec=strategy.spec.to_dict(), last_best=self.last_best, **self.checkpoint_meta, **extra)
        if agent:
            Agent(strategy.spec, strategy.best_genome, self.env_id, self.env_kwargs,
                  {"fitness": strategy.best_fitness, "generation": strategy.generation, "strategy": strategy.name,
                   **self.agent_meta}).save(self.folder / "best.npz")
        save_checkpoint(self.folder, arrays, meta)


class FitnessPlot(Callback):
    """At the end of the run, plot best / mean ± std / min fitness per generation from history.csv, and the
    ``target`` fitness (None: none) as a line (:func:`neuroevo.plots.plot_history`)."""

    def __init__(self, history_path: StrPath, png_path: StrPath, title: str = "", target: float | None = None):
        self.history_path, self.png_path, self.title, self.target = history_path, png_path, title, target

    def on_run_end(self, result: RunResult) -> None:
        from neuroevo.plots import plot_history

        plot_history(self.history_path, self.png_path, self.title, self.target)
