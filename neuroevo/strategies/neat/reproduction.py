"""NEAT reproduction: explicit fitness sharing, offspring per species, elitism and breeding (Stanley &
Miikkulainen 2002, section 3.3; neat-python's ``reproduction.py``).

Fitness sharing: ``canonical`` gives each species its members' mean fitness (the sum of the shared fitnesses
``f_i / |S|``, the paper's eq. 2 with sh = 1 within the species), shifted up to be positive when a fitness is
negative; ``normalized`` (neat-python's default) maps the mean to ``(mean - min) / max(1, max - min)``.
Offspring are allotted in proportion (``proportional``), or halfway from the previous size toward it
(``smoothed``, neat-python), then adjusted so they sum to ``pop_size`` exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from neuroevo.strategies.neat.config import NEATConfig
from neuroevo.strategies.neat.genome import Genome, crossover, mutate
from neuroevo.strategies.neat.innovations import InnovationTracker
from neuroevo.strategies.neat.speciation import Species, SpeciesSet, stagnation


def spawn_smoothed(adjusted: Sequence[float], previous: Sequence[int], pop_size: int, min_size: int) -> list[int]:
    """neat-python's ``compute_spawn``: each species moves halfway toward its proportional share."""
    total = sum(adjusted)
    out = []
    for af, ps in zip(adjusted, previous):
        s = max(min_size, af / total * pop_size) if total > 0 else min_size
        d = (s - ps) * 0.5
        c = int(round(d))
        spawn = ps + c if abs(c) > 0 else ps + (1 if d > 0 else -1 if d < 0 else 0)
        out.append(spawn)
    norm = pop_size / sum(out)
    return [max(min_size, int(round(n * norm))) for n in out]


def spawn_proportional(adjusted: Sequence[float], pop_size: int, min_size: int) -> list[int]:
    """The paper's allotment: in proportion to the species' adjusted fitness, at least ``min_size``."""
    total = sum(adjusted)
    return [max(min_size, int(round(af / total * pop_size))) if total > 0 else min_size for af in adjusted]


def adjust_exact(spawn: list[int], pop_size: int, min_size: int) -> list[int]:
    """Make ``spawn`` sum to ``pop_size``: add to the smallest species first, take from the largest first,
    never below ``min_size`` (neat-python's ``_adjust_spawn_exact``). Raises ValueError if impossible."""
    spawn = list(spawn)
    if len(spawn) * min_size > pop_size:
        raise ValueError(f"pop_size {pop_size} is less than {len(spawn)} species x min_species_size {min_size}")
    diff = pop_size - sum(spawn)
    order = sorted(range(len(spawn)), key=lambda i: spawn[i], reverse=diff < 0)
    i = 0
    while diff != 0:
        j = order[i]
        if diff > 0:
            spawn[j] += 1
            diff -= 1
        elif spawn[j] > min_size:
            spawn[j] -= 1
            diff += 1
        i = (i + 1) % len(order)
    return spawn


def shared_fitness(remaining: list[Species], fitness: np.ndarray, mode: str) -> list[float]:
    """Adjusted fitness of each remaining species (see the module docstring)."""
    means = [float(np.mean([fitness[i] for i in s.members])) for s in remaining]
    if mode == "canonical":
        low = min(means)
        return [m - low + 1e-6 for m in means] if low < 0 else means
    allf = [fitness[i] for s in remaining for i in s.members]
    lo, rng = min(allf), max(1.0, max(allf) - min(allf))
    return [(m - lo) / rng for m in means]


def reproduce(population: list[Genome], fitness: np.ndarray, species: SpeciesSet, generation: int,
              cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker,
              next_key: int) -> tuple[list[Genome], int]:
    """The next generation.

    Args:
        population: the evaluated genomes (their ``fitness`` set); fitness: (P,) float64 of them.
        species: their species (members are indices into ``population``); stagnant species are removed.
        next_key: the id of the first new genome.

    Returns:
        ``(offspring, next_key)``: the new genomes (elites first in each species; unspeciated) and the next
        free id. ``offspring`` is empty when every species was stagnant (extinction).
    """
    tracker.new_generation()
    r = cfg.reproduction
    remaining = [s for s, stagnant in stagnation(species, fitness, generation) if not stagnant]
    if not remaining:
        species.species = {}
        return [], next_key
    adjusted = shared_fitness(remaining, fitness, r.fitness_sharing)
    min_size = max(r.min_species_size, r.elitism)
    pop_size = cfg.neat.pop_size
    if r.spawn_method == "proportional":
        spawn = spawn_proportional(adjusted, pop_size, min_size)
    else:
        spawn = spawn_smoothed(adjusted, [len(s.members) for s in remaining], pop_size, min_size)
    spawn = adjust_exact(spawn, pop_size, min_size)
    ranked = {s.key: sorted(s.members, key=lambda i: (fitness[i], population[i].key), reverse=True)
              for s in remaining}
    offspring: list[Genome] = []
    for n, s in zip(spawn, remaining):
        n = max(n, r.elitism)
        members = ranked[s.key]
        for i in members[: r.elitism]:
            offspring.append(population[i])
            n -= 1
        parents = members[: max(int(math.ceil(r.survival_threshold * len(members))), 2)]
        others = [sp.key for sp in remaining if sp.key != s.key]
        for _ in range(max(n, 0)):
            p1 = population[parents[int(rng.integers(len(parents)))]]
            if others and r.interspecies_crossover_prob > 0 and rng.random() < r.interspecies_crossover_prob:
                pool = ranked[others[int(rng.integers(len(others)))]]
                p2 = population[pool[int(rng.integers(len(pool)))]]
            else:
                p2 = population[parents[int(rng.integers(len(parents)))]]
            if r.crossover_prob >= 1.0 or rng.random() < r.crossover_prob:
                child = crossover(p1, p2, next_key, rng)
            else:
                child = p1.copy(next_key)
            child.fitness = None
            mutate(child, cfg, rng, tracker)
            offspring.append(child)
            next_key += 1
    species.species = {s.key: s for s in remaining}
    return offspring, next_key
