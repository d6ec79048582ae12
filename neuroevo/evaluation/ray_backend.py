"""The Ray evaluator: the process pool's chunks, scored by Ray actors on one machine or a cluster.

Needs the optional extra ``neuroevo[ray]`` (``pip install "neuroevo[ray]"``); Ray is imported lazily.

How it maps onto Ray (https://docs.ray.io/en/latest/ray-core/actors.html):

- one actor per worker (``num_cpus=1`` each), created once per run; the task (config, network spec,
  fitness function) is put in the object store once and each actor warms it up once, so Numba kernels are
  compiled (or loaded from the disk cache) once per worker;
- each generation the population goes into the object store once (``ray.put``) and each actor receives
  ``(ref, start, stop)`` for a chunk: the same chunks as :class:`~neuroevo.evaluation.pool.ProcessPoolEvaluator`,
  assembled in order, so one seed gives the same fitness on Ray, on the process pool and serially;
- Ray must pickle the task (with Ray's cloudpickle): functions from ``__main__``, closures and lambdas
  travel by value, and so does a fitness file given as ``path/to/file.py:FN``. An object that cannot be
  pickled gets a :class:`~neuroevo.errors.TaskError` naming it;
- the scheduling (chunks, retries, deadline) is the process pool's, one copy in
  :class:`~neuroevo.evaluation.scheduler.ChunkedEvaluator`; faults as in the process pool: a raising fitness gives :class:`~neuroevo.errors.GenomeFitnessError` with
  the genome index and traceback; a dead actor is replaced and its chunk retried ``max_retries`` times,
  then :class:`~neuroevo.evaluation.pool.WorkerLostError`; a generation past ``eval_timeout`` has its busy
  actors killed and raises :class:`~neuroevo.evaluation.pool.EvalTimeoutError`;
- log records made in an actor while it scores a chunk are returned with the chunk's result and handed
  to this process's loggers, named ``ray-worker-N`` with the generation (they reach the run's log file).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroevo.errors import ConfigError, FitnessError, TaskError
from neuroevo.evaluation.ray_address import check_reachable
from neuroevo.evaluation.scheduler import ChunkedEvaluator, WorkerDied, score_chunk
from neuroevo.evaluation.tasks import FunctionTask, Task
from neuroevo.evaluation.worker_logs import _CONTEXT, RecordCapture, install_generation_factory, replay

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes

log = logging.getLogger("neuroevo.ray")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError('--backend ray needs Ray: pip install "neuroevo[ray]"') from None
    return ray


class ChunkWorker:
    """A Ray actor holding the task: scores chunks ``genomes[start:stop]`` of a population in the store."""

    def __init__(self, task: Task, slot: int, level: int):
        self.task = task
        self.task.warmup()
        self.capture = RecordCapture(f"ray-worker-{slot + 1}@{socket.gethostname()}:{os.getpid()}")
        root = logging.getLogger()
        root.addHandler(self.capture)
        root.setLevel(level)
        install_generation_factory()

    def pid(self) -> int:
        return os.getpid()

    def node(self) -> tuple[str, str]:
        """``(node id, node IP)`` of the Ray node this actor runs on."""
        import ray

        return ray.get_runtime_context().get_node_id(), ray.util.get_node_ip_address()

    def evaluate(self, genomes: Genomes, start: int, stop: int, seeds: np.ndarray,
                 generation: int | None) -> tuple[tuple, list[logging.LogRecord]]:
        _CONTEXT["generation"] = generation
        self.capture.take()
        result = score_chunk(self.task, genomes[start:stop], seeds, start)
        return result, self.capture.take()


def unpicklable_part(task: Task, dumps: Callable[[object], bytes]) -> str:
    """A description of what in ``task`` cannot be pickled with ``dumps`` ("" if it all can)."""
    try:
        dumps(task)
        return ""
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
    from ray.util import inspect_serializability

    target = task.fn if isinstance(task, FunctionTask) else task
    name = getattr(task, "name", type(task).__name__)
    _, failures = inspect_serializability(target, name=name, print_file=io.StringIO())
    for f in sorted(failures, key=lambda f: -len(getattr(f, "path", ()) or ())):
        path = ".".join(map(str, getattr(f, "path", ()) or ())) or name
        return f"{path!r} ({type(f.obj).__name__}) cannot be pickled ({error})"
    return f"{name} cannot be pickled ({error})"


def _pickle_user_module_by_value(task: Task, ray: Any) -> None:
    """A fitness loaded from a file (module ``neuroevo_user_*``) or ``__main__`` travels by value."""
    module = getattr(getattr(task, "fn", None), "__module__", None)
    if module and module.startswith("neuroevo_user_") and module in sys.modules:
        ray.cloudpickle.register_pickle_by_value(sys.modules[module])


#: Seconds to wait for the actors of a run to start (a cluster with no free CPU would otherwise wait forever).
START_TIMEOUT = 120.0


def _not_started(ray: Any) -> str:
    free = ray.available_resources().get("CPU", 0)
    return (f"Ray workers did not start within {START_TIMEOUT:g} s ({free:g} CPUs free on the cluster: other "
            f"jobs hold them?)")


@contextlib.contextmanager
def _native_stderr_to_log(active: bool) -> Iterator[None]:
    """While joining a cluster, Ray's C++ core writes its retries to file descriptor 2 (a screen of
    "Failed to get cluster ID" lines for an address where something else listens): they go to the log
    (``neuroevo.ray``, DEBUG) instead, so the CLI's error stays one line."""
    if not active:
        yield
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode(errors="replace").strip()
            if text:
                log.debug("Ray's output while joining the cluster:\n%s", text[-4000:])


