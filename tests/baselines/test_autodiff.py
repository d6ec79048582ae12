import numpy as np
import pytest

from neuroevo.baselines.autodiff import SGD, Adam, backward, forward, make_optimizer
from neuroevo.errors import ConfigError
from neuroevo.network import ACTIVATIONS, NetworkSpec
from neuroevo.network import forward as network_forward
from tests.baselines.naive_autodiff import adam_reference, network_loss, numeric_gradient


@pytest.mark.parametrize("hidden_act", list(ACTIVATIONS))
@pytest.mark.parametrize("out_act", ["linear", "tanh", "sigmoid"])
def test_backward_matches_finite_differences(hidden_act, out_act):
    rng = np.random.default_rng(0)
    spec = NetworkSpec((3, 5, 4, 2), (hidden_act, hidden_act, out_act))
    genome = spec.init_genomes(rng, 1)[0] + rng.normal(0, 0.1, spec.n_params)  # nonzero biases
    x = rng.normal(size=(7, 3))
    w_out = rng.normal(size=(7, 2))
    acts = forward(spec, genome, x)
    grad = backward(spec, genome, acts, w_out)
    expected = numeric_gradient(network_loss(spec, x, w_out), genome)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_forward_equals_the_jitted_network(act):
    rng = np.random.default_rng(1)
    spec = NetworkSpec((4, 6, 3), (act, "linear"))
    genome = rng.normal(size=spec.n_params)
    x = rng.normal(size=(10, 4)) * 3
    acts = forward(spec, genome, x)
    assert [a.shape for a in acts] == [(10, 4), (10, 6), (10, 3)]
    np.testing.assert_allclose(acts[-1], network_forward(spec, genome, x), rtol=1e-12, atol=1e-12)


def test_gradient_is_in_genome_layout():
    # one layer, linear: dL/dW[i, j] = sum_b x[b, i] * g[b, j], dL/db[j] = sum_b g[b, j]
    spec = NetworkSpec((2, 3), ("linear",))
    x = np.array([[1.0, 2.0]])
    g = np.array([[1.0, 10.0, 100.0]])
    grad = backward(spec, np.zeros(spec.n_params), forward(spec, np.zeros(spec.n_params), x), g)
    np.testing.assert_array_equal(grad, [1, 10, 100, 2, 20, 200, 1, 10, 100])


def test_adam_matches_the_paper_algorithm():
    rng = np.random.default_rng(2)
    params = rng.normal(size=5)
    grads = [rng.normal(size=5) for _ in range(4)]
    p = params.copy()
    opt = Adam(5, lr=0.01)
    for g in grads:
        opt.step(p, g)
    np.testing.assert_allclose(p, adam_reference(params, grads, 0.01), rtol=1e-12)


def test_sgd_momentum_accumulates_velocity():
    p = np.zeros(2)
    opt = SGD(2, lr=0.1, momentum=0.5)
    opt.step(p, np.array([1.0, -2.0]))
    opt.step(p, np.array([1.0, -2.0]))
    # v1 = g, v2 = 0.5 g + g = 1.5 g; p = -0.1 (g + 1.5 g)
    np.testing.assert_allclose(p, [-0.25, 0.5])


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_optimizers_minimise_a_quadratic(name):
    target = np.array([1.0, -2.0, 3.0])
    p = np.zeros(3)
    opt = make_optimizer(name, 3, lr=0.05)
    for _ in range(2000):
        opt.step(p, 2 * (p - target))
    np.testing.assert_allclose(p, target, atol=1e-3)


def test_gradient_clipping_limits_the_norm():
    p = np.zeros(2)
    SGD(2, lr=1.0, momentum=0.0, max_grad_norm=1.0).step(p, np.array([30.0, 40.0]))
    np.testing.assert_allclose(p, [-0.6, -0.8])


@pytest.mark.parametrize("kwargs", [{"name": "rmsprop"}, {"name": "adam", "lr": 0.0},
                                    {"name": "sgd", "momentum": 1.0}, {"name": "adam", "lr": np.nan}])
def test_bad_optimizer_settings_raise_config_error(kwargs):
    kwargs = {"lr": 0.1, **kwargs}
    with pytest.raises(ConfigError):
        make_optimizer(kwargs.pop("name"), 3, **kwargs)
