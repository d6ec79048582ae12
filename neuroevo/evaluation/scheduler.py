"""The one chunk scheduler of the evaluators with workers (process pool and Ray): chunks, retries, deadline.

A generation's population is split into contiguous chunks (:func:`split`); each idle worker gets the next
chunk; results are assembled in chunk order, so the fitness does not depend on which worker scored what.
Faults, the same on every backend:

- a fitness that raises: the worker returns an error result (:func:`score_chunk`); the lowest failing chunk's
  error is raised (the genome a serial run names), chunks after it are not waited for;
- a worker that dies: its chunk is retried on a fresh worker up to ``max_retries`` times, then
  :class:`~neuroevo.errors.WorkerLostError`;
- a generation still running after ``eval_timeout`` seconds: :class:`~neuroevo.errors.EvalTimeoutError`
  naming the genomes still held;
- any of those, or an interrupt: the workers still holding chunks are abandoned (killed and replaced).

A backend gives the scheduler its workers through :class:`ChunkedEvaluator`'s five methods.
"""

from __future__ import annotations

import collections
import logging
import time
import traceback
from abc import abstractmethod

from typing import TYPE_CHECKING

import numpy as np

from neuroevo.errors import EvalTimeoutError, FitnessError, GenomeFitnessError, WorkerLostError
from neuroevo.evaluation.base import Evaluator
from neuroevo.evaluation.tasks import Task

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes

log = logging.getLogger("neuroevo.scheduler")


