"""CoSyNE (``--algorithm cosyne``): Cooperative Synapse Neuroevolution, F. Gomez, J. Schmidhuber &
R. Miikkulainen, "Accelerated Neural Evolution through Cooperatively Coevolved Synapses", JMLR 9:937-965, 2008.

The population is n sub-populations of m weights, one per weight of the network (here: the columns of an
(m, n) array); network j is row j. Each generation (the paper's Algorithm 1):

1. the m networks are evaluated;
2. the top quarter of the networks is recombined: each parent is crossed over (one-point) with a
   higher-ranking parent chosen at random (the best with any other parent), giving two offspring per parent,
   and each offspring weight is mutated with probability ``mutation_rate`` by Cauchy noise of scale
   ``mutation_scale`` (the recombination of ESP that CoSyNE inherits, Gomez & Miikkulainen 1999);
3. in every sub-population the offspring replace the weights of the least fit networks;
4. in every sub-population, each weight of an evaluated network j is marked for permutation with the
   paper's fitness-dependent probability ``P(x_ij) = 1 - ((f_j - f_min) / (f_max - f_min)) ** (1 / n)``
   (the best network is never broken up, the worst always), and the marked weights are permuted among
   themselves, so the weights form new networks with new partners. (``permute = "all"``: the paper's
   simpler variant, every weight but the offspring's permuted.)

Fitness is maximised. If every network has the same fitness, every weight is marked. Defaults: 40
networks, mutation probability 0.3 and Cauchy scale 0.3 (ESP's Cauchy mutation, which CoSyNE keeps; the
paper's per-task tables could not be consulted here, so these are not claimed to be its values: tune
``--mutation-rate``/``--mutation-scale``). EvoTorch's ``Cosyne`` is not the paper's Algorithm 1 (it merges
elites, tournament-selected SBX or one-point children with Gaussian mutation and a permuted copy, and keeps
the best: a (mu + lambda) scheme), so it is not used as the reference. On the non-Markovian double pole
(``neuroevo bench``) ``permute = "all"`` solved 7-8 of 8 runs where the fitness-dependent marking solved
2 of 8 (same network and mutation), which is why the benchmark's settings use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.settings import finite_positive, in_range, setting
from neuroevo.strategies.base import Strategy


@dataclass
class CoSyNEConfig:
    """CoSyNE: sub-population size, mutation and permutation."""

    population: int = setting(40, "networks per generation (m, the size of every weight's sub-population)")
    mutation_rate: float = setting(0.3, "probability that each offspring weight is mutated")
    mutation_scale: float = setting(0.3, "scale of the Cauchy mutation noise")
    permute: str = setting("fitness", "which weights are permuted: fitness (the paper's probability) or all")

    def validate(self) -> None:
        if self.population < 4:
            raise ConfigError(f"--population must be at least 4 for cosyne (its top quarter recombines), got "
                              f"{self.population}")
        in_range(self, "mutation_rate", 0, 1)
        finite_positive(self, "mutation_scale", allow_zero=True)
        if self.permute not in ("fitness", "all"):
            raise ConfigError(f"--permute must be fitness or all, got {self.permute!r}")


def one_point_offspring(parents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(2q, n) offspring of the (q, n) ``parents`` (best first): parent k mates a random higher-ranking one
    (parent 0 any other), one-point crossover at a random cut in [1, n-1] (n = 1: the genes swap whole)."""
    q, n = parents.shape
    mates = np.array([rng.integers(0, k) if k else rng.integers(1, q) for k in range(q)])
    cuts = np.asarray(rng.integers(1, n, q)) if n > 1 else np.zeros(q, dtype=np.int64)
    left = np.arange(n)[None, :] < cuts[:, None]
    a, b = parents, parents[mates]
    return np.concatenate([np.where(left, a, b), np.where(left, b, a)])


def permutation_marks(f: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """(m, n) bool: weight i of network j is marked with probability 1 - ((f_j - f_min)/(f_max - f_min))^(1/n)."""
    span = f.max() - f.min()
    if span <= 0:
        return np.ones((len(f), n), dtype=bool)
    p = 1.0 - ((f - f.min()) / span) ** (1.0 / n)
    return rng.random((len(f), n)) < p[:, None]


def permute_marked(x: np.ndarray, marks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` with, in every column, the marked entries randomly permuted among themselves."""
    m = len(x)
    j = np.arange(m)[:, None]
    targets = np.argsort(np.where(marks, j, m + j), axis=0, kind="stable")  # marked rows in order, then the rest
    sources = np.argsort(np.where(marks, rng.random(marks.shape), 2.0 + j), axis=0, kind="stable")  # shuffled
    cols = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    out = np.empty_like(x)
    out[targets, cols] = x[sources, cols]
    return out


class CoSyNE(Strategy):
    """CoSyNE over flat genomes (fitness maximised).

    Attributes:
        population: (m, n) float64: row j is network j, column i the sub-population of weight i.

    Raises:
        ConfigError: population < 4, mutation rate outside [0, 1], negative mutation scale.
    """

    name, section = "cosyne", "cosyne"
    Config = CoSyNEConfig

    def _setup(self, rng):
        self.population = self.spec.init_genomes(rng, self.config.population)
        self.best_genome = self.population[0].copy()

    def _ask(self, rng):
        return self.population

    def _tell(self, genomes, f, rng):
        c = self.config
        m, n = self.population.shape
        order = np.argsort(-f, kind="stable")
        ranked, fr = self.population[order], f[order]
        q = max(1, m // 4)
        offspring = one_point_offspring(ranked[:q], rng)[: m - q]
        mutate = rng.random(offspring.shape) < c.mutation_rate
        offspring = offspring + mutate * c.mutation_scale * rng.standard_cauchy(offspring.shape)
        kept = m - len(offspring)  # the evaluated networks that stay, best first
        if c.permute == "all":
            marks = np.ones((kept, n), dtype=bool)
        else:
            marks = permutation_marks(fr[:kept], n, rng)
        self.population = np.concatenate([permute_marked(ranked[:kept], marks, rng), offspring])

    def _state(self):
        return {"population": self.population}, {}

    def _restore(self, arrays, state):
        self.population = self._array(arrays, "population", (self.config.population, self.spec.n_params))
