"""NEAT as an ask/tell strategy: ``ask()`` gives the generation's genomes compiled to arrays, ``tell(fitness)``
speciates, shares fitness and breeds the next generation (Stanley & Miikkulainen 2002; the loop of
neat-python's ``Population.run``: evaluate, reproduce, speciate).

Randomness: generation ``g`` breeds from ``SeedSequence(seed, spawn_key=(g, purpose))`` and the first
generation from ``(0, INIT)``, so a run restored from :meth:`NEAT.state` at generation ``g`` continues
exactly as the uninterrupted run (no generator state to save). Fitness is maximised.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from neuroevo.errors import CheckpointError, FitnessError
from neuroevo.strategies.neat.compile import NEATNetwork, NEATProgram, compile_genomes
from neuroevo.strategies.neat.config import NEATConfig
from neuroevo.strategies.neat.genome import Genome, initial_genome
from neuroevo.strategies.neat.innovations import InnovationTracker
from neuroevo.strategies.neat.reproduction import reproduce
from neuroevo.strategies.neat.serialize import arrays_to_genomes, genomes_to_arrays
from neuroevo.strategies.neat.speciation import Species, SpeciesSet

_INIT, _BREED, _EPISODES, _RESET = 0, 1, 2, 3
TRAIN_SEED_BOUND = 2**31


def generation_rng(seed: int, generation: int, purpose: int) -> np.random.Generator:
    """The independent random stream of (seed, generation, purpose)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(generation, purpose)))


class ExtinctionError(FitnessError):
    """Every species stagnated and ``reset_on_extinction`` is False (neat-python's CompleteExtinctionException)."""


