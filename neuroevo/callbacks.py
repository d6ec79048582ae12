"""Callbacks: no-op hooks called by the run loop (neat-python's reporters, SB3's callbacks).

A callback receives typed records, never the loop's locals. ``on_generation_end`` may return ``False``
to stop the run after that generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class GenerationRecord:
    """What happened in one generation.

    Attributes:
        generation: 0-based index.
        best, mean, std, min: fitness statistics of this generation's population (higher is better).
        evaluations: genomes evaluated so far in the run (cumulative).
        env_steps: environment steps simulated so far in the run (cumulative).
        elapsed: wall seconds since the run (or the resumed run) started, plus earlier sessions' time.
        best_ever: best fitness seen in the run so far.
        genomes: (P, n_params) float64 population evaluated in this generation.
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
    genomes: np.ndarray = field(repr=False)
    fitness: np.ndarray = field(repr=False)

    #: Columns of history.csv, in order.
    COLUMNS = ("generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s")

    def row(self) -> list:
        return [self.generation, self.best, self.mean, self.std, self.min, self.evaluations,
                self.env_steps, round(self.elapsed, 3)]


class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    def on_run_start(self, run) -> None:
        """Called once before the first generation; ``run`` is the :class:`~neuroevo.population.Population`."""

    def on_generation_end(self, record: GenerationRecord) -> bool | None:
        """Called after each generation is evaluated. Return False to stop the run."""

    def on_run_end(self, result) -> None:
        """Called once with the :class:`~neuroevo.population.RunResult` (also when stopped early)."""
