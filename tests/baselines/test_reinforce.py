import numpy as np
import pytest

from neuroevo.baselines import reinforce
from neuroevo.baselines.autodiff import forward
from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec
from tests.baselines.naive_autodiff import numeric_gradient

TINY = dict(total_steps=800, eval_every=400, eval_episodes=2, hidden=[8])


def test_discounted_returns_match_the_definition():
    r = np.array([1.0, 0.0, 2.0, -1.0])
    gamma = 0.9
    expected = [sum(gamma ** k * r[t + k] for k in range(len(r) - t)) for t in range(len(r))]
    np.testing.assert_allclose(reinforce.discounted_returns(r, gamma), expected)


def test_normalise_gives_zero_mean_unit_std():
    x = reinforce.normalise(np.array([1.0, 2.0, 3.0, 10.0]))
    assert x.mean() == pytest.approx(0.0, abs=1e-12) and x.std() == pytest.approx(1.0)
    np.testing.assert_array_equal(reinforce.normalise(np.ones(3)), np.zeros(3))


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_softmax_policy_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    spec = NetworkSpec((3, 6, 4), ("tanh", "linear"))
    genome = spec.init_genomes(rng, 1)[0]
    obs, actions, adv = rng.normal(size=(9, 3)), rng.integers(0, 4, 9), rng.normal(size=9)

    def objective(g):  # -mean_t A_t log pi(a_t | s_t), one term at a time
        logp = _log_softmax(forward(spec, g, obs)[-1])
        return -np.mean([adv[t] * logp[t, actions[t]] for t in range(9)])

    grad, none = reinforce.policy_gradient(spec, genome, obs, actions, adv, discrete=True)
    assert none is None
    np.testing.assert_allclose(grad, numeric_gradient(objective, genome), rtol=1e-5, atol=1e-8)


def test_gaussian_policy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    spec = NetworkSpec((3, 5, 2), ("relu", "tanh"))
    genome = spec.init_genomes(rng, 1)[0]
    obs, adv = rng.normal(size=(7, 3)), rng.normal(size=7)
    samples = rng.normal(size=(7, 2))
    log_std = np.array([-0.3, 0.2])

    def objective(g, ls):
        mu = forward(spec, g, obs)[-1]
        logp = -0.5 * ((samples - mu) / np.exp(ls)) ** 2 - ls - 0.5 * np.log(2 * np.pi)
        return -np.mean(adv * logp.sum(axis=1))

    grad, grad_ls = reinforce.policy_gradient(spec, genome, obs, samples, adv, False, log_std)
    np.testing.assert_allclose(grad, numeric_gradient(lambda g: objective(g, log_std), genome),
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(grad_ls, numeric_gradient(lambda ls: objective(genome, ls), log_std),
                               rtol=1e-5, atol=1e-8)


def test_value_gradient_is_the_mse_gradient():
    rng = np.random.default_rng(2)
    spec = NetworkSpec((3, 4, 1), ("tanh", "linear"))
    genome = spec.init_genomes(rng, 1)[0]
    obs, targets = rng.normal(size=(5, 3)), rng.normal(size=5)
    v, grad = reinforce.value_gradient(spec, genome, obs, targets)
    f = lambda g: 0.5 * np.mean((forward(spec, g, obs)[-1][:, 0] - targets) ** 2)  # noqa: E731
    np.testing.assert_allclose(grad, numeric_gradient(f, genome), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("baseline", ["none", "value"])
def test_train_on_cartpole(baseline):
    result = reinforce.train("CartPole-v1", reinforce.ReinforceConfig(**TINY, baseline=baseline), seed=0)
    assert result.method == "reinforce" and result.spec.sizes == (4, 8, 2)
    assert 1 <= len(result.curve) <= 2 and result.env_steps <= 800
    assert np.all(np.diff(result.curve[:, 0]) > 0)
    assert "log_std" not in result.meta


def test_box_actions_keep_the_log_std_outside_the_genome():
    cfg = reinforce.ReinforceConfig(total_steps=600, eval_every=200, eval_episodes=1, hidden=[4])
    result = reinforce.train("Pendulum-v1", cfg, seed=0)
    assert result.spec.activations[-1] == "tanh" and result.spec.n_params == 3 * 4 + 4 + 4 + 1
    assert len(result.meta["log_std"]) == 1 and result.meta["log_std"][0] != cfg.log_std_init
    fixed = reinforce.train("Pendulum-v1", reinforce.ReinforceConfig(**{**cfg.__dict__, "learn_log_std": False}))
    assert fixed.meta["log_std"] == [cfg.log_std_init]


def test_one_seed_gives_one_result():
    a = reinforce.train("CartPole-v1", reinforce.ReinforceConfig(**TINY), seed=4)
    b = reinforce.train("CartPole-v1", reinforce.ReinforceConfig(**TINY), seed=4)
    np.testing.assert_array_equal(a.genome, b.genome)
    np.testing.assert_array_equal(a.curve[:, [0, 2, 3]], b.curve[:, [0, 2, 3]])


@pytest.mark.parametrize("bad", [{"baseline": "critic"}, {"gamma": -0.1}, {"episodes_per_update": 0}])
def test_bad_config_raises(bad):
    with pytest.raises(ConfigError):
        reinforce.ReinforceConfig(**bad).validate()
