"""Genetic operators: pure functions ``(arrays, rng) -> new arrays``, with registries by name.

- :data:`SELECTION`: ``fn(fitness (P,) float64, n, rng, **params) -> (n,) int64`` parent indices
  (higher fitness is better; unknown keyword parameters are ignored).
- :data:`CROSSOVER`: ``fn(parents_a, parents_b, spec, rng) -> (children_a, children_b)``, all (M, n_params).
- :data:`MUTATION`: ``fn(genomes, rate, scale, spec, rng) -> (M, n_params)``.

Randomness comes only from the ``rng`` (``np.random.Generator``) argument and inputs are never modified.
Registering a new operator is adding it to the dict; the contract tests in ``tests/operators`` then cover it.
"""

from __future__ import annotations

from typing import TypeVar

from neuroevo.errors import ConfigError
from neuroevo.operators.crossover import CROSSOVER, CrossoverFn
from neuroevo.operators.mutation import MUTATION, MutationFn
from neuroevo.operators.selection import SELECTION, SelectionFn

_Fn = TypeVar("_Fn")

__all__ = ["SELECTION", "CROSSOVER", "MUTATION", "get_selection", "get_crossover", "get_mutation"]


def _get(kind: str, registry: dict[str, _Fn], name: str) -> _Fn:
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown {kind} {name!r}; choose from {', '.join(registry)}") from None


def get_selection(name: str) -> SelectionFn:
    """The selection function registered as ``name``; raises ConfigError naming the choices otherwise."""
    return _get("selection", SELECTION, name)


def get_crossover(name: str) -> CrossoverFn:
    """The crossover function registered as ``name``; raises ConfigError naming the choices otherwise."""
    return _get("crossover", CROSSOVER, name)


def get_mutation(name: str) -> MutationFn:
    """The mutation function registered as ``name``; raises ConfigError naming the choices otherwise."""
    return _get("mutation", MUTATION, name)
