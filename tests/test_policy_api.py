"""The policy API: ``neuroevo.load(path) -> Agent``, ``Agent.predict`` in Stable-Baselines3's convention,
``Agent.env()``; tested with Gymnasium's own vector envs, and with SB3 where it is installed."""

import gymnasium as gym
import numpy as np
import pytest

import neuroevo
from neuroevo.agent import Agent
from neuroevo.cli import main
from neuroevo.errors import TaskError
from neuroevo.network import NetworkSpec


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory):
    """A run folder whose best agent balances CartPole-v1 for 500 steps (evolved here, a few seconds)."""
    out = tmp_path_factory.mktemp("policy") / "cartpole"
    assert main(["evolve", "-q", "--env", "cartpole", "--population", "50", "--episodes", "10",
                 "--generations", "40", "--target", "500", "--seed", "1", "--out", str(out)]) == 0
    return out


def sb3_style_returns(agent, env, episodes: int) -> np.ndarray:
    """Episode returns of ``agent`` on a vector env, driven as SB3's ``evaluate_policy`` drives a model."""
    n = env.num_envs
    obs, _ = env.reset(seed=list(range(100, 100 + n)))
    state, starts = None, np.ones(n, dtype=bool)
    returns, current = [], np.zeros(n)
    while len(returns) < episodes:
        actions, state = agent.predict(obs, state=state, episode_start=starts, deterministic=True)
        obs, rewards, terminated, truncated, _ = env.step(actions)
        current += rewards
        starts = terminated | truncated
        for i in np.flatnonzero(starts):
            returns.append(current[i])
            current[i] = 0.0
    return np.array(returns[:episodes])


def test_load_gives_an_agent_that_balances_cartpole_through_predict(cartpole_run):
    agent = neuroevo.load(cartpole_run)
    assert isinstance(agent, Agent) and agent.env_id == "CartPole-v1"
    env = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 3,
                                   autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    np.testing.assert_array_equal(sb3_style_returns(agent, env, 6), 500.0)


def test_predict_on_a_batch_equals_the_network_row_by_row(cartpole_run):
    agent = neuroevo.load(cartpole_run)
    obs = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    actions, state = agent.predict(obs)
    assert state is None and actions.shape == (7,) and actions.dtype == np.int64
    want = [int(np.argmax(agent.network(o.astype(np.float64)))) for o in obs]
    assert actions.tolist() == want
    one, _ = agent.predict(obs[2])  # one observation: one action, no batch axis
    assert np.ndim(one) == 0 and int(one) == want[2]


def test_box_actions_are_scaled_to_the_bounds_with_the_space_dtype():
    spec = NetworkSpec.build(3, [5], 1, "tanh", "tanh")
    genome = np.random.default_rng(1).normal(size=spec.n_params) * 3
    agent = Agent(spec, genome, "Pendulum-v1")
    obs = np.random.default_rng(2).uniform(-1, 1, size=(50, 3))
    actions, _ = agent.predict(obs)
    assert actions.shape == (50, 1) and actions.dtype == np.float32
    assert np.all(np.abs(actions) <= 2.0) and actions.min() < -1.0 < 1.0 < actions.max()
    y = agent.network(obs[0])
    assert agent.predict(obs[0])[0] == pytest.approx(2.0 * np.clip(y, -1, 1), abs=1e-6)
    assert agent.predict(obs[0])[0].shape == (1,)


def test_bad_observations_and_agents_without_env_are_one_line_errors(cartpole_run):
    agent = neuroevo.load(cartpole_run)
    with pytest.raises(TaskError, match=r"observation of shape \(3, 5\) does not fit Box"):
        agent.predict(np.zeros((3, 5)))
    user = Agent(NetworkSpec.build(2, [], 1, "tanh", "linear"), np.zeros(3))
    with pytest.raises(TaskError, match="has no env"):
        user.env()
    with pytest.raises(TaskError, match="has no env"):
        user.predict(np.zeros(2))


def test_env_builds_the_env_the_agent_was_trained_on_with_its_keywords():
    spec = NetworkSpec.build(6, [], 2, "tanh", "linear")
    agent = Agent(spec, np.zeros(spec.n_params), "neuroevo/FlappyBird-v0", {"pipe_gap": 150.0})
    env = agent.env(render_mode="rgb_array")
    assert env.spec.id == "neuroevo/FlappyBird-v0" and env.unwrapped.pipe_gap == 150.0
    assert env.render_mode == "rgb_array"
    env.close()


def test_predict_threads_the_recurrent_state_and_clears_it_at_episode_starts():
    spec = NetworkSpec.build(4, [6], 2, "tanh", "linear", recurrent=True) if hasattr(NetworkSpec, "n_state") \
        else pytest.skip("no recurrent networks in this version")
    genome = np.random.default_rng(3).normal(size=spec.n_params)
    agent = Agent(spec, genome, "CartPole-v1")
    obs = np.random.default_rng(4).normal(size=(6, 2, 4))  # 6 steps of 2 envs
    starts = np.array([[1, 1], [0, 0], [0, 1], [0, 0], [1, 0], [0, 0]], dtype=bool)
    nets = [agent.network, agent.network]
    state = None
    for t in range(6):
        actions, state = agent.predict(obs[t], state=state, episode_start=starts[t])
        assert state.shape == (2, spec.n_state)
        for i, net in enumerate(nets):
            if starts[t, i]:
                net.reset()
            assert actions[i] == int(np.argmax(net(obs[t, i])))


def test_sb3_evaluate_policy_scores_the_evolved_agent_500(cartpole_run):
    evaluation = pytest.importorskip("stable_baselines3.common.evaluation")
    from stable_baselines3.common.monitor import Monitor

    agent = neuroevo.load(cartpole_run)
    mean, std = evaluation.evaluate_policy(agent, Monitor(agent.env()), n_eval_episodes=10)
    assert (mean, std) == (500.0, 0.0)
