"""The process-pool evaluator: one persistent pool of forked workers for the whole run.

Workers are forked after the task's Numba kernels are compiled (``task.warmup()`` in the parent), so they
inherit the compiled code and the task itself: nothing of the user's fitness is pickled, and functions
defined in ``__main__``, closures and lambdas work (the failure of neat-python #114, PyGAD #121, DEAP #57).
Each generation sends chunks of genomes (contiguous slices), not single genomes. A chunk's fitness does
not depend on which worker scores it, so one seed gives one result whatever the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from neuroevo.errors import GenomeFitnessError
from neuroevo.evaluation.tasks import Task

_TASKS: dict[int, Task] = {}  # filled in the parent before forking; read by the workers
_ids = itertools.count()


def _evaluate_chunk(task_id: int, genomes: np.ndarray, seeds: np.ndarray, offset: int):
    try:
        return _TASKS[task_id].evaluate(genomes, seeds)
    except GenomeFitnessError as e:
        raise e.shifted(offset) from None


def split(n: int, chunks: int) -> list[tuple[int, int]]:
    """``chunks`` contiguous ``(start, stop)`` slices covering ``range(n)``, sizes differing by at most 1."""
    bounds = np.linspace(0, n, min(chunks, n) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


class ProcessPoolEvaluator:
    """Evaluates chunks of genomes in ``workers`` forked processes.

    Args:
        task: what is scored.
        workers: number of processes (>= 1).
        chunks_per_worker: chunks sent per worker per generation (more balances uneven episode lengths).

    Use as a context manager: the pool lives from ``__enter__`` to ``__exit__``.
    """

    def __init__(self, task: Task, workers: int, chunks_per_worker: int = 2):
        self.task, self.workers, self.chunks_per_worker = task, int(workers), int(chunks_per_worker)
        self._id = next(_ids)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessPoolEvaluator":
        self.task.warmup()
        _TASKS[self._id] = self.task
        self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("fork"))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _TASKS.pop(self._id, None)

    def evaluate(self, genomes: np.ndarray, seeds: np.ndarray) -> tuple[np.ndarray, int]:
        """``(fitness (P,) float64, env_steps)``; a failing genome raises GenomeFitnessError with its index."""
        if self._pool is None:
            raise RuntimeError("ProcessPoolEvaluator must be used inside a `with` block")
        chunks = split(len(genomes), self.workers * self.chunks_per_worker)
        futures = [self._pool.submit(_evaluate_chunk, self._id, genomes[a:b], seeds, a) for a, b in chunks]
        results = [f.result() for f in futures]
        fitness = np.concatenate([np.asarray(r[0], dtype=np.float64) for r in results])
        return fitness, int(sum(r[1] for r in results))
