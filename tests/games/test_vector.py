"""The games' vector envs (``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")``) against N
single envs in Gymnasium's own ``SyncVectorEnv``, step for step, in every autoreset mode."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import games  # noqa: F401  (registers the games)
from games.car_track.vector import CarTrackVectorEnv
from games.flappy_bird.vector import FlappyBirdVectorEnv


def flappy_pilot(obs, rng):
    """Flap when the bird's bottom is within 10 px of the next gap's bottom: flies 100+ pipes (so the
    pipe gaps are drawn block by block, as in the single env)."""
    return ((obs[:, 0] * 512 + 24) > (obs[:, 3] * 512 + 40)).astype(np.int64)


def random_actions(space):
    return lambda obs, rng: space.sample()


def make_pair(env_id, n, mode, **kwargs):
    """(our vector env, SyncVectorEnv of n single envs), same kwargs and autoreset mode."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # make_vec checks the autoreset metadata with a warning
        ours = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point",
                            autoreset_mode=mode.name.lower(), **kwargs)
    sync = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode},
                        **kwargs)
    return ours, sync


def assert_same_infos(a: dict, b: dict, where):
    assert a.keys() == b.keys(), where
    for k in b:
        if k == "final_info":
            assert_same_infos(a[k], b[k], (where, k))
        elif k == "final_obs":
            for x, y in zip(a[k], b[k]):
                assert (x is None and y is None) or np.array_equal(x, y), (where, k)
        else:
            assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), (where, k, a[k], b[k])


def run_both(ours, sync, policy, steps, seed=3):
    """Step both with the same actions; every output must be equal. Returns the number of episode ends."""
    rng = np.random.default_rng(seed)
    o1, i1 = ours.reset(seed=seed)
    o2, i2 = sync.reset(seed=seed)
    np.testing.assert_array_equal(o1, o2)
    assert_same_infos(i1, i2, "reset")
    ends = 0
    for t in range(steps):
        actions = policy(o2, rng)
        r1, r2 = ours.step(actions), sync.step(actions)
        for x, y in zip(r1[:4], r2[:4]):
            assert x.dtype == y.dtype and x.shape == y.shape, t
            np.testing.assert_array_equal(x, y, err_msg=f"step {t}")
        assert_same_infos(r1[4], r2[4], t)
        o2 = r2[0]
        ends += int(np.sum(r2[2] | r2[3]))
    return ends


MODES = [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
def test_flappy_vector_env_equals_single_envs_step_for_step(mode):
    ours, sync = make_pair("neuroevo/FlappyBird-v0", 4, mode)
    assert isinstance(ours.unwrapped, FlappyBirdVectorEnv) and ours.metadata["autoreset_mode"] == mode
    assert ours.observation_space == sync.observation_space and ours.action_space == sync.action_space
    drawn = []

    def pilot(obs, rng):
        drawn.append(ours.unwrapped.n_gaps.max())
        return flappy_pilot(obs, rng)

    ends = run_both(ours, sync, pilot, 4500)
    assert ends >= 4  # episodes ended and games were reset
    assert max(drawn) > 64  # some bird flew past the first block of pipe gaps


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
def test_flappy_variants_and_time_limit(mode):
    ours, sync = make_pair("neuroevo/FlappyBird-v0", 3, mode, observation="pipes", pipe_gap=140.0,
                           score_cap=3, max_episode_steps=90)
    assert run_both(ours, sync, flappy_pilot, 600) >= 6


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("kwargs", [{}, {"track": "oval,sbend", "continuous": False}], ids=["oval", "two-tracks"])
def test_car_vector_env_equals_single_envs_step_for_step(mode, kwargs):
    ours, sync = make_pair("neuroevo/CarTrack-v0", 5, mode, **kwargs)
    assert isinstance(ours.unwrapped, CarTrackVectorEnv) and ours.unwrapped.max_episode_steps == 3000
    assert run_both(ours, sync, random_actions(sync.action_space), 700) >= 5


def test_car_time_limit_truncates_like_time_limit():
    def cruise(obs, rng):  # steer away from the nearer side wall, slowly: drives laps without crashing
        steer = np.clip(3.0 * (obs[:, 3] - obs[:, 1]), -1, 1)
        return np.stack([steer, np.full(len(obs), 0.3)], axis=1).astype(np.float32)

    ours, sync = make_pair("neuroevo/CarTrack-v0", 2, AutoresetMode.NEXT_STEP, max_episode_steps=120)
    assert run_both(ours, sync, cruise, 300) >= 2


def test_disabled_autoreset_resets_through_the_mask():
    env = gym.make_vec("neuroevo/FlappyBird-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       autoreset_mode="disabled")
    env.reset(seed=0)
    done = np.zeros(3, dtype=bool)
    while not done.any():
        _, _, term, trunc, _ = env.step(np.array([0, 0, 1]))
        done = term | trunc
    with pytest.raises(RuntimeError, match="reset them with reset"):
        env.step(np.zeros(3, dtype=np.int64))
    before = env.unwrapped.frames.copy()
    obs, info = env.reset(options={"reset_mask": done})
    assert np.all(env.unwrapped.frames[done] == 0) and np.all(env.unwrapped.frames[~done] == before[~done])
    assert info["_score"].tolist() == done.tolist()
    env.step(np.zeros(3, dtype=np.int64))


def test_seeds_are_per_game_and_a_list_is_accepted():
    a = FlappyBirdVectorEnv(3)
    b = FlappyBirdVectorEnv(3)
    a.reset(seed=[10, 11, 12])
    b.reset(seed=10)
    np.testing.assert_array_equal(a.gaps, b.gaps)
    assert not np.array_equal(a.gaps[0], a.gaps[1])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        FlappyBirdVectorEnv(0)
    with pytest.raises(ValueError, match="autoreset_mode must be one of next_step, same_step, disabled"):
        FlappyBirdVectorEnv(2, autoreset_mode="sometimes")
    env = FlappyBirdVectorEnv(2)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must have shape \(2,\)"):
        env.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="actions outside Discrete"):
        env.step(np.array([0, 2]))
    with pytest.raises(ValueError, match="reset got 1 seeds for 2 envs"):
        env.reset(seed=[1])
