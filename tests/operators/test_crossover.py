"""Crossover: the contract every registered function must meet, then the unit each one keeps whole."""

import numpy as np
import pytest

from neuroevo.operators import CROSSOVER, get_crossover
from neuroevo.operators.crossover import layer, node, uniform
from tests.operators import naive_operators as naive

M = 64


def parents(spec, m=M, seed=0):
    """Two parent arrays that differ everywhere: a in [-1, 1), b in [9, 11)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (m, spec.n_params)), rng.uniform(9, 11, (m, spec.n_params))


def from_b(child_a, a, b):
    """(M, n_params) bool: which parameters of child_a came from b (asserting each came from a or b)."""
    assert np.all((child_a == a) | (child_a == b))
    return child_a == b


# ---- contract (every registered crossover) -------------------------------------------------------------

def test_shapes_dtypes_new_arrays(crossover_name, spec, rng):
    a, b = parents(spec)
    ca, cb = CROSSOVER[crossover_name](a, b, spec, rng)
    for c in (ca, cb):
        assert c.shape == a.shape and c.dtype == np.float64
        assert not np.shares_memory(c, a) and not np.shares_memory(c, b)


def test_parents_not_modified(crossover_name, spec, rng):
    a, b = parents(spec)
    a0, b0 = a.copy(), b.copy()
    ca, cb = CROSSOVER[crossover_name](a, b, spec, rng)
    ca[:], cb[:] = 0.0, 0.0  # writing to the children must not reach the parents either
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_children_are_complementary(crossover_name, spec, rng):
    """Each position of child_a comes from a or b at the same position, and child_b takes the other."""
    a, b = parents(spec)
    ca, cb = CROSSOVER[crossover_name](a, b, spec, rng)
    swapped = from_b(ca, a, b)
    np.testing.assert_array_equal(cb, np.where(swapped, a, b))


def test_same_seed_same_children(crossover_name, spec):
    a, b = parents(spec)
    fn = CROSSOVER[crossover_name]
    c1 = fn(a, b, spec, np.random.default_rng(3))
    c2 = fn(a, b, spec, np.random.default_rng(3))
    np.testing.assert_array_equal(c1[0], c2[0])
    np.testing.assert_array_equal(c1[1], c2[1])


def test_identical_parents_give_identical_children(crossover_name, spec, rng):
    a, _ = parents(spec)
    ca, cb = CROSSOVER[crossover_name](a, a.copy(), spec, rng)
    np.testing.assert_array_equal(ca, a)
    np.testing.assert_array_equal(cb, a)


def test_zero_pairs(crossover_name, spec, rng):
    a, b = parents(spec, m=0)
    ca, cb = CROSSOVER[crossover_name](a, b, spec, rng)
    assert ca.shape == cb.shape == (0, spec.n_params)


@pytest.mark.parametrize("shape_a, shape_b", [((4, 0), (3, 0)), ((4, 1), (4, 1)), ((0,), (0,)), ((4, 0), (4, 1))],
                         ids=["rows", "width", "1d", "one-wider"])
def test_bad_shapes_raise(crossover_name, spec, rng, shape_a, shape_b):
    """Shapes are given as offsets: (rows, extra columns) or (extra length,) for 1-D."""
    def make(shape):
        return np.zeros(shape[:-1] + (spec.n_params + shape[-1],))
    with pytest.raises(ValueError, match=f"parents must be two arrays of shape \\(M, {spec.n_params}\\)"):
        CROSSOVER[crossover_name](make(shape_a), make(shape_b), spec, rng)


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_naive(crossover_name, spec, seed):
    a, b = parents(spec, m=9, seed=seed)
    got = CROSSOVER[crossover_name](a, b, spec, np.random.default_rng(seed))
    want = naive.crossover(crossover_name, a, b, spec, np.random.default_rng(seed))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


# ---- the unit each crossover keeps whole ---------------------------------------------------------------

def neuron_blocks(spec):
    """[(layer, j, parameter indices of neuron j: column j of W_l and b_l[j])], from spec.unflatten."""
    index = np.arange(spec.n_params, dtype=np.float64)
    blocks = []
    for l, (w, bias) in enumerate(spec.unflatten(index)):
        for j in range(w.shape[1]):
            blocks.append((l, j, np.concatenate([w[:, j], [bias[j]]]).astype(np.int64)))
    return blocks


def test_node_crossover_keeps_each_neuron_whole(spec):
    a, b = parents(spec, m=500)
    ca, _ = node(a, b, spec, np.random.default_rng(4))
    swapped = from_b(ca, a, b)
    blocks = neuron_blocks(spec)
    assert sum(len(idx) for _, _, idx in blocks) == spec.n_params
    for l, j, idx in blocks:
        per_pair = swapped[:, idx]
        assert np.all(per_pair.all(axis=1) | ~per_pair.any(axis=1)), f"neuron {j} of layer {l} split"
        assert 0.4 < per_pair[:, 0].mean() < 0.6  # each neuron swapped about half the time


def test_layer_crossover_keeps_each_layer_whole(spec):
    a, b = parents(spec, m=500)
    ca, _ = layer(a, b, spec, np.random.default_rng(5))
    swapped = from_b(ca, a, b)
    off = spec.layer_offsets
    for l in range(len(spec.sizes) - 1):
        block = swapped[:, off[l]:off[l + 1]]
        assert np.all(block.all(axis=1) | ~block.any(axis=1)), f"layer {l} split"
        assert 0.4 < block[:, 0].mean() < 0.6


def test_multi_layer_crossovers_mix_layers():
    """With several layers, some children take one layer from each parent (the swaps are independent)."""
    from tests.operators.conftest import SPECS
    spec = SPECS[2]
    a, b = parents(spec, m=200)
    for fn in (layer, node):
        swapped = from_b(fn(a, b, spec, np.random.default_rng(6))[0], a, b)
        mixed = swapped.any(axis=1) & ~swapped.all(axis=1)
        assert mixed.mean() > 0.5, fn.__name__


def test_uniform_crossover_swaps_each_parameter_independently():
    from tests.operators.conftest import SPECS
    spec = SPECS[1]
    a, b = parents(spec, m=2000)
    swapped = from_b(uniform(a, b, spec, np.random.default_rng(7))[0], a, b)
    np.testing.assert_allclose(swapped.mean(axis=0), 0.5, atol=0.05)
    # independence: two parameters of the same neuron agree about half the time, not always
    col0 = [idx for l, j, idx in neuron_blocks(spec) if (l, j) == (0, 0)][0]
    agree = (swapped[:, col0[0]] == swapped[:, col0[1]]).mean()
    assert 0.4 < agree < 0.6


def test_get_crossover_returns_registered_function():
    assert get_crossover("node") is node
