"""The CartPole-v1 kernel against Gymnasium's real environment and a plain-Python reference."""

import gymnasium as gym
import numpy as np
import pytest

from games.cartpole import physics
from games.cartpole.kernel import population_fitness, population_returns
from neuroevo.network import Network, NetworkSpec
from tests import naive

SPEC = NetworkSpec.build(4, (8,), 2, "tanh", "linear")


def test_start_states_equal_gymnasium_reset():
    env = gym.make("CartPole-v1")
    for seed in (0, 1, 12345, 2**31 + 7):
        obs, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(env.unwrapped.state, physics.start_states([seed])[0])
        np.testing.assert_array_equal(obs, physics.start_states([seed])[0].astype(np.float32))


def test_step_matches_gymnasium_within_a_few_ulp():
    env = gym.make("CartPole-v1").unwrapped
    rng = np.random.default_rng(0)
    for episode in range(20):
        env.reset(seed=episode)
        state = env.state.copy()
        for t in range(500):
            action = int(rng.integers(2))
            _, _, terminated, _, _ = env.step(action)
            done = physics.step(state, action)
            ulp = np.abs(state - env.state) / np.spacing(np.abs(env.state))
            assert ulp.max() <= 4, (episode, t, ulp)
            assert done == terminated, (episode, t)
            if done:
                break
            state = env.state.copy()  # continue from the real state: compare one step at a time


def test_step_matches_naive_reference():
    rng = np.random.default_rng(3)
    for _ in range(200):
        s = rng.uniform(-0.2, 0.2, 4)
        a = int(rng.integers(2))
        want, want_done = naive.cartpole_step(tuple(s), a)
        got = s.copy()
        done = physics.step(got, a)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
        assert done == want_done


def test_population_returns_equal_gymnasium_episodes():
    """Same genomes, same seeds: every episode ends on the same step as the real CartPole-v1."""
    genomes = SPEC.init_genomes(np.random.default_rng(5), 24) * 3.0
    seeds = [0, 7, 2**31 + 1]
    returns, steps = population_returns(SPEC, genomes, seeds)
    env = gym.make("CartPole-v1")
    for p, g in enumerate(genomes):
        net = Network(SPEC, g)
        for k, seed in enumerate(seeds):
            obs, _ = env.reset(seed=seed)
            total, done = 0.0, False
            while not done:
                obs, r, term, trunc, _ = env.step(int(np.argmax(net(obs))))
                total += r
                done = term or trunc
            assert returns[p, k] == total, (p, seed)
    assert steps == returns.sum()
    assert len(set(returns.ravel())) > 3  # a real spread of episode lengths, not all 500 or all ~10


def test_population_fitness_is_mean_return_and_chunking_invariant():
    genomes = SPEC.init_genomes(np.random.default_rng(6), 10) * 2.0
    fit, steps = population_fitness(SPEC, genomes, [1, 2, 3])
    returns, _ = population_returns(SPEC, genomes, [1, 2, 3])
    np.testing.assert_array_equal(fit, returns.mean(axis=1))
    parts = [population_fitness(SPEC, genomes[a:b], [1, 2, 3])[0] for a, b in ((0, 3), (3, 10))]
    np.testing.assert_array_equal(np.concatenate(parts), fit)


def test_wrong_network_size_is_rejected():
    with pytest.raises(ValueError, match="4-input, 2-output"):
        population_returns(NetworkSpec.build(3, (), 2), np.zeros((1, 8)), [0])


def test_the_lane_step_is_packed():
    """The Euler step of the lanes compiles to packed divisions (``divpd`` on xmm/ymm/zmm registers), not
    four scalar ones per lane: the evidence roofline.py records, of the function the kernel calls."""
    import re

    import numba

    from games.cartpole.kernel import _step_lanes

    fresh = numba.njit(_step_lanes.py_func, error_model="numpy")  # cached code keeps no assembly
    fresh(np.zeros((2, 32)), np.zeros((4, 32)), np.zeros(32), np.ones(32), np.zeros(32, dtype=np.int64), 500,
          np.zeros(32, dtype=np.bool_))
    asm = fresh.inspect_asm(fresh.signatures[0])
    assert len(re.findall(r"\tv?divpd\s", asm)) >= 4
