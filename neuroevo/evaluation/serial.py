"""The serial evaluator: the whole population in this process."""

from __future__ import annotations

import numpy as np

from neuroevo.evaluation.tasks import Task


class SerialEvaluator:
    """Evaluates every genome in the calling process. A context manager, like every evaluator.

    Args:
        task: what is scored.
    """

    workers = 1

    def __init__(self, task: Task):
        self.task = task

    def __enter__(self) -> "SerialEvaluator":
        self.task.warmup()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def evaluate(self, genomes: np.ndarray, seeds: np.ndarray, generation: int | None = None
                 ) -> tuple[np.ndarray, int]:
        """``(fitness (P,) float64, env_steps)`` of ``genomes`` (P, n_params) on episode ``seeds`` (K,)."""
        fitness, steps = self.task.evaluate(genomes, seeds)
        return np.asarray(fitness, dtype=np.float64), int(steps)
