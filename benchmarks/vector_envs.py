"""Env steps per second: the games' Numba vector envs against Gymnasium's ``SyncVectorEnv`` of single envs.

Both step N games with the same actions (their outputs are equal step for step: tests/games/test_vector.py),
measured in one run; the ratio is the speed-up a vector-env user (SB3, CleanRL) gets. Prints a table and
writes ``benchmarks/results/vector_envs.json``.

    PYTHONPATH=. python benchmarks/vector_envs.py [--envs 8,64,256] [--steps 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import games  # noqa: F401  (registers the games)

OUT = Path(__file__).parent / "results" / "vector_envs.json"
GAMES = {"flappy": "neuroevo/FlappyBird-v0", "car": "neuroevo/CarTrack-v0"}


def steps_per_second(env, steps: int, seed: int = 0) -> float:
    """Env steps (games x vector steps) per second over ``steps`` vector steps of random actions."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    env.step(actions[0])  # compile / warm up outside the timing
    start = time.perf_counter()
    for a in actions:
        env.step(a)
    return env.num_envs * steps / (time.perf_counter() - start)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--envs", default="8,64,256", help="comma-separated numbers of games N")
    p.add_argument("--steps", type=int, default=2000, help="vector steps timed per measurement")
    args = p.parse_args(argv)
    rows = []
    for name, env_id in GAMES.items():
        for n in map(int, args.envs.split(",")):
            ours = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
            sync = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")
            steps = max(300, args.steps * 8 // n)  # about the same env steps for every N, episodes ending and resetting
            a, b = steps_per_second(ours, steps), steps_per_second(sync, steps)
            rows.append({"game": name, "num_envs": n, "vector_steps": steps, "numba_steps_per_s": round(a),
                         "sync_steps_per_s": round(b), "speedup": round(a / b, 1)})
            print(f"{name:7s} N={n:4d}  numba {a:12,.0f} steps/s  SyncVectorEnv {b:10,.0f} steps/s  "
                  f"x{a / b:.1f}", flush=True)
    result = {"benchmark": "vector_envs", "python": platform.python_version(), "machine": platform.machine(),
              "gymnasium": gym.__version__, "rows": rows}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
