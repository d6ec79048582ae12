"""The Evaluator interface: where genomes are scored (serial, process pool, Ray), one contract for all.

An evaluator is a context manager that owns its workers for a whole run: ``__enter__`` starts them (after
warming the task's Numba cache, so forked workers inherit compiled code), ``__exit__`` stops them. Inside,
``evaluate(genomes, seeds, generation)`` returns ``(fitness (P,) float64, env_steps)``. Fitness is
maximised and depends only on (genome, seeds): never on which worker or backend scored it.

Errors (all in ``neuroevo.errors``): a raising fitness -> GenomeFitnessError naming the genome (the lowest
index, as a serial run would) with the original traceback; a worker lost on every attempt ->
WorkerLostError; a generation past ``eval_timeout`` -> EvalTimeoutError.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from neuroevo.evaluation.tasks import Task

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes


class Evaluator(ABC):
    """Base class of the evaluators.

    Args:
        task: what is scored.
        eval_timeout: seconds one generation's evaluation may take (0: no limit).
        max_retries: times a chunk is retried after its worker died (backends with workers).

    Attributes:
        workers: number of workers (1 for the serial evaluator).
    """

    workers: int = 1

    def __init__(self, task: Task, eval_timeout: float = 0.0, max_retries: int = 2):
        self.task, self.eval_timeout, self.max_retries = task, float(eval_timeout), int(max_retries)

    def __enter__(self) -> "Evaluator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def start(self) -> None:
        """Warm the task up and start the workers (called by ``__enter__``)."""

    @abstractmethod
    def close(self) -> None:
        """Stop the workers. Safe to call twice, and after a failed :meth:`start`."""

    @abstractmethod
    def evaluate(self, genomes: Genomes, seeds: np.ndarray, generation: int | None = None
                 ) -> tuple[np.ndarray, int]:
        """Fitness of a population.

        Args:
            genomes: (P, n_params) float64 (or a strategy's GenomeBatch of P genomes).
            seeds: (K,) int64 episode seeds of the generation, shared by every genome.
            generation: the generation number (log records and error messages).

        Returns:
            ``(fitness, env_steps)``: (P,) float64 (NaN allowed: the run loop applies its policy) and the
            number of environment steps simulated.
        """
