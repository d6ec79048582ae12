"""Tasks: what is scored. A task turns a chunk of genomes and the generation's episode seeds into fitness.

Fitness is **maximised**. Every task is deterministic given (genome, seeds), so a chunk gives the same
fitness whichever worker, process or machine evaluates it.

Forms (EvoTorch's ``Problem`` accepts the same three):
- :class:`EnvTask`: any Gymnasium env id, mean return over the episodes, in a Python loop;
- :class:`KernelTask`: a built-in game's Numba population kernel (all genomes x episodes in lockstep);
- :class:`FunctionTask`: a user function of a :class:`~neuroevo.network.Network`, or a batch function.
"""

from __future__ import annotations

import importlib
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from neuroevo.errors import FitnessError, GenomeFitnessError, NeuroevoError
from neuroevo.network import Network, NetworkSpec

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes

_F = TypeVar("_F", bound=Callable[..., Any])


class Task(ABC):
    """Base class. Subclasses set ``spec`` and implement :meth:`evaluate`.

    Attributes:
        spec: the network spec every genome follows.
        env_id: the Gymnasium id the agents play (None for a user function).
        env_kwargs: keyword arguments of ``gymnasium.make`` (e.g. a track name).
    """

    spec: NetworkSpec
    env_id: str | None = None

    @property
    def env_kwargs(self) -> dict:
        """Keyword arguments of ``gymnasium.make`` (none for a user function)."""
        return self.__dict__.get("_env_kwargs", {})

    @env_kwargs.setter
    def env_kwargs(self, value: dict) -> None:
        self._env_kwargs = dict(value or {})

    @abstractmethod
    def evaluate(self, genomes: Genomes, seeds: np.ndarray) -> tuple[np.ndarray, int]:
        """Fitness of a chunk.

        Args:
            genomes: (n, n_params) float64 (or a strategy's GenomeBatch of n genomes).
            seeds: (K,) int64 episode seeds of this generation, shared by every genome.

        Returns:
            ``(fitness, env_steps)``: (n,) float64 fitness (higher is better, may contain NaN: the caller
            checks) and the number of environment steps simulated.
        """

    def warmup(self) -> None:
        """Compile what needs compiling (called once in the parent, before workers fork)."""
        self.evaluate(np.zeros((1, self.spec.n_params)), np.zeros(1, dtype=np.int64))


class KernelTask(Task):
    """A built-in game scored by its population kernel ``fn(spec, genomes, seeds, **env_kwargs)``.

    The kernel returns ``(fitness (n,), env_steps)``; see ``neuroevo.evaluation.registry``.
    """

    env_id: str

    def __init__(self, env_id: str, spec: NetworkSpec, kernel: str, env_kwargs: dict | None = None):
        self.env_id, self.spec, self.kernel = env_id, spec, kernel
        self.env_kwargs = dict(env_kwargs or {})
        module, _, name = kernel.partition(":")
        self._fn = getattr(importlib.import_module(module), name)

    def evaluate(self, genomes: Genomes, seeds: np.ndarray) -> tuple[np.ndarray, int]:
        # a GenomeBatch (NEAT) goes to the kernel as programs, unless its networks have nodes no kernel computes
        if not isinstance(genomes, np.ndarray) and not getattr(genomes, "kernel_ready", lambda: False)():
            if self.__dict__.get("_env_task") is None:
                from neuroevo.evaluation.env_task import EnvTask

                self._env_task = EnvTask(self.env_id, self.spec, self.env_kwargs)
            return self._env_task.evaluate(genomes, seeds)  # the env loop, same fitness
        fitness, steps = self._fn(self.spec, genomes, seeds, **self.env_kwargs)
        return np.asarray(fitness, dtype=np.float64), int(steps)

    def shared_kernel(self) -> tuple[Callable[..., int], Callable[[np.ndarray], np.ndarray]] | None:
        """``(shared_returns, fitness_of_returns)`` of the kernel's module where it defines both (its lanes
        claim items from a shared counter: :mod:`neuroevo.evaluation.shared_items`), else None."""
        module = importlib.import_module(self.kernel.partition(":")[0])
        shared, fitness = getattr(module, "shared_returns", None), getattr(module, "fitness_of_returns", None)
        return (shared, fitness) if shared is not None and fitness is not None else None


class FunctionTask(Task):
    """A user fitness function.

    Args:
        fn: ``fn(network) -> float`` (per network), or with ``batch=True``
            ``fn(genomes (n, n_params), seeds (K,)) -> (n,)`` for all genomes of a chunk at once (with NEAT,
            ``genomes`` is a :class:`~neuroevo.strategies.neat.NEATGenomes` and ``fn(network)`` gets a
            :class:`~neuroevo.strategies.neat.NEATNetwork`).
        spec: the network spec the genomes follow.
        batch: True for the batch form. :func:`neuroevo.batch_fitness` marks a function as batch.

    Errors raised by ``fn`` become :class:`~neuroevo.errors.FitnessError` naming the genome index.
    """

    def __init__(self, fn: Callable[..., Any], spec: NetworkSpec, batch: bool | None = None):
        self.fn, self.spec = fn, spec
        self.batch = bool(getattr(fn, "__neuroevo_batch__", False) if batch is None else batch)
        self.name = getattr(fn, "__qualname__", repr(fn))

    def evaluate(self, genomes: Genomes, seeds: np.ndarray) -> tuple[np.ndarray, int]:
        if self.batch:
            try:
                out = np.asarray(self.fn(genomes, seeds), dtype=np.float64)
            except NeuroevoError:
                raise
            except Exception as e:  # no single genome to blame: the message names the function
                raise FitnessError(f"batch fitness {self.name} raised {type(e).__name__}: {e}") from e
            except SystemExit as e:  # sys.exit() in user code is a failing fitness, not the end of the run
                raise FitnessError(f"batch fitness {self.name} called sys.exit({e.code!r})") from None
            if out.shape != (len(genomes),):
                raise FitnessError(f"batch fitness {self.name} returned shape {out.shape}, "
                                   f"expected ({len(genomes)},)")
            return out, 0
        out = np.empty(len(genomes))
        for i in range(len(genomes)):
            try:  # a GenomeBatch (NEAT) gives its own network facade
                out[i] = float(self.fn(Network(self.spec, genomes[i]) if isinstance(genomes, np.ndarray)
                                       else genomes.network(i)))
            except NeuroevoError:  # e.g. the serial --eval-timeout: not the user's bug
                raise
            except Exception as e:
                raise GenomeFitnessError(i, f"{self.name} raised {type(e).__name__}: {e}",
                                         traceback.format_exc()) from e
            except SystemExit as e:  # sys.exit() in user code is a failing fitness, not the end of the run
                raise GenomeFitnessError(i, f"{self.name} called sys.exit({e.code!r})",
                                         traceback.format_exc()) from None
        return out, 0

    def warmup(self) -> None:
        Network(self.spec, np.zeros(self.spec.n_params))(np.zeros(self.spec.n_inputs))


def batch_fitness(fn: _F) -> _F:
    """Decorator: mark ``fn(genomes (n, n_params), seeds (K,)) -> (n,)`` as a batch fitness function."""
    setattr(fn, "__neuroevo_batch__", True)  # read back with getattr by FunctionTask
    return fn
