"""The Strategy seam: ask/tell search over genomes, with the shared work done once here.

The template method of evosax's ``algorithms/base.py``: the public :meth:`Strategy.ask`,
:meth:`Strategy.tell`, :meth:`Strategy.state` and :meth:`Strategy.restore` do what every strategy needs
(shape and finiteness checks naming the genome, the best-ever genome, the generation counter, the
per-generation episode seeds, the checkpoint format); a subclass writes only its algorithm in ``_setup``,
``_ask``, ``_tell``, ``_state`` and ``_restore``. Fitness is **maximised**.

Randomness: no global state and no generator state to save. Everything random in generation ``g`` is drawn
from ``SeedSequence(seed, spawn_key=(g, purpose))`` (:func:`generation_rng`), one stream per purpose
(:data:`INIT`, :data:`TELL`, :data:`EPISODES`, :data:`ASK`); so a strategy restored at generation ``g``
continues exactly as the uninterrupted run.

State is arrays plus JSON, never pickle: ``state() -> (arrays, meta)`` with ``arrays`` a dict of NumPy
arrays (saved in an ``.npz``) and ``meta`` plain JSON data. Floats in JSON round-trip exactly.

Genomes: for every strategy of a fixed :class:`~neuroevo.network.NetworkSpec`, ``ask()`` returns a
``(P, n_params)`` float64 array. A strategy whose genomes are not flat vectors of one length (NEAT) returns
instead a :class:`GenomeBatch`: an object of arrays that has ``len()``, slices into the same type, can be
pickled and is scored by tasks through its compiled policy program; the strategy names its class in
``genome_type``. The base class then checks genomes through ``batch.check()`` and keeps the best genome
as a batch of one (checkpointed through ``to_arrays``/``from_arrays``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias, Union, runtime_checkable

import numpy as np

from neuroevo.errors import ConfigError, FitnessError

if TYPE_CHECKING:
    from neuroevo.networks.program import Program
    from neuroevo.networks.spec import NetworkSpec

#: Purposes of the random streams of a generation (GA's numbering, kept so its runs stay bit-identical).
INIT, TELL, EPISODES, ASK = 0, 1, 2, 3
#: Training episode seeds are drawn below this bound; evaluation seeds (neuroevo evaluate) above it.
TRAIN_SEED_BOUND = 2**31


def generation_rng(seed: int, generation: int, purpose: int) -> np.random.Generator:
    """The independent random stream of (seed, generation, purpose)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(generation, purpose)))


@runtime_checkable
class GenomeBatch(Protocol):
    """Genomes that are not one flat vector each (NEAT graphs): padded arrays behind a small interface.

    ``len(batch)`` is the number of genomes; ``batch[a:b]`` is a GenomeBatch of genomes a..b-1 (chunks for
    workers); ``batch.check()`` raises ValueError naming the first malformed genome; ``batch.network(i)``
    is a callable network facade (``(n_in,) or (B, n_in) -> outputs``) for user fitness functions and the
    env loop; ``batch.program()`` gives the arrays of the compiled policy program for the game kernels.
    """

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice) -> "GenomeBatch": ...

    def check(self) -> None: ...

    def network(self, i: int) -> NetworkFacade: ...

    def program(self) -> Program | tuple[np.ndarray, np.ndarray]: ...

    def copy(self) -> "GenomeBatch": ...

    def to_arrays(self) -> dict[str, np.ndarray]: ...


class GenomeBatchType(Protocol):
    """A GenomeBatch class: rebuilds a batch from :meth:`GenomeBatch.to_arrays` (checkpoints)."""

    def from_arrays(self, arrays: dict[str, np.ndarray]) -> GenomeBatch: ...


class NetworkFacade(Protocol):
    """What a user fitness and the env loop call: ``net(x)`` for ``(n_in,)`` or ``(B, n_in)`` float64 inputs
    gives the outputs; ``net.reset()`` clears its recurrent memory (an episode start)."""

    def __call__(self, x: Any) -> np.ndarray: ...

    def reset(self) -> None: ...


