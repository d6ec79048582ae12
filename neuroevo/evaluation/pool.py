"""The process-pool evaluator: one set of forked worker processes for the whole run, and its faults.

Workers are forked after the task's Numba kernels are compiled (``task.warmup()`` in the parent), so they
inherit the compiled code and the task itself: nothing of the user's fitness is pickled, and functions
defined in ``__main__``, closures and lambdas work (the failure of neat-python #114, PyGAD #121, DEAP #57).
Each generation sends chunks of genomes (contiguous slices), not single genomes, each over the pipe of an
idle worker. A chunk's fitness does not depend on which worker scores it, so one seed gives one result
whatever the number of workers.

Faults (each ends in a one-line :class:`~neuroevo.errors.FitnessError`, never a hang):

- a fitness that raises: :class:`~neuroevo.errors.GenomeFitnessError` with the genome's index in the
  population and the worker's traceback (the lowest failing genome: the one a serial run names);
- a worker that dies (killed, segfault, ``os._exit``): seen at once through its process sentinel; a new
  worker is forked and the chunk retried up to ``max_retries`` times, then :class:`WorkerLostError`;
- a generation still running after ``eval_timeout`` seconds: its busy workers are killed and
  :class:`EvalTimeoutError` names the genomes they held;
- the parent interrupted (KeyboardInterrupt) or killed: busy workers are killed on the way out, and each
  worker asks Linux to SIGKILL it when the parent dies (``PR_SET_PDEATHSIG``), so none is left behind.

We own the processes and pipes (``multiprocessing.connection.wait``) rather than use
``concurrent.futures.ProcessPoolExecutor``, which can neither kill one hung worker nor tell which chunk a
dead worker held.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import time
import traceback
from multiprocessing.connection import wait

import numpy as np

from neuroevo.errors import FitnessError, GenomeFitnessError
from neuroevo.evaluation.tasks import Task

log = logging.getLogger("neuroevo.pool")

#: The generation a worker is scoring (the ``generation`` attribute of its log records).
_CONTEXT = {"generation": None}


class WorkerLostError(FitnessError):
    """A worker process died while scoring a chunk, on every one of its attempts."""


class EvalTimeoutError(FitnessError):
    """A generation's evaluation took longer than the evaluation timeout."""


def timeout_error(generation, eval_timeout: float, held: list[tuple[int, int]]) -> "EvalTimeoutError":
    """The error of an evaluation that outlived ``--eval-timeout``; ``held``: (start, stop) of running chunks."""
    ranges = ", ".join(f"{a}-{b - 1}" for a, b in held)
    where = f" of generation {generation}" if generation is not None else ""
    return EvalTimeoutError(f"evaluation{where} took longer than --eval-timeout {eval_timeout:g} s "
                            f"(genomes {ranges} still running: a fitness that hangs?)")