class RayEvaluator(ChunkedEvaluator):
    """Evaluates chunks of genomes on Ray actors.

    Args:
        task: what is scored (fitness is maximised).
        workers: actors (0: one per CPU of the cluster).
        address: ``""`` starts a local Ray instance with ``workers`` CPUs for this run (stopped at the end);
            ``"auto"`` or ``"HOST:PORT"`` joins a running cluster (``ray start --head``), left running.
            If this process already called ``ray.init``, that instance is used.
        chunks_per_worker: chunks per actor per generation.
        eval_timeout: seconds one generation's evaluation may take (0: no limit). The start of an actor
            replacing one that died during the generation counts; other start-ups do not.
        max_retries: times a chunk is retried after its actor died.

    Raises:
        ConfigError: Ray not installed. TaskError: the task cannot be pickled (naming the object).
        From :meth:`evaluate`: GenomeFitnessError, WorkerLostError, EvalTimeoutError.
    """

    worker_name = "Ray worker"

    def __init__(self, task: Task, workers: int = 0, address: str = "", chunks_per_worker: int = 2,
                 eval_timeout: float = 0.0, max_retries: int = 2):
        super().__init__(task, workers, chunks_per_worker, eval_timeout, max_retries)
        self.address = address
        self._started = False
        self._actors: list = []
        self._fresh: set[int] = set()  # slots whose actor was replaced after an error or interrupt
        self._refs: dict[int, object] = {}  # slot -> ObjectRef of the chunk it holds
        self._nodes: list[tuple[str, str]] = []  # slot -> (node id, IP) of its actor ("" if not known)
        self._pending: dict[int, tuple] = {}  # slot -> (replacement actor, its readiness ref), not up yet
        self._dead: set[int] = set()  # id() of actors seen dead
        self._ray: Any = None  # the ray module once started (imported lazily: an optional extra)

    def start(self) -> None:
        ray = self._ray = _import_ray()
        _pickle_user_module_by_value(self.task, ray)
        problem = unpicklable_part(self.task, ray.cloudpickle.dumps)
        if problem:
            raise TaskError(f"the fitness cannot be sent to Ray workers: {problem}; create that object inside "
                            f"the function, or import it from a module installed on the workers")
        self.task.warmup()  # compiles into the Numba disk cache that local actors then load
        if not ray.is_initialized():
            if self.address:
                check_reachable(self.address)
            kwargs = {"address": self.address} if self.address else {  # "local": never a stale cluster
                "address": "local", "num_cpus": self.workers or os.cpu_count() or 1}
            self._started = True  # set first: an interrupted start is still shut down by close()
            try:
                with _native_stderr_to_log(bool(self.address)):
                    ray.init(**kwargs, include_dashboard=False, logging_level=logging.WARNING,
                             log_to_driver=True, configure_logging=False)
            except (ConnectionError, ValueError, RuntimeError) as e:
                self.close()
                raise ConfigError(f"cannot join the Ray cluster at {self.address or 'a local instance'}: "
                                  f"{str(e).strip().splitlines()[0][:200]}") from None
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if self.workers > cpus:  # actors of 1 CPU each would wait for CPUs forever
            self.close()
            raise ConfigError(f"--workers {self.workers} exceeds the {cpus} CPUs of the Ray cluster; give "
                              f"--workers {cpus} or fewer, or 0 for all")
        self.workers = self.workers or max(1, cpus)
        self._remote = ray.remote(num_cpus=1, max_restarts=0)(ChunkWorker)
        self._task_ref = ray.put(self.task)
        self._actors = [self._new_actor(slot) for slot in range(self.workers)]
        try:  # started, so startup is not timed as evaluation
            self._nodes = ray.get([a.node.remote() for a in self._actors], timeout=START_TIMEOUT)
        except ray.exceptions.RayActorError as e:
            self.close()
            raise TaskError(f"Ray workers could not start: {str(e).strip().splitlines()[0][:300]}") from None
        except ray.exceptions.GetTimeoutError:
            self.close()
            raise TaskError(_not_started(ray)) from None

    def _new_actor(self, slot: int) -> Any:
        return self._remote.remote(self._task_ref, slot, logging.getLogger().getEffectiveLevel())

    def _wait_ready(self) -> None:
        """Wait for actors started to replace killed ones (their start-up is not timed as evaluation)."""
        fresh, self._fresh = self._fresh, set()
        try:
            self._ray.get([self._actors[slot].pid.remote() for slot in sorted(fresh)], timeout=START_TIMEOUT)
        except self._ray.exceptions.RayActorError:
            pass  # dead again: handled (and retried) as a worker death by evaluate()
        except self._ray.exceptions.GetTimeoutError:
            raise TaskError(_not_started(self._ray)) from None

    def close(self) -> None:
        """Kill the actors; stop Ray if this evaluator started it. Safe to call twice."""
        ray = self._ray
        if ray is None:
            return
        for actor in {id(a): a for a in [*self._actors, *(p[0] for p in self._pending.values())]
                      if a is not None}.values():
            with contextlib.suppress(Exception):
                ray.kill(actor)
        self._actors, self._pending = [], {}
        if self._started:
            ray.shutdown()
            self._started = False
        self._ray = None

    def pids(self) -> list[int]:
        """Process ids of the actors (for tests)."""
        return self._ray.get([a.pid.remote() for a in self._actors])

    def evaluate(self, genomes: Genomes, seeds: np.ndarray, generation: int | None = None) -> tuple[np.ndarray, int]:
        """Fitness of a population: ``(fitness (P,) float64, env_steps)`` (see :class:`Evaluator`)."""
        if self._ray is None:
            raise RuntimeError("RayEvaluator must be used inside a `with` block")
        self._wait_ready()
        return super().evaluate(genomes, seeds, generation)

    # the scheduler's five operations on worker slots
    def _begin(self, genomes: Genomes, seeds: np.ndarray, generation: int | None) -> None:
        self._genomes_ref = self._ray.put(np.ascontiguousarray(genomes) if isinstance(genomes, np.ndarray)
                                          else genomes)
        self._seeds, self._generation = seeds, generation

    def _submit(self, slot: int, start: int, stop: int) -> None:
        self._promote(slot)
        self._refs[slot] = self._actors[slot].evaluate.remote(self._genomes_ref, start, stop, self._seeds,
                                                              self._generation)

    def _wait(self, slots: list[int], timeout: float | None) -> list[int]:
        by_ref = {self._refs[s]: s for s in slots}
        done, _ = self._ray.wait(list(by_ref), num_returns=1, timeout=timeout)
        return [by_ref[r] for r in done]

    def _collect(self, slot: int) -> tuple:
        ray = self._ray
        try:
            result, records = ray.get(self._refs.pop(slot))
        except ray.exceptions.RayActorError as e:
            cause = str(e).strip().splitlines()[0][:200]
            self._log_lost(slot, cause)
            raise WorkerDied(cause) from None
        except ray.exceptions.RayTaskError as e:
            raise FitnessError(f"Ray worker {slot + 1} failed: {type(e.cause).__name__}: {e.cause}") from None
        replay(records)
        return result

    def _replace(self, slot: int) -> None:
        """After the actor of ``slot`` died: its chunks go at once to a live actor of another slot (an actor
        runs its calls one after the other), while a replacement actor starts; the slot switches to it
        once it is up (:meth:`_promote`). So a node lost with its CPUs never leaves a chunk waiting for an
        actor that cannot be placed."""
        dead = self._actors[slot]
        self._dead.add(id(dead))
        with contextlib.suppress(Exception):
            self._ray.kill(dead)
        fresh = self._new_actor(slot)
        self._pending[slot] = (fresh, fresh.node.remote())
        live = [s for s, a in enumerate(self._actors) if s != slot and a is not None and id(a) not in self._dead]
        if not live:  # nobody to share with: wait for the replacement
            self._actors[slot], self._nodes[slot] = fresh, ("", "")
            del self._pending[slot]
            return
        share = min(live, key=lambda s: sum(a is self._actors[s] for a in self._actors))
        self._actors[slot], self._nodes[slot] = self._actors[share], self._nodes[share]

    def _promote(self, slot: int) -> None:
        """Switch ``slot`` to its replacement actor if that one is up."""
        if slot not in self._pending:
            return
        fresh, ready = self._pending[slot]
        done, _ = self._ray.wait([ready], timeout=0)
        if not done:
            return
        del self._pending[slot]
        try:
            self._nodes[slot] = self._ray.get(ready)
            self._actors[slot] = fresh
        except self._ray.exceptions.RayActorError:
            pass

    def _log_lost(self, slot: int, cause: str) -> None:
        """Name the node of a lost actor (and say so when Ray already knows the node is gone)."""
        node, ip = self._nodes[slot] if slot < len(self._nodes) else ("", "")
        where = f"on node {node} ({ip})" if node else "on a node not known yet"
        alive = {n["NodeID"] for n in self._ray.nodes() if n.get("Alive")}
        gone = " with its node" if node and node not in alive else ""
        log.warning("Ray worker %d %s was lost%s (%s); its chunk is retried on the remaining workers",
                    slot + 1, where, gone, cause)

    def _abandon(self, slots: list[int]) -> None:
        for slot in slots:
            self._refs.pop(slot, None)
            with contextlib.suppress(Exception):
                self._ray.kill(self._actors[slot])
            self._actors[slot] = self._new_actor(slot)
            self._nodes[slot] = ("", "")
            self._fresh.add(slot)
