import numpy as np
import pytest

from neuroevo.agent import load_agent
from neuroevo.baselines import dqn
from neuroevo.baselines.autodiff import forward
from neuroevo.errors import ConfigError, TaskError
from neuroevo.network import NetworkSpec
from tests.baselines.naive_autodiff import huber, numeric_gradient

SPEC = NetworkSpec((4, 8, 2), ("relu", "linear"))
TINY = dict(total_steps=600, learning_starts=100, train_frequency=50, gradient_steps=5, eval_every=300,
            eval_episodes=2, hidden=[8])


def _batch(rng, n=16):
    return (rng.normal(size=(n, 4)), rng.integers(0, 2, n), rng.normal(size=n), rng.normal(size=(n, 4)),
            (rng.random(n) < 0.3).astype(float))


def _naive_loss(spec, online, target, batch, config):
    """Per-transition loop: Huber(Q(s, a) - (r + gamma (1 - done) Q_target(s', a*)))."""
    obs, actions, rewards, next_obs, done = batch
    total = 0.0
    for i in range(len(actions)):
        q_next_t = forward(spec, target, next_obs[i: i + 1])[-1][0]
        pick = forward(spec, online if config.double_dqn else target, next_obs[i: i + 1])[-1][0]
        y = rewards[i] + config.gamma * (1 - done[i]) * q_next_t[int(np.argmax(pick))]
        total += huber(forward(spec, online, obs[i: i + 1])[-1][0, actions[i]] - y, config.huber_delta)
    return total / len(actions)


@pytest.mark.parametrize("double", [False, True])
def test_td_loss_and_gradient_match_the_naive_version(double):
    rng = np.random.default_rng(0)
    online, target = SPEC.init_genomes(rng, 2)
    batch = _batch(rng)
    cfg = dqn.DQNConfig(double_dqn=double, huber_delta=0.5)
    loss, grad = dqn.td_gradient(SPEC, online, target, batch, cfg)
    assert loss == pytest.approx(_naive_loss(SPEC, online, target, batch, cfg), rel=1e-12)
    expected = numeric_gradient(lambda g: dqn.td_gradient(SPEC, g, target, batch, cfg)[0], online)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8)


def test_double_dqn_changes_the_target():
    rng = np.random.default_rng(1)
    online, target = SPEC.init_genomes(rng, 2)
    batch = _batch(rng, 64)
    plain = dqn.td_gradient(SPEC, online, target, batch, dqn.DQNConfig(double_dqn=False))[0]
    double = dqn.td_gradient(SPEC, online, target, batch, dqn.DQNConfig(double_dqn=True))[0]
    assert plain != double


def test_epsilon_decays_linearly_then_stays():
    cfg = dqn.DQNConfig(total_steps=1000, exploration_steps=500, start_epsilon=1.0, final_epsilon=0.1)
    assert dqn.epsilon_at(0, cfg) == 1.0
    assert dqn.epsilon_at(250, cfg) == pytest.approx(0.55)
    assert dqn.epsilon_at(500, cfg) == pytest.approx(0.1)
    assert dqn.epsilon_at(900, cfg) == pytest.approx(0.1)


def test_replay_buffer_overwrites_the_oldest():
    buf = dqn.ReplayBuffer(3, 2)
    for i in range(5):
        buf.add([i, i], i, float(i), [i + 1, i + 1], 0.0)
    assert buf.size == 3
    assert sorted(buf.actions.tolist()) == [2, 3, 4]
    obs, actions, rewards, next_obs, _ = buf.sample(np.random.default_rng(0), 50)
    assert set(actions.tolist()) <= {2, 3, 4}
    np.testing.assert_array_equal(obs[:, 0], actions)
    np.testing.assert_array_equal(next_obs[:, 0], actions + 1)


def test_train_on_cartpole_gives_a_saveable_genome(tmp_path):
    result = dqn.train("CartPole-v1", dqn.DQNConfig(**TINY), seed=3)
    assert result.method == "dqn" and result.env_id == "CartPole-v1"
    assert result.genome.shape == (result.spec.n_params,) and result.spec.sizes == (4, 8, 2)
    assert result.curve.shape == (2, 4) and result.columns[:3] == ("env_steps", "seconds", "eval_return")
    np.testing.assert_array_equal(result.curve[:, 0], [300, 600])
    assert result.env_steps == 600
    assert result.best_eval == result.curve[:, 2].max()
    agent = load_agent(result.agent().save(tmp_path / "best.npz"))
    np.testing.assert_array_equal(agent.genome, result.genome)
    assert agent.meta["method"] == "dqn" and agent.env_id == "CartPole-v1"


def test_one_seed_gives_one_result():
    a = dqn.train("cartpole", dqn.DQNConfig(**TINY), seed=5)
    b = dqn.train("cartpole", dqn.DQNConfig(**TINY), seed=5)
    c = dqn.train("cartpole", dqn.DQNConfig(**TINY), seed=6)
    np.testing.assert_array_equal(a.genome, b.genome)
    np.testing.assert_array_equal(a.curve[:, [0, 2, 3]], b.curve[:, [0, 2, 3]])
    assert not np.array_equal(a.genome, c.genome)


def test_callback_can_stop_training():
    records = []
    result = dqn.train("CartPole-v1", dqn.DQNConfig(**TINY), seed=0,
                       callback=lambda r: records.append(r) or False)
    assert len(records) == 1 and result.env_steps == 300
    assert records[0].method == "dqn" and records[0].values["env_steps"] == 300


def test_works_on_an_env_without_a_kernel():
    result = dqn.train("Acrobot-v1", dqn.DQNConfig(**{**TINY, "total_steps": 300}), seed=0)
    assert result.spec.sizes == (6, 8, 3) and result.threshold == -100.0


def test_box_actions_are_refused():
    with pytest.raises(TaskError, match="Discrete"):
        dqn.train("Pendulum-v1", dqn.DQNConfig(**TINY))


def test_spec_must_fit_the_env():
    with pytest.raises(TaskError, match="inputs"):
        dqn.train("CartPole-v1", dqn.DQNConfig(**TINY), spec=NetworkSpec((3, 2), ("linear",)))


@pytest.mark.parametrize("bad", [{"gamma": 1.5}, {"tau": 0.0}, {"batch_size": 0}, {"learning_starts": -1},
                                 {"exploration_steps": -5}])
def test_bad_config_raises(bad):
    with pytest.raises(ConfigError):
        dqn.DQNConfig(**bad).validate()
