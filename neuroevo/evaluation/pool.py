"""The process-pool evaluator: one set of forked worker processes for the whole run, and its faults.

Workers are forked after the task's Numba kernels are compiled (``task.warmup()`` in the parent), so they
inherit the compiled code and the task itself: nothing of the user's fitness is pickled, and functions
defined in ``__main__``, closures and lambdas work (the failure of neat-python #114, PyGAD #121, DEAP #57).
Where the task's kernel claims items (CartPole-v1), the parent and ``workers - 1`` workers play the whole
generation together, each lane claiming the next (genome, episode) item from a counter in shared memory
(:mod:`~neuroevo.evaluation.shared_items`), and the workers wait for the next generation spinning, not
asleep (:data:`SPIN_SECONDS`). Otherwise each generation sends chunks of genomes (contiguous slices), not
single genomes, each to an idle worker:
a flat-genome population is copied once into memory the workers share
(:mod:`~neuroevo.evaluation.shared_genomes`), so a chunk travels over the pipe as two indices; other genome
kinds (NEAT's) are pickled. A chunk's fitness does not depend on which worker scores it, so one seed gives one result
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

The scheduling (chunks, retries, the deadline) is :class:`~neuroevo.evaluation.scheduler.ChunkedEvaluator`'s,
shared with the Ray evaluator; this module only starts, feeds, watches and kills processes.

We own the processes and pipes (``multiprocessing.connection.wait``) rather than use
``concurrent.futures.ProcessPoolExecutor``, which can neither kill one hung worker nor tell which chunk a
dead worker held.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroevo.errors import EvalTimeoutError, WorkerLostError  # noqa: F401  (also importable from here)
from neuroevo.evaluation.scheduler import (ChunkedEvaluator, WorkerDied, raise_chunk_error,  # noqa: F401
                                           score_chunk, split, timeout_error)
from neuroevo.evaluation.shared_genomes import RESERVE, SharedGenomes, is_shared_rows, read_rows
from neuroevo.evaluation.shared_items import ITEMS_TAG, RESERVE_ITEMS, SharedItems, is_items_message, score_items
from neuroevo.evaluation.tasks import Task
from neuroevo.evaluation.worker_logs import (_CONTEXT, RecordCapture, WorkerLogStream,  # noqa: F401
                                             install_generation_factory, replay)

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes

log = logging.getLogger(__name__)

#: Seconds a worker that played a generation's shared items polls its pipe for the next generation before it
#: blocks, and the parent polls the workers' answers before it blocks. A process asleep in ``recv`` or
#: ``wait`` is woken in 50-150 us on a 2-vCPU VM, more than once per generation: 3-4 % of a 7 ms CartPole
#: generation at population 1,000 (``benchmarks/pool_efficiency.py``). 5 ms covers the GA's step between two
#: such generations (3.3 ms at population 1,000); where the step is longer, so is the generation, and the
#: wake-up matters less. A polling worker uses a core the parent does not (the parent plays one share).
SPIN_SECONDS = 0.005


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


def _set_parent_death_signal() -> None:
    """Linux: SIGKILL this process when its parent dies (so a SIGKILLed run leaves no orphan)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _worker_main(task: Task, conn: Connection, inherited: list[Connection], parent: int,
                 logs: WorkerLogStream, shared: Any, items: Any, shared_returns: Any) -> None:
    """Loop of a forked worker: receive ``(generation, start, genomes, seeds)``, send back the chunk's
    result; log records stream to the parent through ``logs`` meanwhile. ``genomes`` is the chunk itself or
    the rows of the shared mapping ``shared`` (inherited at fork) that hold it. A
    ``(ITEMS_TAG, generation, rows, seeds)`` message instead has the worker claim the generation's items
    with the others through the kernel's ``shared_returns``, its returns written into the mapping ``items``
    (:mod:`.shared_items`)."""
    for c in inherited:  # the parent's ends of other workers' pipes: closed, so EOF means the parent is gone
        c.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the death signal was set
        return
    install_generation_factory()
    logs.attach()  # not the parent's file handlers: records stream to the parent, which writes them
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if is_items_message(message):
            _, _CONTEXT["generation"], rows, seeds = message
            conn.send(_play_items(task, shared_returns, shared, items, rows, seeds))
            _poll([conn], time.monotonic() + SPIN_SECONDS)
            continue
        generation, start, genomes, seeds = message
        if is_shared_rows(genomes):
            genomes = read_rows(shared, genomes)
        _CONTEXT["generation"] = generation
        conn.send(score_chunk(task, genomes, seeds, start))


