"""Agent-steps per second on Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1, two ways:

1. neuroevo's Numba population kernel (``games.classic_control.kernel``), 1 core;
2. the Gymnasium env in a Python loop (``gymnasium.make(id)``, neuroevo's ``EnvTask``) with the same
   jitted network, 1 core.

Both evaluate the same 6-16-A tanh networks (random weights, episodes to the time limit or the goal) on the
same seeds; the ratio is measured in this one run. Usage::

    python benchmarks/classic_control.py [--population 200] [--out benchmarks/results/classic_control.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from games.classic_control import physics as ph  # noqa: E402
from games.classic_control.kernel import population_episodes  # noqa: E402
from neuroevo.evaluation.env_task import EnvTask  # noqa: E402
from neuroevo.networks import NetworkSpec  # noqa: E402

EPISODES = 5


def spec_for(env_id: str) -> NetworkSpec:
    _, _, n_obs, n_act = ph.ENVS[env_id]
    return NetworkSpec.build(n_obs, (16,), max(n_act, 1), "tanh", "linear" if n_act > 0 else "tanh")


def bench_kernel(env_id, genomes, min_seconds):
    spec = spec_for(env_id)
    population_episodes(env_id, spec, genomes[:2], [0])  # compile outside the timing
    steps, start, r = 0, time.perf_counter(), 0
    while time.perf_counter() - start < min_seconds or r == 0:
        steps += int(population_episodes(env_id, spec, genomes, np.arange(r * EPISODES, (r + 1) * EPISODES))[1].sum())
        r += 1
    return steps / (time.perf_counter() - start)


def bench_loop(env_id, genomes, min_seconds):
    task = EnvTask(env_id, spec_for(env_id))
    task.warmup()
    steps, start, i = 0, time.perf_counter(), 0
    while time.perf_counter() - start < min_seconds or i == 0:
        steps += task.evaluate(genomes[i % len(genomes)][None], np.arange(EPISODES))[1]
        i += 1
    return steps / (time.perf_counter() - start)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=200, help="genomes per kernel call")
    ap.add_argument("--min-seconds", type=float, default=2.0, help="minimum timed work per measurement")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "classic_control.json"))
    args = ap.parse_args(argv)
    rows = []
    print(f"{'env':>26} {'kernel steps/s':>15} {'env loop':>10} {'kernel/loop':>11}")
    for env_id in ph.ENVS:
        genomes = spec_for(env_id).init_genomes(np.random.default_rng(0), args.population) * 2.0
        k = bench_kernel(env_id, genomes, args.min_seconds)
        lp = bench_loop(env_id, genomes, args.min_seconds)
        rows.append({"env": env_id, "kernel_steps_per_s": k, "loop_steps_per_s": lp, "kernel_over_loop": k / lp})
        print(f"{env_id:>26} {k:>15,.0f} {lp:>10,.0f} {k / lp:>11.1f}")
    out = {"benchmark": "classic_control_kernels", "network": "obs-16-actions tanh", "episodes_per_agent": EPISODES,
           "cores": 1, "load_average": os.getloadavg(),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "processor": platform.processor() or platform.machine()},
           "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(f"written {args.out}")
    return out


if __name__ == "__main__":
    main()
