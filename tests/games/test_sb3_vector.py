"""Stable-Baselines3 trains on the Numba vector envs through ``neuroevo.sb3.SB3VecEnv`` (where SB3 is
installed: it is not a test dependency)."""

import warnings

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

import games  # noqa: E402,F401
from neuroevo.sb3 import SB3VecEnv  # noqa: E402


def vector(env_id, n, mode="same_step", **kwargs):
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", autoreset_mode=mode, **kwargs)


def test_the_adapter_reports_final_observations_and_time_limits_as_sb3_expects():
    venv = SB3VecEnv(vector("neuroevo/FlappyBird-v0", 3, max_episode_steps=40))
    venv.seed(5)
    obs = venv.reset()
    assert obs.shape == (3, 4) and obs.dtype == np.float32
    ref = gym.make("neuroevo/FlappyBird-v0", max_episode_steps=40)
    ref_obs, _ = ref.reset(seed=6)  # game 1 of seed 5
    np.testing.assert_array_equal(obs[1], ref_obs)
    for t in range(40):
        obs, rewards, dones, infos = venv.step(np.zeros(3, dtype=np.int64))
        ref_obs, ref_reward, terminated, truncated, _ = ref.step(0)
        assert rewards[1] == np.float32(ref_reward) and dones[1] == (terminated or truncated)
        if dones[1]:
            np.testing.assert_array_equal(infos[1]["terminal_observation"], ref_obs)
            assert infos[1]["TimeLimit.truncated"] == (truncated and not terminated)
            break
    assert dones.all()
    with pytest.raises(ValueError, match="autoreset_mode='same_step'"):
        SB3VecEnv(vector("neuroevo/FlappyBird-v0", 2, mode="next_step"))


@pytest.mark.parametrize("env_id,algo", [("neuroevo/FlappyBird-v0", "PPO"), ("neuroevo/CarTrack-v0", "PPO"),
                                         ("neuroevo/FlappyBird-v0", "DQN")])
def test_sb3_trains_on_the_vector_envs_without_warnings(env_id, algo):
    import stable_baselines3
    import torch
    from stable_baselines3.common.vec_env import VecMonitor

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        venv = VecMonitor(SB3VecEnv(vector(env_id, 4)))
        kwargs = {"n_steps": 64, "batch_size": 64} if algo == "PPO" else {"learning_starts": 100, "buffer_size": 1000}
        model = getattr(stable_baselines3, algo)("MlpPolicy", venv, seed=0, device="cpu", **kwargs)
        model.learn(total_timesteps=512)
    assert model.num_timesteps >= 512