def _play_items(task: Task, shared_returns: Any, genomes: Any, items: Any, rows: Any, seeds: np.ndarray) -> tuple:
    """A share of the generation (a worker's or the parent's): claim and play items until none is left, the
    genomes read in place from rows ``rows`` of the mapping ``genomes``, the returns written into the
    mapping ``items`` (:func:`~neuroevo.evaluation.shared_items.score_items`'s result)."""
    return score_items(shared_returns, task.spec, read_rows(genomes, rows, copy=False), seeds, items,
                       getattr(task, "env_kwargs", {}))


def _readable(conn: Connection) -> bool:
    """True if ``recv`` on ``conn`` would not block: a message, or the other end gone (EOF)."""
    try:
        return conn.poll(0)
    except (EOFError, OSError):
        return True  # the caller's recv says what happened


def _poll(conns: list[Connection], until: float) -> bool:
    """Poll ``conns`` without sleeping until one is readable (True) or the clock passes ``until`` (False)."""
    while conns and time.monotonic() < until:
        if any(_readable(c) for c in conns):
            return True
    return False


class _Worker:
    """One worker process, its pipe, its log stream, and whether it holds a chunk."""

    def __init__(self, process: BaseProcess, conn: Connection, slot: int, logs: WorkerLogStream):
        self.process, self.conn, self.slot, self.logs = process, conn, slot, logs
        self.busy = False

    def kill(self) -> None:
        """Kill the process if it still runs, then take in its last log records and close its stream."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        self.logs.close()


class ProcessPoolEvaluator(ChunkedEvaluator):
    """Evaluates chunks of genomes in ``workers`` forked processes, surviving crashes and hangs.

    Args:
        task: what is scored (fitness is maximised).
        workers: number of processes (>= 1).
        chunks_per_worker: chunks sent per worker per generation, where the generation goes in chunks.
            One by default: the workers of one machine are equally fast, and each extra chunk costs a
            kernel call's tail and a round trip, more than the balance it buys
            (``benchmarks/pool_efficiency.py``, CartPole-v1, 1,000 genomes: 98 % of two independent
            processes with one chunk per worker, 87-97 % with two, where a generation took ~13 ms per
            worker; 80-92 % and 78-85 % where it takes ~7 ms). More balances a fitness whose cost varies a
            lot from genome to genome.
        eval_timeout: seconds one generation's evaluation may take (0: no limit).
        max_retries: times a chunk is retried after its worker died, before :class:`WorkerLostError`.
        shared_items: for a kernel whose lanes claim items (``KernelTask.shared_kernel``: CartPole-v1),
            the parent and ``workers - 1`` workers play the whole generation, claiming its (genome, episode)
            items from one counter in shared memory (:mod:`~neuroevo.evaluation.shared_items`): they end
            within an episode of each other instead of waiting for the slower half, and no process is woken
            from sleep to start or to answer (:data:`SPIN_SECONDS`). ``workers`` processes are at work, as
            with chunks; the parent, idle while chunks are scored, plays one share. The same fitness either
            way; if a worker dies in such a generation, the generation is scored again in chunks, with their
            retries. The built-in kernel runs in the parent, as in a serial run: no user code does.

    Use as a context manager: the workers live from ``__enter__`` to ``__exit__``.

    Raises (from :meth:`evaluate`):
        GenomeFitnessError: a fitness raised (index in the population, original traceback attached).
        WorkerLostError: a worker died on every attempt of a chunk.
        EvalTimeoutError: the generation ran past ``eval_timeout``.
    """

    worker_name = "worker process"

    def __init__(self, task: Task, workers: int, chunks_per_worker: int = 1, eval_timeout: float = 0.0,
                 max_retries: int = 2, shared_items: bool = True):
        if int(workers) < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        super().__init__(task, workers, chunks_per_worker, eval_timeout, max_retries)
        self._ctx = mp.get_context("fork")
        self._slots: list[_Worker | None] = []
        self._message: tuple[Genomes, np.ndarray, int | None] | None = None
        self._shared = SharedGenomes()
        self._sharing = False  # this generation's genomes are in the shared mapping
        shared_kernel = getattr(task, "shared_kernel", None)
        kernel = shared_kernel() if shared_items and callable(shared_kernel) else None
        self._shared_returns: Any = kernel[0] if kernel is not None else None  # None: the generation in chunks
        self._fitness_of_returns: Any = kernel[1] if kernel is not None else None
        self._items = SharedItems()

    def start(self) -> None:
        self.task.warmup()
        if self._shared.capacity < RESERVE:
            self._shared.grow(RESERVE)  # before the workers are forked: they inherit it
        if self._shared_returns is not None and self._items.capacity < RESERVE_ITEMS:
            self._items.grow(RESERVE_ITEMS)
        self._slots = [None] * self.workers
        self._fill()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._slots if w is not None and w.process.pid is not None]

    def _spawn(self, slot: int) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe()
        inherited = [w.conn for w in self._slots if w is not None] + [parent_conn]
        logs = WorkerLogStream(f"worker-{slot + 1}-logs")
        process = self._ctx.Process(target=_worker_main, name=f"worker-{slot + 1}",
                                    args=(self.task, child_conn, inherited, os.getpid(), logs,
                                          self._shared.buffer, self._items.buffer, self._shared_returns))
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn, slot, logs)

    def _fill(self) -> None:
        for slot, w in enumerate(self._slots):
            if w is None:
                self._slots[slot] = self._spawn(slot)
        for w in self._slots:  # once every worker is forked: no log thread is forked with them
            if w is not None:  # every slot was filled above
                w.logs.start()

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones killed. Safe to call twice."""
        for w in self._slots:
            if w is None:
                continue
            if not w.busy:
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

    def evaluate(self, genomes: Genomes, seeds: np.ndarray, generation: int | None = None) -> tuple[np.ndarray, int]:
        """Fitness of a population: ``(fitness (P,) float64, env_steps)`` (see :class:`Evaluator`)."""
        if not self._slots:
            raise RuntimeError("ProcessPoolEvaluator must be used inside a `with` block")
        seeds = np.asarray(seeds)
        if self._shared_returns is not None and isinstance(genomes, np.ndarray) and SharedGenomes.shareable(genomes) \
                and 0 < len(genomes) * len(seeds) <= self._items.capacity:
            scored = self._evaluate_items(genomes, seeds, generation)
            if scored is not None:
                return scored
        return super().evaluate(genomes, seeds, generation)

    def _evaluate_items(self, genomes: np.ndarray, seeds: np.ndarray,
                        generation: int | None) -> tuple[np.ndarray, int] | None:
        """The parent and workers ``0 .. workers - 2`` claim the generation's items (:mod:`.shared_items`):
        as many processes at work as ``workers``, and none woken to start or to answer in the common case
        (:data:`SPIN_SECONDS`). ``None`` if a worker died (the caller then scores the generation in chunks,
        with their retries: the same fitness). The parent's share is one kernel call that cannot be stopped,
        so a generation past ``eval_timeout`` is seen once that share is played (at most a few episodes
        after the workers', since the lanes share the items)."""
        self._begin(genomes, seeds, generation)  # may map a larger block for the genomes
        shared, items = self._shared.buffer, self._items.buffer
        if shared is None or items is None:  # both mapped by start() and _begin()
            raise RuntimeError("the pool's shared mappings are missing: start() it first")
        returns = self._items.reset(len(genomes), len(seeds))
        rows = self._shared.rows(0, len(genomes))
        pending = set(range(self.workers - 1))
        for slot in pending:
            self._send(slot, (ITEMS_TAG, generation, rows, seeds))
        deadline = time.monotonic() + self.eval_timeout if self.eval_timeout > 0 else None
        try:
            own = _play_items(self.task, self._shared_returns, shared, items, rows, seeds)
            results, died = self._await_items(pending, deadline, generation, len(genomes))
        finally:  # an error, timeout or interrupt left workers claiming: they are killed and replaced
            if pending:
                self._abandon(sorted(pending))
        failed = [r for r in [own, *results] if r[0] == "error"]
        if failed:
            raise_chunk_error(failed[0])
        if died or np.isnan(returns).any():
            log.warning("%s while scoring the generation's shared items; scoring it again in chunks",
                        "; ".join(died) or "a return was not written")
            return None
        steps = sum(r[2] for r in [own, *results])
        return np.asarray(self._fitness_of_returns(returns.copy()), dtype=np.float64), steps

    def _await_items(self, pending: set[int], deadline: float | None, generation: int | None,
                     n_genomes: int) -> tuple[list[tuple], list[str]]:
        """The answers of the ``pending`` workers (emptied as they answer) and how those that died did; each
        answer is polled for :data:`SPIN_SECONDS` (no wake-up: the workers end within an episode of the
        parent), then waited for until ``deadline``."""
        results, died = [], []
        while pending:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise timeout_error(generation, self.eval_timeout, [(0, n_genomes)])
            until = now + SPIN_SECONDS if deadline is None else min(now + SPIN_SECONDS, deadline)
            if _poll([self._live(s).conn for s in pending], until):
                done = [s for s in sorted(pending) if _readable(self._live(s).conn)]
            else:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                done = self._wait(sorted(pending), left)
            for slot in done:
                pending.discard(slot)
                try:
                    results.append(self._collect(slot))
                except WorkerDied as how:
                    died.append(f"{self.worker_name} {slot + 1} died ({how})")
                    self._replace(slot)
        if deadline is not None and time.monotonic() > deadline:
            raise timeout_error(generation, self.eval_timeout, [(0, n_genomes)])
        return results, died

    # the scheduler's five operations on worker slots
    def _begin(self, genomes: Genomes, seeds: np.ndarray, generation: int | None) -> None:
        flat = genomes if isinstance(genomes, np.ndarray) and SharedGenomes.shareable(genomes) else None
        self._sharing = flat is not None
        if flat is not None and flat.nbytes > self._shared.capacity:
            self._retire()  # idle between generations: new workers inherit the larger mapping
            self._shared.grow(flat.nbytes)
        self._fill()
        if flat is not None:
            self._shared.write(flat)
        self._message = (genomes, seeds, generation)

    def _retire(self) -> None:
        """Kill every worker (idle between generations: nothing is lost) and empty its slot; :meth:`_fill`
        forks new ones."""
        for w in self._slots:
            if w is not None:
                w.kill()
        self._slots = [None] * self.workers

    def _live(self, slot: int) -> _Worker:
        """The worker of a slot the scheduler uses (filled by ``_begin``, ``_replace``)."""
        w = self._slots[slot]
        if w is None:
            raise RuntimeError(f"worker slot {slot} is empty")
        return w

    def _submit(self, slot: int, start: int, stop: int) -> None:
        if self._message is None:
            raise RuntimeError("_submit before _begin")
        genomes, seeds, generation = self._message
        chunk = self._shared.rows(start, stop) if self._sharing else genomes[start:stop]
        self._send(slot, (generation, start, chunk, seeds))

    def _send(self, slot: int, message: tuple) -> None:
        """Hand a worker its work; it is busy until its answer is collected."""
        w = self._live(slot)
        w.busy = True
        try:
            w.conn.send(message)
        except OSError:
            pass  # it died: its sentinel is ready, seen by _wait

    def _wait(self, slots: list[int], timeout: float | None) -> list[int]:
        workers = [self._live(s) for s in slots]
        ready = set(wait([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout))
        return [w.slot for w in workers if w.conn in ready or w.process.sentinel in ready]

    def _collect(self, slot: int) -> tuple:
        w = self._live(slot)
        try:
            answer = w.conn.recv() if w.conn.poll() else None
        except (EOFError, OSError):
            answer = None
        if answer is not None:
            w.busy = False
            return answer
        w.process.join(1.0)  # nothing to read and the sentinel is ready: the worker died
        how = describe_exit(w.process.exitcode)
        w.kill()
        self._slots[slot] = None
        raise WorkerDied(how)

    def _replace(self, slot: int) -> None:
        w = self._slots[slot] = self._spawn(slot)
        w.logs.start()

    def _abandon(self, slots: list[int]) -> None:
        for slot in slots:  # forked again by the next evaluate()
            w = self._slots[slot]
            if w is not None:
                w.kill()
            self._slots[slot] = None
