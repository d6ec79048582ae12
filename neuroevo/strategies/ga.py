"""The genetic algorithm (``--algorithm ga``, the default).

One generation: ``genomes = ga.ask()``, score them, ``ga.tell(fitness)``. ``tell`` keeps the ``elitism``
best genomes unchanged, selects parents, crosses pairs over with probability ``crossover_rate`` and
mutates every child (Holland 1975; the fixed-topology neuroevolution of Montana & Davis 1989 and Such et
al. 2017). Fitness is maximised. Random streams: see :mod:`neuroevo.strategies.base`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.operators import get_crossover, get_mutation, get_selection
from neuroevo.settings import positive, setting
from neuroevo.strategies.base import Strategy


@dataclass
class GAConfig:
    """The genetic algorithm: population size and operators."""

    population: int = setting(100, "genomes per generation")
    selection: str = setting("roulette", "parent selection: roulette, sus, tournament, rank, truncation")
    tournament_size: int = setting(3, "genomes per tournament (selection = tournament)")
    truncation_fraction: float = setting(0.2, "fraction of the best genomes that may be parents (truncation)")
    crossover: str = setting("layer", "crossover: layer, node, uniform, none")
    crossover_rate: float = setting(0.5, "probability that a pair of parents is crossed over")
    mutation: str = setting("uniform", "mutation: uniform, gaussian, sign_flip, reset")
    mutation_rate: float = setting(0.15, "probability that each weight is mutated")
    mutation_scale: float = setting(0.5, "mutation size (half-width for uniform, std for gaussian)")
    elitism: int = setting(2, "best genomes copied unchanged into the next generation")

    def validate(self) -> None:
        if self.population < 2:
            raise ConfigError(f"--population must be at least 2, got {self.population}")
        for key in ("crossover_rate", "mutation_rate"):
            v = getattr(self, key)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"--{key.replace('_', '-')} must be in [0, 1], got {v}")
        if not 0.0 < self.truncation_fraction <= 1.0:
            raise ConfigError(f"--truncation-fraction must be in (0, 1], got {self.truncation_fraction}")
        if self.mutation_scale < 0 or not math.isfinite(self.mutation_scale):
            raise ConfigError(f"--mutation-scale must be a finite number >= 0, got {self.mutation_scale}")
        positive(self, "tournament_size")
        if not 0 <= self.elitism < self.population:
            raise ConfigError(f"--elitism must be in [0, population), got {self.elitism}")
        get_selection(self.selection), get_crossover(self.crossover), get_mutation(self.mutation)


class GeneticAlgorithm(Strategy):
    """Ask/tell genetic algorithm over flat genomes.

    Args:
        spec: the network spec (genome length and layout, used by layer/node crossover and reset mutation).
        config: :class:`GAConfig` (population size and operators).
        seed: run seed (>= 0).

    Attributes:
        population: (P, n_params) float64 genomes of the current generation (what ``ask`` returns).
        (and those of :class:`~neuroevo.strategies.base.Strategy`)
    """

    name, section = "ga", "ga"
    Config = GAConfig

    def _setup(self, rng):
        c = self.config
        self._select = get_selection(c.selection)
        self._crossover = get_crossover(c.crossover)
        self._mutate = get_mutation(c.mutation)
        self.population = self.spec.init_genomes(rng, c.population)
        self.best_genome = self.population[0].copy()

    def _ask(self, rng):
        return self.population

    def _tell(self, genomes, f, rng):
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
        self.population = np.concatenate([elites, children])

    def _state(self):
        return {"population": self.population}, {}

    def _restore(self, arrays, state):
        self.population = self._array(arrays, "population", (self.config.population, self.spec.n_params))