class NEAT:
    """NEAT over a population of variable-topology genomes.

    Args:
        config: the NEAT parameters (``num_inputs`` / ``num_outputs`` must be set, or given here).
        seed: run seed (>= 0).
        n_in, n_out: network inputs and outputs when the config leaves them 0.

    Attributes:
        generation: index of the generation that :meth:`ask` returns (0-based).
        population: that generation's :class:`Genome` list (``pop_size`` long).
        species: its :class:`SpeciesSet`; ``species_history``: {species id: size} per generation.
        best_genome, best_fitness: the best genome ever evaluated and its fitness.
    """

    def __init__(self, config: NEATConfig, seed: int = 0, n_in: int = 0, n_out: int = 0):
        g = config.genome
        g.num_inputs = g.num_inputs or int(n_in)
        g.num_outputs = g.num_outputs or int(n_out)
        if g.num_inputs < 1 or g.num_outputs < 1:
            raise ValueError(f"NEAT needs num_inputs and num_outputs >= 1, got {g.num_inputs}, {g.num_outputs}")
        self.config, self.seed = config, int(seed)
        self.generation = 0
        self.tracker = InnovationTracker()
        self.species = SpeciesSet(config)
        self.next_key = 0
        self.population = self._new_population(generation_rng(self.seed, 0, _INIT))
        self.species.speciate(self.population, 0)
        self.species_history: list[dict[int, int]] = []
        self.best_genome: Genome | None = None
        self.best_fitness = -np.inf

    @property
    def n_in(self) -> int:
        return self.config.genome.num_inputs

    @property
    def n_out(self) -> int:
        return self.config.genome.num_outputs

    @property
    def recurrent(self) -> bool:
        return not self.config.genome.feed_forward

    def _new_population(self, rng: np.random.Generator) -> list[Genome]:
        pop = [initial_genome(self.next_key + i, self.config, rng, self.tracker)
               for i in range(self.config.neat.pop_size)]
        self.next_key += len(pop)
        return pop

    # ---- ask / tell
    def ask(self) -> NEATProgram:
        """The current generation compiled to arrays (see :func:`compile_genomes`)."""
        return compile_genomes(self.population, self.n_in, self.n_out, self.recurrent)

    def network(self, genome: Genome | None = None) -> NEATNetwork:
        """A callable network of ``genome`` (default: the best genome ever)."""
        genome = genome if genome is not None else (self.best_genome or self.population[0])
        return NEATNetwork(genome, self.n_in, self.n_out, self.recurrent)

    def episode_seeds(self, episodes: int) -> np.ndarray:
        """(episodes,) int64 episode seeds of the current generation, shared by every genome."""
        return generation_rng(self.seed, self.generation, _EPISODES).integers(0, TRAIN_SEED_BOUND, episodes)

    def tell(self, fitness: ArrayLike, rng: np.random.Generator | None = None) -> None:
        """Give the fitness of the genomes of :meth:`ask` and breed the next generation.

        Args:
            fitness: (pop_size,) float, higher is better, all finite.
            rng: the breeding stream (default: the (seed, generation, 1) stream, as the Strategy seam's TELL).

        Raises:
            FitnessError: on a wrong shape or a non-finite value (naming the genome).
            ExtinctionError: every species stagnated and ``reset_on_extinction`` is False.
        """
        f = np.asarray(fitness, dtype=np.float64)
        if f.shape != (len(self.population),):
            raise FitnessError(f"tell() needs {len(self.population)} fitness values, got shape {f.shape}")
        bad = np.flatnonzero(~np.isfinite(f))
        if bad.size:
            raise FitnessError(f"fitness of genome {bad[0]} is {f[bad[0]]} (must be finite)")
        for g, v in zip(self.population, f.tolist()):
            g.fitness = v
        best = int(np.argmax(f))
        if f[best] > self.best_fitness:
            self.best_fitness, self.best_genome = float(f[best]), self.population[best].copy()
        self.species_history.append(self.species.sizes())
        rng = rng if rng is not None else generation_rng(self.seed, self.generation, _BREED)
        offspring, self.next_key = reproduce(self.population, f, self.species, self.generation, self.config, rng,
                                             self.tracker, self.next_key)
        if not offspring:
            if not self.config.neat.reset_on_extinction:
                raise ExtinctionError(f"every species stagnated in generation {self.generation} (set "
                                      f"reset_on_extinction = True to start a new population)")
            offspring = self._new_population(generation_rng(self.seed, self.generation, _RESET))
        self.population = offspring
        self.species.speciate(self.population, self.generation)
        self.generation += 1

    # ---- state
    def state(self) -> tuple[dict, dict]:
        """``(arrays, meta)``: everything needed to restore the run (arrays for ``.npz``, meta JSON-able)."""
        arrays = genomes_to_arrays(self.population, "pop_")
        if self.best_genome is not None:
            arrays.update(genomes_to_arrays([self.best_genome], "best_"))
        species = [{"key": s.key, "created": s.created, "last_improved": s.last_improved, "members": s.members,
                    "representative": self.population.index(cast(Genome, s.representative)), "fitness_history":
                    s.fitness_history} for s in self.species.species.values()]
        meta = {"generation": self.generation, "seed": self.seed, "best_fitness": self.best_fitness,
                "next_key": self.next_key, "tracker": self.tracker.state(), "species": species,
                "next_species": self.species.next_key, "threshold": self.species.threshold,
                "species_history": [{str(k): v for k, v in h.items()} for h in self.species_history],
                "n_in": self.n_in, "n_out": self.n_out}
        return arrays, meta

    def restore(self, arrays: dict, meta: dict) -> None:
        """Restore from :meth:`state`. Raises CheckpointError if the state does not fit the config."""
        try:
            pop = arrays_to_genomes(arrays, "pop_")
            best = arrays_to_genomes(arrays, "best_") if "best_key" in arrays else []
            if len(pop) != self.config.neat.pop_size:
                raise ValueError(f"{len(pop)} genomes, the config says pop_size = {self.config.neat.pop_size}")
            if (meta["n_in"], meta["n_out"]) != (self.n_in, self.n_out):
                raise ValueError(f"networks of {meta['n_in']} inputs and {meta['n_out']} outputs, the task has "
                                 f"{self.n_in} and {self.n_out}")
            self.population = pop
            self.best_genome = best[0] if best else None
            self.generation, self.seed = int(meta["generation"]), int(meta["seed"])
            self.best_fitness, self.next_key = float(meta["best_fitness"]), int(meta["next_key"])
            self.tracker = InnovationTracker(**meta["tracker"])
            self.species = SpeciesSet(self.config)
            self.species.next_key, self.species.threshold = int(meta["next_species"]), float(meta["threshold"])
            for s in meta["species"]:
                sp = Species(int(s["key"]), int(s["created"]), int(s["last_improved"]),
                             pop[int(s["representative"])], [int(i) for i in s["members"]],
                             [float(v) for v in s["fitness_history"]])
                self.species.species[sp.key] = sp
            self.species_history = [{int(k): int(v) for k, v in h.items()} for h in meta["species_history"]]
        except (KeyError, ValueError, TypeError, IndexError) as e:
            raise CheckpointError(f"the NEAT state does not fit this run: {e}") from None
