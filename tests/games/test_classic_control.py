"""The classic-control kernels against Gymnasium's real environments: start states, steps, episode ends, returns."""

import gymnasium as gym
import numpy as np
import pytest

from games.classic_control import physics as ph
from games.classic_control.kernel import population_episodes
from neuroevo.evaluation import KernelTask, make_task
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.networks import NetworkSpec

IDS = list(ph.ENVS)


def spec_for(env_id, hidden=(6,), recurrent=False):
    _, _, n_obs, n_act = ph.ENVS[env_id]
    out = "linear" if n_act > 0 else "tanh"
    return NetworkSpec.build(n_obs, hidden, max(n_act, 1), "tanh", out, recurrent=recurrent)


@pytest.mark.parametrize("env_id", IDS)
def test_start_states_equal_gymnasium_reset(env_id):
    env = gym.make(env_id).unwrapped
    code = ph.ENVS[env_id][0]
    for seed in (0, 1, 777, 2**31 + 5):
        env.reset(seed=seed)
        ours = ph.start_states(code, [seed])[0]
        np.testing.assert_array_equal(np.asarray(env.state, dtype=np.float64), ours[:len(env.state)])


@pytest.mark.parametrize("env_id", IDS)
def test_each_step_equals_gymnasium_bit_for_bit(env_id):
    env = gym.make(env_id).unwrapped
    code, _, n_obs, n_act = ph.ENVS[env_id]
    rng = np.random.default_rng(3)
    steps = ends = 0
    for episode in range(6):
        obs, _ = env.reset(seed=episode)
        s = ph.start_states(code, [episode])[0]
        for t in range(400):
            if n_act > 0:
                action = int(rng.integers(n_act))
                if episode % 2:  # energy pumping, so the goal is reached
                    action = 2 if s[3 if code == ph.ACROBOT else 1] > 0 else 0
                a = float(action)
            else:
                low, high = ph.ACTION_BOUNDS[code]
                action = np.array([rng.uniform(low, high)], dtype=np.float32)
                if code == ph.MOUNTAIN_CAR_CONTINUOUS:
                    action[0] = np.float32(1.0 if s[1] >= 0 else -1.0) * np.float32(rng.uniform(0.6, 1.0))
                a = float(action[0])
            obs, reward, terminated, _, _ = env.step(action)
            r, done = ph.step(code, s, a, 2.0)
            mine = np.empty(n_obs)
            ph.observe(code, s, mine)
            np.testing.assert_array_equal(mine, obs.astype(np.float64), err_msg=f"{episode} {t}")
            assert (r, done) == (float(reward), terminated), (episode, t)
            steps += 1
            if done:
                ends += 1
                break
    assert steps > 400
    if code != ph.PENDULUM:
        assert ends >= 1


def test_kernel_episodes_equal_the_env_loop():
    rng = np.random.default_rng(0)
    for env_id in IDS:
        for recurrent in (False, True):
            spec = spec_for(env_id, recurrent=recurrent)
            genomes = spec.init_genomes(rng, 5) * 3
            returns, lengths = population_episodes(env_id, spec, genomes, [0, 1, 2])
            task = EnvTask(env_id, spec)
            for p, g in enumerate(genomes):
                for k, seed in enumerate([0, 1, 2]):
                    r, n, _ = task.episode(g, seed)
                    assert (returns[p, k], lengths[p, k]) == (r, n), (env_id, recurrent, p, k)


def _goal_seeker(env_id):
    """A linear network that pushes along the velocity: reaches the MountainCar goals early."""
    spec = NetworkSpec((2, 3), ("linear",)) if env_id == "MountainCar-v0" else NetworkSpec((2, 1), ("tanh",))
    g = np.zeros(spec.n_params)
    w = spec.unflatten(g)[0][0]
    if env_id == "MountainCar-v0":
        w[1, 0], w[1, 2] = -1000.0, 1000.0
    else:
        w[1, 0] = 1000.0
    return spec, g


@pytest.mark.parametrize("env_id", ["MountainCar-v0", "MountainCarContinuous-v0"])
def test_episodes_that_reach_the_goal_end_on_the_same_step(env_id):
    spec, g = _goal_seeker(env_id)
    seeds = list(range(10))
    returns, lengths = population_episodes(env_id, spec, g[None], seeds)
    task = EnvTask(env_id, spec)
    loop = [task.episode(g, s)[:2] for s in seeds]
    assert [(returns[0, k], lengths[0, k]) for k in range(10)] == loop
    assert lengths.max() < ph.ENVS[env_id][1]  # every episode ended at the goal


def test_the_kernels_are_used_automatically():
    from neuroevo.config import resolve

    for env_id in IDS:
        task = make_task(resolve(flags={"task": {"env": env_id}, "network": {"hidden": [4]}}))
        assert isinstance(task, KernelTask), env_id
        fit, steps = task.evaluate(task.spec.init_genomes(np.random.default_rng(1), 3), np.arange(2))
        loop, loop_steps = EnvTask(env_id, task.spec).evaluate(task.spec.init_genomes(np.random.default_rng(1), 3),
                                                                np.arange(2))
        np.testing.assert_array_equal(fit, loop)
        assert steps == loop_steps


def test_bad_network_is_a_clear_error():
    with pytest.raises(ValueError, match="Acrobot-v1 needs a 6-input, 3-output"):
        population_episodes("Acrobot-v1", NetworkSpec((4, 2), ("linear",)), np.zeros((1, 10)), [0])


@pytest.mark.parametrize("env_id", ["MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"])
def test_lanes_refilled_over_many_pairs_equal_the_env_loop(env_id):
    """80 (genome, episode) pairs through the 32 lanes (each lane refilled, the last block part idle): every
    return and length is the env loop's, bit for bit, with the packed physics of games.classic_control.lanes."""
    spec = spec_for(env_id, hidden=(4,))
    genomes = spec.init_genomes(np.random.default_rng(7), 40) * 4
    returns, lengths = population_episodes(env_id, spec, genomes, [3, 4], max_episode_steps=120)
    task = EnvTask(env_id, spec, env_kwargs={"max_episode_steps": 120})
    for p, g in enumerate(genomes):
        for k, seed in enumerate([3, 4]):
            r, n, _ = task.episode(g, seed)
            assert (returns[p, k], lengths[p, k]) == (r, n), (env_id, p, k)


@pytest.mark.parametrize("name", ["mountain_car_lanes", "mountain_car_continuous_lanes", "pendulum_lanes"])
def test_the_lane_steps_are_packed(name):
    """The packed passes compile to packed float64 arithmetic (``v...pd`` on xmm/ymm/zmm registers)."""
    import re

    import numba

    from games.classic_control import lanes

    fn = numba.njit(getattr(lanes, name).py_func, error_model="numpy")  # cached code keeps no assembly
    state, action, trig = np.zeros((4, 32)), np.zeros(32), np.zeros((lanes.TRIG_ROWS, 32))
    reward, done = np.zeros(32), np.zeros(32, dtype=np.bool_)
    args = {"mountain_car_lanes": (state, action, trig[0], reward, done),
            "mountain_car_continuous_lanes": (state, action, trig, reward, done),
            "pendulum_lanes": (state, action, trig[1])}[name]
    fn(*args)
    asm = fn.inspect_asm(fn.signatures[0])
    assert len(re.findall(r"\tv(?:add|mul|sub|max|min|cmp\w*)pd\s", asm)) >= 6