def split(n: int, chunks: int) -> list[tuple[int, int]]:
    """``chunks`` contiguous ``(start, stop)`` slices covering ``range(n)``, sizes differing by at most 1."""
    bounds = np.linspace(0, n, min(chunks, n) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def score_chunk(task: Task, genomes: Genomes, seeds: np.ndarray, start: int) -> tuple:
    """Score one chunk (inside a worker); never raises for a failing fitness.

    Returns:
        ``("ok", fitness (n,) float64, env_steps)`` or ``("error", index, detail, traceback)`` with the
        genome index in the population (``start`` + index in the chunk; ``-1`` if no genome is to blame).
    """
    try:
        fitness, steps = task.evaluate(genomes, seeds)
        return "ok", np.asarray(fitness, dtype=np.float64), int(steps)
    except GenomeFitnessError as e:
        return "error", e.index + start, e.detail, e.traceback
    except Exception as e:  # an env or kernel failing outside a user function
        return "error", -1, f"scoring genomes {start}-{start + len(genomes) - 1} raised {type(e).__name__}: {e}", \
            traceback.format_exc()
    except SystemExit as e:  # sys.exit() in an env or kernel: an error, not a silently dead worker
        return "error", -1, f"scoring genomes {start}-{start + len(genomes) - 1} called sys.exit({e.code!r})", \
            traceback.format_exc()


def raise_chunk_error(result: tuple) -> None:
    """Raise the error of a ``score_chunk`` result (GenomeFitnessError if a genome is named)."""
    _, index, detail, tb = result
    if index >= 0:
        raise GenomeFitnessError(index, detail, tb)
    err = FitnessError(detail)
    err.traceback = tb
    raise err


def timeout_error(generation: int | None, eval_timeout: float, held: list[tuple[int, int]]) -> EvalTimeoutError:
    """The error of an evaluation that outlived ``--eval-timeout``; ``held``: (start, stop) of running chunks."""
    ranges = ", ".join(f"{a}-{b - 1}" for a, b in held)
    where = f" of generation {generation}" if generation is not None else ""
    return EvalTimeoutError(f"evaluation{where} took longer than --eval-timeout {eval_timeout:g} s "
                            f"(genomes {ranges} still running: a fitness that hangs?)")


class WorkerDied(Exception):
    """Raised by a backend's ``_collect`` when the worker died instead of answering; the message says how."""


class ChunkedEvaluator(Evaluator):
    """An evaluator whose workers score chunks; the scheduling is done here, once for every backend.

    Subclasses implement ``start``/``close`` and five methods on worker *slots* ``0..workers-1``:
    ``_begin(genomes, seeds, generation)`` (before a generation's first chunk), ``_submit(slot, start, stop)``,
    ``_wait(slots, timeout) -> finished slots`` (answered or died; ``[]`` on timeout),
    ``_collect(slot) -> score_chunk result`` (or raise :class:`WorkerDied`), ``_replace(slot)`` (a fresh
    worker after a death) and ``_abandon(slots)`` (kill and replace workers still holding chunks).

    Args:
        task, eval_timeout, max_retries: see :class:`~neuroevo.evaluation.base.Evaluator`.
        workers: number of workers. chunks_per_worker: chunks per worker per generation (more balances
            uneven episode lengths).
    """

    #: How a worker is named in messages: ``f"{worker_name} {slot + 1}"``.
    worker_name = "worker"

    def __init__(self, task: Task, workers: int, chunks_per_worker: int = 2, eval_timeout: float = 0.0,
                 max_retries: int = 2):
        super().__init__(task, eval_timeout, max_retries)
        self.workers, self.chunks_per_worker = int(workers), int(chunks_per_worker)

    def evaluate(self, genomes: Genomes, seeds: np.ndarray, generation: int | None = None) -> tuple[np.ndarray, int]:
        chunks = split(len(genomes), self.workers * self.chunks_per_worker)
        self._begin(genomes, np.asarray(seeds), generation)
        results = self._schedule(chunks, generation)
        return np.concatenate([r[1] for r in results]), int(sum(r[2] for r in results))

    def _schedule(self, chunks: list[tuple[int, int]], generation: int | None) -> list:
        results: list = [None] * len(chunks)
        attempts = [0] * len(chunks)
        pending = collections.deque(range(len(chunks)))
        held: dict[int, int] = {}  # slot -> chunk
        failed: dict[int, tuple] = {}  # chunk -> error result
        deadline = time.monotonic() + self.eval_timeout if self.eval_timeout > 0 else None
        try:
            while True:
                first = min(failed, default=len(chunks))  # chunks after a failed one no longer matter
                pending = collections.deque(c for c in pending if c < first)
                if not pending and not any(c < first for c in held.values()):
                    break
                for slot in range(self.workers):
                    if slot not in held and pending:
                        held[slot] = c = pending.popleft()
                        self._submit(slot, *chunks[c])
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                done = self._wait(sorted(held), timeout)
                if not done:
                    raise timeout_error(generation, self.eval_timeout, [chunks[c] for c in held.values()])
                for slot in done:
                    c = held.pop(slot)
                    try:
                        result = self._collect(slot)
                    except WorkerDied as how:
                        self._retry(slot, c, chunks[c], attempts, how)
                        pending.appendleft(c)
                        continue
                    if result[0] == "error":
                        failed[c] = result
                    else:
                        results[c] = result
        finally:  # an error, timeout or interrupt left chunks running: those workers are killed and replaced
            if held:
                self._abandon(sorted(held))
        if failed:  # the lowest failing chunk's error: the genome a serial run names
            raise_chunk_error(failed[min(failed)])
        return results

    def _retry(self, slot: int, c: int, chunk: tuple[int, int], attempts: list, how: WorkerDied) -> None:
        a, b = chunk
        attempts[c] += 1
        self._replace(slot)
        name = f"{self.worker_name} {slot + 1}"
        if attempts[c] > self.max_retries:
            raise WorkerLostError(f"{name} died ({how}) while scoring genomes {a}-{b - 1}, on {attempts[c]} "
                                  f"attempts; a crash in the fitness or a native library?")
        log.warning("%s died (%s) while scoring genomes %d-%d; retrying (attempt %d of %d)", name, how, a, b - 1,
                    attempts[c] + 1, self.max_retries + 1)

    @abstractmethod
    def _begin(self, genomes: Genomes, seeds: np.ndarray, generation: int | None) -> None: ...

    @abstractmethod
    def _submit(self, slot: int, start: int, stop: int) -> None: ...

    @abstractmethod
    def _wait(self, slots: list[int], timeout: float | None) -> list[int]: ...

    @abstractmethod
    def _collect(self, slot: int) -> tuple: ...

    @abstractmethod
    def _replace(self, slot: int) -> None: ...

    @abstractmethod
    def _abandon(self, slots: list[int]) -> None: ...
