"""The genetic algorithm, usable alone through ask/tell (like evosax, EvoTorch and the ``cma`` package).

One generation: ``genomes = ga.ask()``, score them, ``ga.tell(fitness)``. ``tell`` keeps the ``elitism``
best genomes unchanged, selects parents, crosses pairs over with probability ``crossover_rate`` and
mutates every child (Holland 1975; the fixed-topology neuroevolution of Montana & Davis 1989 and Such et
al. 2017). Fitness is maximised.

Randomness: no global state. Generation ``g`` draws from ``SeedSequence(seed, spawn_key=(g, purpose))``,
so the random streams are a function of (seed, generation): a run restored from a checkpoint at generation
``g`` continues exactly as the uninterrupted run, with no generator state to save.
"""

from __future__ import annotations

import numpy as np

from neuroevo.config import GAConfig
from neuroevo.errors import FitnessError
from neuroevo.network import NetworkSpec
from neuroevo.operators import get_crossover, get_mutation, get_selection

_INIT, _BREED, _EPISODES = 0, 1, 2
#: Training episode seeds are drawn below this bound; evaluation seeds (neuroevo evaluate) above it.
TRAIN_SEED_BOUND = 2**31


def generation_rng(seed: int, generation: int, purpose: int) -> np.random.Generator:
    """The independent random stream of (seed, generation, purpose)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(generation, purpose)))


class GeneticAlgorithm:
    """Ask/tell genetic algorithm over flat genomes.

    Args:
        spec: the network spec (genome length and layout, used by layer/node crossover and reset mutation).
        config: population size and operators.
        seed: run seed (>= 0).

    Attributes:
        generation: index of the generation that ``ask`` returns (0-based).
        population: (P, n_params) float64 genomes of that generation.
        best_genome, best_fitness: best genome ever evaluated and its fitness (hall of fame of one).
    """

    def __init__(self, spec: NetworkSpec, config: GAConfig, seed: int = 0):
        config.validate()
        self.spec, self.config, self.seed = spec, config, int(seed)
        self._select = get_selection(config.selection)
        self._crossover = get_crossover(config.crossover)
        self._mutate = get_mutation(config.mutation)
        self.generation = 0
        self.population = spec.init_genomes(generation_rng(self.seed, 0, _INIT), config.population)
        self.best_genome = self.population[0].copy()
        self.best_fitness = -np.inf

    def ask(self) -> np.ndarray:
        """(P, n_params) float64 genomes to evaluate (a copy)."""
        return self.population.copy()

    def episode_seeds(self, episodes: int) -> np.ndarray:
        """(episodes,) int64 episode seeds of the current generation, shared by every genome."""
        return generation_rng(self.seed, self.generation, _EPISODES).integers(0, TRAIN_SEED_BOUND, episodes)

    def tell(self, fitness: np.ndarray) -> None:
        """Give the fitness of the genomes of :meth:`ask` and breed the next generation.

        Args:
            fitness: (P,) float, higher is better, all finite.

        Raises:
            FitnessError: on a wrong shape or a non-finite value (naming the genome).
        """
        f = np.asarray(fitness, dtype=np.float64)
        if f.shape != (self.config.population,):
            raise FitnessError(f"tell() needs {self.config.population} fitness values, got shape {f.shape}")
        bad = np.flatnonzero(~np.isfinite(f))
        if bad.size:
            raise FitnessError(f"fitness of genome {bad[0]} is {f[bad[0]]} (must be finite)")
        best = int(np.argmax(f))
        if f[best] > self.best_fitness:
            self.best_fitness, self.best_genome = float(f[best]), self.population[best].copy()
        self.population = self._breed(f, generation_rng(self.seed, self.generation, _BREED))
        self.generation += 1

    def _breed(self, f: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        c = self.config
        order = np.argsort(-f, kind="stable")
        elites = self.population[order[: c.elitism]]
        n_children = c.population - c.elitism
        n_pairs = (n_children + 1) // 2
        parents = self._select(f, 2 * n_pairs, rng, tournament_size=c.tournament_size,
                               truncation_fraction=c.truncation_fraction)
        a, b = self.population[parents[0::2]], self.population[parents[1::2]]
        ca, cb = self._crossover(a, b, self.spec, rng)
        keep = rng.random(n_pairs) >= c.crossover_rate
        ca[keep], cb[keep] = a[keep], b[keep]
        children = np.stack([ca, cb], axis=1).reshape(2 * n_pairs, -1)[:n_children]
        children = self._mutate(children, c.mutation_rate, c.mutation_scale, self.spec, rng)
        return np.concatenate([elites, children])

    def state(self) -> tuple[dict, dict]:
        """``(arrays, meta)``: everything needed to restore the GA (see :meth:`restore`)."""
        arrays = {"population": self.population, "best_genome": self.best_genome}
        return arrays, {"generation": self.generation, "best_fitness": self.best_fitness, "seed": self.seed}

    def restore(self, arrays: dict, meta: dict) -> None:
        """Restore from :meth:`state`. Raises ValueError if the arrays do not fit the spec and config."""
        pop = np.asarray(arrays["population"], dtype=np.float64)
        if pop.shape != (self.config.population, self.spec.n_params):
            raise ValueError(f"checkpoint population has shape {pop.shape}, the config needs "
                             f"({self.config.population}, {self.spec.n_params})")
        self.population = pop.copy()
        self.best_genome = np.asarray(arrays["best_genome"], dtype=np.float64).copy()
        self.generation, self.best_fitness = int(meta["generation"]), float(meta["best_fitness"])
        self.seed = int(meta["seed"])
