"""Solve CartPole-v1 with the gradient baselines over several seeds and report medians.

    PYTHONPATH=. python benchmarks/baselines_cartpole.py [--methods dqn,reinforce,random-search] [--seeds 5]

For each method and seed: train until an evaluation (greedy policy, 100 validation episodes)
reaches the reward threshold 475 or the budget ends; then evaluate the returned genome with the greedy
policy over 100 fresh episodes (``neuroevo.evaluate.evaluate_agent``: EnvTask's loop on the real env, seeds
never used in training). Prints one line per run and the medians; writes
``benchmarks/results/baselines_cartpole.json``.

Reference (Stable-Baselines3 on this machine, median of 10 seeds): DQN about 28,000 env steps and 20 s,
PPO about 14,000 env steps and 7.5 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from neuroevo.baselines import dqn, random_search, reinforce
from neuroevo.evaluate import evaluate_agent

#: Validation episodes of the in-training check (the population kernel makes 100 cheap on CartPole).
EVAL = 100

METHODS = {
    "dqn": lambda seed: dqn.train("CartPole-v1", dqn.DQNConfig(total_steps=100_000, eval_episodes=EVAL), seed),
    "reinforce": lambda seed: reinforce.train("CartPole-v1", reinforce.ReinforceConfig(eval_episodes=EVAL), seed),
    "random-search": lambda seed: random_search.train(
        "CartPole-v1", random_search.RandomSearchConfig(eval_episodes=EVAL), seed),
}


def run(method: str, seed: int) -> dict:
    t0 = time.perf_counter()
    result = METHODS[method](seed)
    wall = time.perf_counter() - t0
    ev = evaluate_agent(result.agent(), episodes=100, seed=1000 + seed)
    row = {"method": method, "seed": seed, "steps_to_threshold": result.steps_to_threshold,
           "seconds_to_threshold": result.seconds_to_threshold, "env_steps": result.env_steps,
           "train_seconds": round(result.seconds, 3), "wall_seconds_with_eval": round(wall, 3),
           "final_mean_return_100": float(ev.returns.mean()), "final_min_return_100": float(ev.returns.min())}
    print(json.dumps(row), flush=True)
    return row


def median(values):
    vals = [v for v in values if v is not None]
    return float(np.median(vals)) if vals else None


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default="dqn,reinforce,random-search")
    p.add_argument("--seeds", type=int, default=5)
    args = p.parse_args(argv)
    rows, summary = [], {}
    for method in args.methods.split(","):
        mine = [run(method, seed) for seed in range(args.seeds)]
        rows += mine
        summary[method] = {
            "runs": len(mine),
            "solved": sum(r["steps_to_threshold"] is not None for r in mine),
            "final_mean_return_100 >= 475": sum(r["final_mean_return_100"] >= 475 for r in mine),
            "median_steps_to_threshold": median(r["steps_to_threshold"] for r in mine),
            "median_seconds_to_threshold": median(r["seconds_to_threshold"] for r in mine),
            "median_final_mean_return_100": median(r["final_mean_return_100"] for r in mine),
        }
        print(method, json.dumps(summary[method]), flush=True)
    out = Path(__file__).parent / "results" / "baselines_cartpole.json"
    out.parent.mkdir(exist_ok=True)
    if out.is_file():  # keep the earlier results of the methods not run now
        old = json.loads(out.read_text())
        summary = {**{m: v for m, v in old["summary"].items() if m not in summary}, **summary}
        rows = [r for r in old["runs"] if r["method"] not in args.methods.split(",")] + rows
    out.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                               "summary": summary, "runs": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
