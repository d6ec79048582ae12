"""Speciation and stagnation of NEAT (Stanley & Miikkulainen 2002, section 3.3; neat-python's ``species.py``
and ``stagnation.py``).

Each species keeps a representative; a new genome joins the species of the closest representative within
``compatibility_threshold`` or founds a new species. Each existing species first takes as its new
representative the new genome closest to its old one (neat-python's scheme). With ``target_num_species``
the threshold moves by ``threshold_adjust_rate`` toward that many species after each speciation.
Everything runs in a fixed order (species by id, genomes by index), so it is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from neuroevo.strategies.neat.config import NEATConfig
from neuroevo.strategies.neat.distance import distance_matrix
from neuroevo.strategies.neat.genome import Genome


@dataclass
class Species:
    """A species.

    Attributes:
        key: species id (1, 2, ... in order of creation).
        created: generation of creation; ``last_improved``: last generation its fitness rose.
        representative: the genome new genomes are compared with.
        members: indices of its genomes in the current population.
        fitness_history: its fitness (``species_fitness_func`` of its members) per evaluated generation.
    """

    key: int
    created: int
    last_improved: int
    representative: Genome | None = None
    members: list[int] = field(default_factory=list)
    fitness_history: list[float] = field(default_factory=list)


class SpeciesSet:
    """The species of a population. ``threshold`` starts at ``compatibility_threshold``."""

    def __init__(self, cfg: NEATConfig):
        self.cfg = cfg
        self.species: dict[int, Species] = {}
        self.next_key = 1
        self.threshold = float(cfg.species.compatibility_threshold)

    def speciate(self, population: list[Genome], generation: int) -> None:
        """Place ``population`` into species (``members`` become indices into it)."""
        unspeciated = list(range(len(population)))
        old = sorted(self.species)
        R, P = len(old), len(population)
        old_reps = cast("list[Genome]", [self.species[sid].representative for sid in old])  # set for every species
        D = distance_matrix(old_reps + population, range(R + P),
                            range(R, R + P), self.cfg)
        reps: dict[int, int] = {}
        for r, sid in enumerate(old):
            if not unspeciated:
                break
            best = min(unspeciated, key=lambda i: (D[r, i], i))
            reps[sid] = best
            unspeciated.remove(best)
        members = {sid: [i] for sid, i in reps.items()}
        for i in unspeciated:
            best_sid, best_d = None, math.inf
            for sid, r in reps.items():
                d = D[R + r, i]
                if d < self.threshold and d < best_d:
                    best_sid, best_d = sid, d
            if best_sid is None:
                best_sid = self.next_key
                self.next_key += 1
                reps[best_sid], members[best_sid] = i, []
            members[best_sid].append(i)
        new = {}
        for sid in sorted(reps):
            s = self.species.get(sid) or Species(sid, generation, generation)
            s.representative, s.members = population[reps[sid]], sorted(members[sid])
            new[sid] = s
        self.species = new
        self._adjust_threshold()

    def _adjust_threshold(self) -> None:
        target = self.cfg.target_species
        if target is None:
            return
        sc = self.cfg.species
        if len(self.species) > target:
            self.threshold += sc.threshold_adjust_rate
        elif len(self.species) < target:
            self.threshold -= sc.threshold_adjust_rate
        self.threshold = max(sc.threshold_min, min(sc.threshold_max, self.threshold))

    def sizes(self) -> dict[int, int]:
        return {sid: len(s.members) for sid, s in self.species.items()}


_STAT: dict[str, Callable[[list[float]], float]] = {"max": np.max, "min": np.min, "mean": np.mean,
         "median": lambda v: sorted(v)[len(v) // 2], "median2": np.median}


def stagnation(species: SpeciesSet, fitness: np.ndarray, generation: int) -> list[tuple[Species, bool]]:
    """Update each species' fitness history and say which are stagnant (neat-python's ``DefaultStagnation``).

    A species is stagnant when its fitness has not risen for ``max_stagnation`` generations, except that the
    ``species_elitism`` fittest species are never stagnant. Returns ``(species, stagnant)`` in ascending
    species fitness (ties: by id).
    """
    sc = species.cfg.stagnation
    func = _STAT[sc.species_fitness_func]
    data = []
    for sid in sorted(species.species):
        s = species.species[sid]
        prev = max(s.fitness_history) if s.fitness_history else -math.inf
        f = float(func([fitness[i] for i in s.members]))
        s.fitness_history.append(f)
        if f > prev:
            s.last_improved = generation
        data.append(s)
    data.sort(key=lambda s: s.fitness_history[-1])
    out, alive = [], len(data)
    for idx, s in enumerate(data):
        stagnant = False
        if alive > sc.species_elitism:
            stagnant = generation - s.last_improved >= sc.max_stagnation
        if len(data) - idx <= sc.species_elitism:
            stagnant = False
        alive -= stagnant
        out.append((s, stagnant))
    return out