#: The genomes of a generation: (P, n_params) float64, or a GenomeBatch of P genomes.
Genomes: TypeAlias = Union[np.ndarray, GenomeBatch]


class Strategy(ABC):
    """Base class of the search strategies (ask/tell, maximising fitness).

    Args:
        spec: the network spec (genome length and layout).
        config: the strategy's config dataclass (``Config`` of the subclass); validated here.
        seed: run seed (>= 0).

    Attributes:
        name: the strategy's registry name (``--algorithm NAME``).
        section: its TOML section (``[ga]``...).
        generation: index of the generation that :meth:`ask` returns (0-based).
        best_genome, best_fitness: best genome ever evaluated and its fitness (hall of fame of one).

    Raises:
        ConfigError: on invalid hyper-parameters (one line naming the flag).
    """

    name: ClassVar[str] = ""
    section: ClassVar[str] = ""
    #: None: genomes are (P, n_params) float64 arrays of ``spec``. Else the GenomeBatch class of the genomes
    #: (with a ``from_arrays(dict)`` classmethod and a ``to_arrays() -> dict`` method, for checkpoints).
    genome_type: ClassVar[GenomeBatchType | None] = None
    #: The strategy's config dataclass (fields made with :func:`neuroevo.settings.setting`, a ``validate()``).
    Config: ClassVar[type]

    def __init__(self, spec: NetworkSpec, config: Any, seed: int = 0):
        if int(seed) < 0:
            raise ConfigError(f"--seed must be >= 0, got {seed}")
        config.validate()
        self.spec, self.config, self.seed = spec, config, int(seed)
        self.generation = 0
        self.best_fitness = -math.inf
        if self.genome_type is None:  # else _setup sets it (a GenomeBatch of one)
            self.best_genome: Genomes = np.zeros(spec.n_params)
        self._asked: Genomes | None = None
        self._setup(generation_rng(self.seed, 0, INIT))

    # ------------------------------------------------------------------ public: the shared work

    @property
    def population_size(self) -> int:
        """Genomes per generation (P)."""
        return int(self.config.population)

    def ask(self) -> Genomes:
        """(P, n_params) float64 genomes of the current generation (a copy; the same on every call).

        Raises:
            FitnessError: if the strategy produced a non-finite genome (a diverged step size), naming it.
        """
        if self._asked is None:
            self._asked = self._check_genomes(self._ask(generation_rng(self.seed, self.generation, ASK)))
        return self._asked.copy() if isinstance(self._asked, np.ndarray) else self._asked

    def episode_seeds(self, episodes: int) -> np.ndarray:
        """(episodes,) int64 episode seeds of the current generation, shared by every genome."""
        return generation_rng(self.seed, self.generation, EPISODES).integers(0, TRAIN_SEED_BOUND, episodes)

    def tell(self, fitness: np.ndarray) -> None:
        """Give the fitness of the genomes of :meth:`ask` and move to the next generation.

        Args:
            fitness: (P,) float, higher is better, all finite.

        Raises:
            FitnessError: on a wrong shape or a non-finite value (naming the genome).
        """
        genomes = self._asked if self._asked is not None else self.ask()
        f = np.asarray(fitness, dtype=np.float64)
        if f.shape != (len(genomes),):
            raise FitnessError(f"tell() needs {len(genomes)} fitness values, got shape {f.shape}")
        bad = np.flatnonzero(~np.isfinite(f))
        if bad.size:
            raise FitnessError(f"fitness of genome {bad[0]} is {f[bad[0]]} (must be finite)")
        best = int(np.argmax(f))
        if f[best] > self.best_fitness:
            self.best_fitness = float(f[best])
            self.best_genome = genomes[best].copy() if isinstance(genomes, np.ndarray) else genomes[best:best + 1]
        self._tell(genomes, f, generation_rng(self.seed, self.generation, TELL))
        self.generation += 1
        self._asked = None

    def state(self) -> tuple[dict, dict]:
        """``(arrays, meta)``: NumPy arrays and JSON data that restore the strategy exactly (:meth:`restore`).

        ``meta`` holds ``strategy`` (the name), ``generation``, ``best_fitness``, ``seed`` and
        ``strategy_state`` (the subclass's JSON); ``arrays`` holds ``best_genome`` and the subclass's arrays.
        """
        arrays, extra = self._state()
        if any(k.startswith("best_genome") for k in arrays):
            raise RuntimeError(f"{type(self).__name__}._state() must not use names starting with 'best_genome'")
        meta = {"strategy": self.name, "generation": self.generation, "best_fitness": self.best_fitness,
                "seed": self.seed, "strategy_state": extra}
        if isinstance(self.best_genome, np.ndarray):  # genome_type None
            best = {"best_genome": self.best_genome}
        else:  # a GenomeBatch of one genome: its arrays, prefixed
            best = {f"best_genome.{k}": v for k, v in self.best_genome.to_arrays().items()}
        return {**best, **arrays}, meta

    def restore(self, arrays: dict, meta: dict) -> None:
        """Restore from :meth:`state`.

        Raises:
            ValueError: if the state is of another strategy or does not fit the spec and config.
        """
        name = meta.get("strategy", "ga")  # checkpoints written before strategies existed are the GA's
        if name != self.name:
            raise ValueError(f"the checkpoint is of strategy {name!r}, not {self.name!r}")
        best: Genomes
        if self.genome_type is None:
            best = self._array(arrays, "best_genome", (self.spec.n_params,))
        else:
            best = self.genome_type.from_arrays({k.partition(".")[2]: v for k, v in arrays.items()
                                                 if k.startswith("best_genome.")})
        self._restore({k: v for k, v in arrays.items() if not k.startswith("best_genome")},
                      meta.get("strategy_state", {}))
        self.best_genome = best
        self.generation, self.best_fitness = int(meta["generation"]), float(meta["best_fitness"])
        self.seed = int(meta["seed"])
        self._asked = None

    # ------------------------------------------------------------------ helpers for subclasses

    def _check_genomes(self, genomes):
        if isinstance(genomes, GenomeBatch) and not isinstance(genomes, np.ndarray):
            genomes.check()
            return genomes
        g = np.asarray(genomes, dtype=np.float64)
        if g.shape != (self.population_size, self.spec.n_params):
            raise RuntimeError(f"{type(self).__name__}._ask() returned shape {g.shape}, expected "
                               f"({self.population_size}, {self.spec.n_params})")
        bad = np.flatnonzero(~np.isfinite(g).all(axis=1))
        if bad.size:
            raise FitnessError(f"{self.name}: genome {bad[0]} of generation {self.generation + 1} has a non-finite "
                               f"weight (the search diverged: try a smaller sigma or learning rate)")
        return g

    def _array(self, arrays: dict, key: str, shape: tuple) -> np.ndarray:
        """``arrays[key]`` as float64 of ``shape`` (a copy), else ValueError naming it."""
        a = np.asarray(arrays[key], dtype=np.float64)
        if a.shape != tuple(shape):
            raise ValueError(f"checkpoint {key} has shape {a.shape}, the config needs {tuple(shape)}")
        return a.copy()

    # ------------------------------------------------------------------ the algorithm (subclasses)

    @abstractmethod
    def _setup(self, rng: np.random.Generator) -> None:
        """Initialise the search state (generation 0); ``rng`` is the (seed, 0, INIT) stream."""

    @abstractmethod
    def _ask(self, rng: np.random.Generator) -> Genomes:
        """(P, n_params) genomes of this generation from the state; ``rng``: the (seed, generation, ASK) stream.
        Must not change the state (``ask`` may be replayed after a restore)."""

    @abstractmethod
    def _tell(self, genomes: Genomes, fitness: np.ndarray, rng: np.random.Generator) -> None:
        """Update the state from the asked ``genomes`` and their finite ``fitness`` (P,)."""

    @abstractmethod
    def _state(self) -> tuple[dict, dict]:
        """``(arrays, json)`` of the search state."""

    @abstractmethod
    def _restore(self, arrays: dict, state: dict) -> None:
        """Set the search state from :meth:`_state`'s output; ValueError if it does not fit."""
