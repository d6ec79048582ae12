import numpy as np
import pytest

from neuroevo.errors import ConfigError
from neuroevo.network import ACTIVATIONS, Network, NetworkSpec, forward
from tests import naive


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_forward_matches_naive_for_every_activation(act):
    spec = NetworkSpec((3, 5, 4, 2), (act, act, "linear"))
    rng = np.random.default_rng(1)
    genomes = rng.normal(0, 2, (7, spec.n_params))
    obs = rng.normal(0, 3, (7, 3))
    got = forward(spec, genomes, obs)
    want = np.stack([naive.forward(spec.sizes, spec.activations, g, o) for g, o in zip(genomes, obs)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_tanh_saturates_and_handles_extremes():
    spec = NetworkSpec((1, 1), ("tanh",))
    net = Network(spec, np.array([1.0, 0.0]))
    x = np.array([[-1e308], [-800.0], [-1e-300], [0.0], [1e-12], [800.0], [1e308]])
    np.testing.assert_allclose(net(x)[:, 0], np.tanh(x[:, 0]), rtol=0, atol=4e-16)


def test_network_single_and_batch_agree():
    spec = NetworkSpec.build(4, (8,), 2)
    g = spec.init_genomes(np.random.default_rng(0), 1)[0]
    net = Network(spec, g)
    x = np.random.default_rng(2).normal(size=(5, 4))
    assert net(x[0]).shape == (2,)
    np.testing.assert_array_equal(np.stack([net(r) for r in x]), net(x))


def test_layout_sizes_and_ids():
    spec = NetworkSpec((2, 3, 1), ("tanh", "linear"))
    assert spec.n_params == 2 * 3 + 3 + 3 * 1 + 1
    assert list(spec.layer_offsets) == [0, 9, 13]
    # W1 is (2, 3) row-major: parameters 0..5 feed neurons 0,1,2,0,1,2; biases 6..8 feed 0,1,2
    assert list(spec.node_ids[:9]) == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert list(spec.node_ids[9:]) == [3, 3, 3, 3]
    assert list(spec.layer_ids) == [0] * 9 + [1] * 4
    layers = spec.unflatten(np.arange(spec.n_params, dtype=float))
    assert layers[0][0].shape == (2, 3) and layers[0][0][1, 0] == 3.0 and layers[1][1][0] == 12.0


def test_init_genomes_limits():
    spec = NetworkSpec((4, 16, 2), ("relu", "tanh"))
    g = spec.init_genomes(np.random.default_rng(0), 200)
    assert g.shape == (200, spec.n_params) and g.dtype == np.float64
    assert np.all(np.abs(g) <= spec.init_limits)
    assert np.isclose(spec.init_limits[0], np.sqrt(6 / 4))  # He uniform for the relu layer
    assert np.isclose(spec.init_limits[spec.layer_offsets[1]], np.sqrt(6 / 18))  # Glorot for tanh
    assert np.all(g[:, 64:80] == 0)  # biases start at zero


@pytest.mark.parametrize("sizes,acts,match", [
    ((4,), (), "two or more"), ((4, 0, 2), ("tanh", "tanh"), "two or more"),
    ((4, 2), ("tanh", "tanh"), "1 layers but 2"), ((4, 2), ("swish",), "unknown activation"),
])
def test_bad_specs(sizes, acts, match):
    with pytest.raises(ConfigError, match=match):
        NetworkSpec(sizes, acts)


def test_bad_shapes():
    spec = NetworkSpec.build(3, (), 1)
    with pytest.raises(ValueError, match="genomes must have shape"):
        forward(spec, np.zeros((2, 7)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="observations must have shape"):
        forward(spec, np.zeros((1, 4)), np.zeros((2, 5)))


def test_lanes_forward_gives_the_same_bits_as_the_single_forward():
    from neuroevo.network import LANES, forward_into, forward_lanes

    spec = NetworkSpec((3, 7, 5, 2), ("tanh", "sigmoid", "softsign"))
    rng = np.random.default_rng(4)
    genomes = rng.normal(0, 2, (LANES, spec.n_params))
    x = rng.normal(0, 3, (3, LANES))
    out = forward_lanes(np.ascontiguousarray(genomes.T), *spec.kernel_args, x, np.zeros((7, LANES)),
                        np.zeros((7, LANES)))
    buf = np.zeros((2, 7))
    for lane in range(LANES):
        np.testing.assert_array_equal(out[:, lane], forward_into(genomes[lane], *spec.kernel_args, x[:, lane], buf))


def test_exp_within_one_ulp_of_numpy():
    from neuroevo.network import exp
    import numba

    vec = numba.njit(lambda a: np.array([exp(v) for v in a]))
    y = np.concatenate([np.linspace(-708, 708, 20001), [0.0, -0.0, 1e-300, -1e-12, 40.0]])
    ref = np.exp(y)
    assert (np.abs(vec(y) - ref) / np.spacing(ref)).max() <= 1.0


def test_fma_rounds_once_and_promotes_mixed_precision():
    import numba

    from neuroevo.networks.simd import fma

    @numba.njit
    def f(a, b, c):
        return fma(a, b, c)

    @numba.njit
    def mixed(a, b, c):
        return fma(np.float32(a), np.float32(b), c)

    a = 1.0 + 2.0**-30
    assert f(a, a, -1.0) == 2.0**-29 + 2.0**-60  # a*a - 1 exactly; a*a rounded first would lose 2**-60
    assert a * a - 1.0 != 2.0**-29 + 2.0**-60
    assert mixed(1.5, 2.0, 0.25) == 3.25


def test_lane_block_narrowing_helpers():
    from neuroevo.networks.program import live_first, narrow_block, narrow_row, tail_width

    assert [tail_width(a, 32) for a in (32, 17, 16, 9, 8, 1, 0)] == [32, 32, 16, 16, 8, 8, 8]
    items = np.array([-1, 5, -1, 7, 9, -1, -1, -1])
    order = live_first(items, 4)
    assert order.tolist() == [1, 3, 4, -1]
    block = np.arange(16.0).reshape(2, 8)
    np.testing.assert_array_equal(narrow_block(block, order), [[1, 3, 4, 0], [9, 11, 12, 0]])
    assert narrow_row(items, order, -1).tolist() == [5, 7, 9, -1]