def split(n: int, chunks: int) -> list[tuple[int, int]]:
    """``chunks`` contiguous ``(start, stop)`` slices covering ``range(n)``, sizes differing by at most 1."""
    bounds = np.linspace(0, n, min(chunks, n) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def describe_exit(exitcode: int | None) -> str:
    """``"killed by signal SIGKILL"`` or ``"exit code 3"`` for a process's exit code."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def score_chunk(task: Task, genomes: np.ndarray, seeds: np.ndarray, start: int) -> tuple:
    """Score one chunk; never raises for a failing fitness.

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


def raise_chunk_error(result: tuple) -> None:
    """Raise the error of a ``score_chunk`` result (GenomeFitnessError if a genome is named)."""
    _, index, detail, tb = result
    if index >= 0:
        raise GenomeFitnessError(index, detail, tb)
    err = FitnessError(detail)
    err.traceback = tb
    raise err


class RecordCapture(logging.Handler):
    """Keeps the log records made while a worker scores a chunk, made picklable, to send with the result.

    The parent hands them to its own loggers (:func:`replay`), so they reach the run's log file in order,
    with the worker's name and the generation, without a logging thread or queue shared across a fork.
    """

    def __init__(self, process_name: str | None = None):
        super().__init__()
        self.process_name, self.records = process_name, []

    def emit(self, record):
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if self.process_name:
            record.processName = self.process_name
        self.records.append(record)

    def take(self) -> list:
        records, self.records = self.records, []
        return records


def replay(records) -> None:
    """Hand log records made in a worker to this process's loggers."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def _set_parent_death_signal() -> None:
    """Linux: SIGKILL this process when its parent dies (so a SIGKILLed run leaves no orphan)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def install_generation_factory() -> None:
    """Log records made in this process get ``record.generation`` from the worker's context."""
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.generation = _CONTEXT["generation"]
        return record

    logging.setLogRecordFactory(factory)


def _worker_main(task: Task, conn, inherited, parent: int) -> None:
    """Loop of a forked worker: receive ``(generation, start, genomes, seeds)``, send back
    ``(chunk result, log records)``."""
    for c in inherited:  # the parent's ends of other workers' pipes: closed, so EOF means the parent is gone
        c.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the death signal was set
        return
    install_generation_factory()
    capture = RecordCapture()
    logging.getLogger().handlers = [capture]  # not the parent's file handlers: records go back with results
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        generation, start, genomes, seeds = message
        _CONTEXT["generation"] = generation
        result = score_chunk(task, genomes, seeds, start)
        conn.send((result, capture.take()))


class _Worker:
    """One worker process, its pipe, and the chunk it holds (``None`` when idle)."""

    def __init__(self, process, conn, slot: int):
        self.process, self.conn, self.slot = process, conn, slot
        self.chunk: int | None = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class ProcessPoolEvaluator:
    """Evaluates chunks of genomes in ``workers`` forked processes, surviving crashes and hangs.

    Args:
        task: what is scored (fitness is maximised).
        workers: number of processes (>= 1).
        chunks_per_worker: chunks sent per worker per generation (more balances uneven episode lengths).
        eval_timeout: seconds one generation's evaluation may take (0: no limit).
        max_retries: times a chunk is retried after its worker died, before :class:`WorkerLostError`.

    Use as a context manager: the workers live from ``__enter__`` to ``__exit__``.

    Raises (from :meth:`evaluate`):
        GenomeFitnessError: a fitness raised (index in the population, original traceback attached).
        WorkerLostError: a worker died on every attempt of a chunk.
        EvalTimeoutError: the generation ran past ``eval_timeout``.
    """

    def __init__(self, task: Task, workers: int, chunks_per_worker: int = 2, eval_timeout: float = 0.0,
                 max_retries: int = 2):
        if int(workers) < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.task, self.workers, self.chunks_per_worker = task, int(workers), int(chunks_per_worker)
        self.eval_timeout, self.max_retries = float(eval_timeout), int(max_retries)
        self._ctx = mp.get_context("fork")
        self._slots: list[_Worker | None] = []

    def __enter__(self) -> "ProcessPoolEvaluator":
        self.task.warmup()
        self._slots = [None] * self.workers
        self._fill()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._slots if w is not None]

    def _spawn(self, slot: int) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe()
        inherited = [w.conn for w in self._slots if w is not None] + [parent_conn]
        process = self._ctx.Process(target=_worker_main, args=(self.task, child_conn, inherited, os.getpid()),
                                    name=f"worker-{slot + 1}")
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn, slot)

    def _fill(self) -> None:
        for slot, w in enumerate(self._slots):
            if w is None:
                self._slots[slot] = self._spawn(slot)

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones killed. Safe to call twice."""
        for w in self._slots:
            if w is None:
                continue
            if w.chunk is None:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
            else:
                w.process.kill()
        deadline = time.monotonic() + 1.0
        for w in self._slots:
            if w is not None:
                w.process.join(max(0.0, deadline - time.monotonic()))
                w.kill()
        self._slots = []

    def evaluate(self, genomes: np.ndarray, seeds: np.ndarray, generation: int | None = None
                 ) -> tuple[np.ndarray, int]:
        """Fitness of a population.

        Args:
            genomes: (P, n_params) float64.
            seeds: (K,) int64 episode seeds shared by every genome.
            generation: the generation number, for worker log records and error messages.

        Returns:
            ``(fitness (P,) float64, env_steps)``.
        """
        if not self._slots:
            raise RuntimeError("ProcessPoolEvaluator must be used inside a `with` block")
        chunks = split(len(genomes), self.workers * self.chunks_per_worker)
        results: list = [None] * len(chunks)
        try:
            self._run(genomes, seeds, generation, chunks, results)
        finally:  # an error or interrupt left chunks running: kill those workers, fork fresh ones later
            for slot, w in enumerate(self._slots):
                if w is not None and w.chunk is not None:
                    w.kill()
                    self._slots[slot] = None
        fitness = np.concatenate([r[1] for r in results])
        return fitness, int(sum(r[2] for r in results))

    def _run(self, genomes, seeds, generation, chunks, results) -> None:
        self._fill()
        pending = collections.deque(range(len(chunks)))
        attempts = [0] * len(chunks)
        failed: dict[int, tuple] = {}  # chunk -> error result
        deadline = time.monotonic() + self.eval_timeout if self.eval_timeout > 0 else None
        while True:
            first = min(failed, default=len(chunks))  # chunks after a failed one no longer matter
            pending = collections.deque(c for c in pending if c < first)
            if not pending and not any(w.chunk is not None and w.chunk < first for w in self._slots):
                break
            for w in self._slots:
                if w.chunk is None and pending:
                    c = pending.popleft()
                    a, b = chunks[c]
                    w.chunk = c
                    try:
                        w.conn.send((generation, a, genomes[a:b], seeds))
                    except OSError:
                        pass  # it died: its sentinel is ready, handled below
            busy = [w for w in self._slots if w.chunk is not None]
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
            if not ready:
                self._timed_out(busy, chunks, generation)
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    self._collect(w, chunks, results, attempts, pending, failed)
        if failed:  # the lowest failing chunk's error: the genome a serial run names
            raise_chunk_error(failed[min(failed)])

    def _collect(self, w: _Worker, chunks, results, attempts, pending, failed) -> None:
        c = w.chunk
        try:
            result = w.conn.recv() if w.conn.poll() else None
        except (EOFError, OSError):
            result = None
        if result is not None:
            w.chunk = None
            result, records = result
            replay(records)
            if result[0] == "error":
                failed[c] = result
            else:
                results[c] = result
            return
        w.process.join(1.0)  # nothing to read and the sentinel is ready: the worker died
        how = describe_exit(w.process.exitcode)
        w.chunk = None
        w.kill()
        self._slots[w.slot] = None  # forked again below, or by the next evaluate()
        a, b = chunks[c]
        attempts[c] += 1
        if attempts[c] > self.max_retries:
            raise WorkerLostError(f"worker process {w.slot + 1} died ({how}) while scoring genomes {a}-{b - 1}, "
                                  f"on {attempts[c]} attempts; a crash in the fitness or a native library?")
        log.warning("worker process %d died (%s) while scoring genomes %d-%d; retrying (attempt %d of %d)",
                    w.slot + 1, how, a, b - 1, attempts[c] + 1, self.max_retries + 1)
        self._slots[w.slot] = self._spawn(w.slot)
        pending.appendleft(c)

    def _timed_out(self, busy: list[_Worker], chunks, generation) -> None:
        raise timeout_error(generation, self.eval_timeout, [chunks[w.chunk] for w in busy])
