"""Crossover: recombine pairs of parent genomes into pairs of children.

Every function has the signature ``fn(parents_a, parents_b, spec, rng) -> (children_a, children_b)`` with
``parents_a``, ``parents_b`` and both children of shape (M, n_params) float64; the children are new arrays
and the parents are never modified. For each pair, each *unit* (a layer, a neuron or a parameter) is swapped
with probability 0.5: ``children_a`` then takes that unit from ``parents_b`` and ``children_b`` from
``parents_a``; otherwise each child keeps its own parent's unit. Children of a pair are thus complementary.
The crossover *rate* (whether a pair is crossed at all) is applied by the GA, not here.

Units follow the genome layout of :mod:`neuroevo.network` (``W_l`` (n_in, n_out) row-major, then ``b_l``):
a layer is the block ``[W_l, b_l]``; a neuron ``j`` of layer ``l`` is column ``j`` of ``W_l`` and ``b_l[j]``
(its incoming weights and bias). Layer/neuron crossover of fixed-topology networks follows Montana & Davis
(1989), "Training feedforward neural networks using genetic algorithms"; uniform crossover Syswerda (1989).

Errors (all functions): ``ValueError`` if the parents are not two 2-D arrays of the same shape (M, n_params)
with ``n_params == spec.n_params``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from neuroevo.network import NetworkSpec


def _check(parents_a: ArrayLike, parents_b: ArrayLike, spec: NetworkSpec) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(parents_a, dtype=np.float64)
    b = np.asarray(parents_b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape or a.shape[1] != spec.n_params:
        raise ValueError(f"parents must be two arrays of shape (M, {spec.n_params}), "
                         f"got {np.shape(parents_a)} and {np.shape(parents_b)}")
    return a, b


def _swap(a: np.ndarray, b: np.ndarray, swap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children: ``b`` where ``swap`` (M, n_params) bool is True for child a, the complement for child b."""
    return np.where(swap, b, a), np.where(swap, a, b)


def _swap_units(a: np.ndarray, b: np.ndarray, unit_ids: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Swap whole units: ``unit_ids`` (n_params,) int64 gives each parameter's unit, 0..n_units-1."""
    coin = rng.random((a.shape[0], int(unit_ids.max()) + 1)) < 0.5
    return _swap(a, b, coin[:, unit_ids])


def layer(parents_a: ArrayLike, parents_b: ArrayLike, spec: NetworkSpec,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Layer crossover: each layer block ``[W_l, b_l]`` is swapped between the two children with p = 0.5.

    Args:
        parents_a, parents_b: (M, n_params) float64, pair ``i`` is ``(parents_a[i], parents_b[i])``.
        spec: the network spec (genome layout, :attr:`NetworkSpec.layer_ids`).
        rng: the random generator (draws (M, L) uniforms).

    Returns:
        ``(children_a, children_b)``, each (M, n_params) float64, new arrays.

    Raises:
        ValueError: on mismatched shapes.
    """
    a, b = _check(parents_a, parents_b, spec)
    return _swap_units(a, b, spec.layer_ids, rng)


def node(parents_a: ArrayLike, parents_b: ArrayLike, spec: NetworkSpec,
         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Node (neuron) crossover: each neuron's incoming weights and bias are swapped together with p = 0.5.

    Neuron ``j`` of layer ``l`` is column ``j`` of ``W_l`` plus ``b_l[j]`` (:attr:`NetworkSpec.node_ids`);
    every neuron of a child therefore comes whole from one parent (Montana & Davis 1989).

    Args:
        parents_a, parents_b: (M, n_params) float64, pair ``i`` is ``(parents_a[i], parents_b[i])``.
        spec: the network spec.
        rng: the random generator (draws (M, n_neurons) uniforms, n_neurons = sum(sizes[1:])).

    Returns:
        ``(children_a, children_b)``, each (M, n_params) float64, new arrays.

    Raises:
        ValueError: on mismatched shapes.
    """
    a, b = _check(parents_a, parents_b, spec)
    return _swap_units(a, b, spec.node_ids, rng)


def uniform(parents_a: ArrayLike, parents_b: ArrayLike, spec: NetworkSpec,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform crossover (Syswerda 1989): each parameter is swapped independently with p = 0.5.

    Args:
        parents_a, parents_b: (M, n_params) float64, pair ``i`` is ``(parents_a[i], parents_b[i])``.
        spec: the network spec (only its ``n_params`` is used).
        rng: the random generator (draws (M, n_params) uniforms).

    Returns:
        ``(children_a, children_b)``, each (M, n_params) float64, new arrays.

    Raises:
        ValueError: on mismatched shapes.
    """
    a, b = _check(parents_a, parents_b, spec)
    return _swap(a, b, rng.random(a.shape) < 0.5)


def none(parents_a: ArrayLike, parents_b: ArrayLike, spec: NetworkSpec,
         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """No crossover: the children are copies of their parents (mutation-only GA, as in Such et al. 2017).

    Args:
        parents_a, parents_b: (M, n_params) float64.
        spec: the network spec (shape check only).
        rng: unused (nothing is drawn).

    Returns:
        ``(copy of parents_a, copy of parents_b)``, each (M, n_params) float64.

    Raises:
        ValueError: on mismatched shapes.
    """
    a, b = _check(parents_a, parents_b, spec)
    return a.copy(), b.copy()


#: Crossover functions by name.
#: ``fn(parents_a, parents_b (M, n_params), spec, rng) -> (children_a, children_b)``.
CrossoverFn = Callable[[ArrayLike, ArrayLike, NetworkSpec, np.random.Generator], tuple[np.ndarray, np.ndarray]]
CROSSOVER: dict[str, CrossoverFn] = {"layer": layer, "node": node, "uniform": uniform, "none": none}
