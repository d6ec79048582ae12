"""Stable-Baselines3 PPO on the Numba Flappy Bird vector env, then an evolved agent through SB3's
``evaluate_policy`` (needs ``pip install stable-baselines3``; neuroevo does not depend on it).

    PYTHONPATH=. python examples/sb3_flappy.py [--steps 200000] [--envs 16] [--cartpole-run RUN]

Prints PPO's training progress every rollout (``ep_rew_mean``: mean return of the last 100 episodes), then the mean return and score (pipes) of the trained PPO
policy over 10 episodes; with ``--cartpole-run``, SB3's ``evaluate_policy`` of that evolved agent.
"""

from __future__ import annotations

import argparse
import warnings

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import VecMonitor

import games  # noqa: F401  (registers the games)
import neuroevo
from neuroevo.sb3 import SB3VecEnv


def pipes_of(model, episodes: int = 10, seed: int = 1_000) -> tuple[float, float]:
    """(mean return, mean pipes passed) of ``model`` over ``episodes`` episodes of the single env."""
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=200)
    returns, scores = [], []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        total, done, info = 0.0, False, {}
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, info = env.step(int(action))
            total += reward
            done = terminated or truncated
        returns.append(total)
        scores.append(info["score"])
    return float(np.mean(returns)), float(np.mean(scores))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=200_000, help="PPO env steps")
    p.add_argument("--envs", type=int, default=16, help="games in the vector env")
    p.add_argument("--cartpole-run", help="a run folder of an evolved CartPole agent to evaluate with SB3")
    args = p.parse_args(argv)
    warnings.simplefilter("error")  # the point: SB3 trains on the vector env without a single warning

    torch.set_num_threads(1)  # a small MLP: threads only contend with the env
    venv = VecMonitor(SB3VecEnv(gym.make_vec("neuroevo/FlappyBird-v0", num_envs=args.envs,
                                  vectorization_mode="vector_entry_point", autoreset_mode="same_step",
                                  score_cap=200)))
    venv.seed(0)
    model = PPO("MlpPolicy", venv, n_steps=256, batch_size=512, learning_rate=3e-4, gamma=0.99, ent_coef=0.01,
                seed=0, verbose=1, device="cpu")
    model.learn(total_timesteps=args.steps)
    mean_return, mean_pipes = pipes_of(model)
    print(f"PPO after {args.steps:,} steps: mean return {mean_return:.1f}, mean pipes {mean_pipes:.1f} (10 episodes)")
    if args.cartpole_run:
        agent = neuroevo.load(args.cartpole_run)
        mean, std = evaluate_policy(agent, Monitor(agent.env()), n_eval_episodes=20)
        print(f"evaluate_policy of the evolved agent in {args.cartpole_run}: {mean:.1f} +- {std:.1f}")


if __name__ == "__main__":
    main()
