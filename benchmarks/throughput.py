"""Agent-steps per second evaluating a population of 4-16-2 tanh networks on CartPole-v1, three ways:

1. the Numba population kernel (``games.cartpole.kernel``) through neuroevo's evaluators
   (serial for 1 core, the process pool for 2);
2. a plain Gymnasium Python loop (``gymnasium.make("CartPole-v1")``) with the jitted forward pass;
3. Gymnasium's ``CartPoleVectorEnv`` (all agents in one NumPy-vectorised env) with a NumPy batched forward
   pass (one weight set per agent, einsum), in 1 or 2 processes.

Ratios are measured in this one run. The two kernel columns (float64 and ``--dtype float32``) are the
medians of ``--rounds`` rounds timed alternately, each side at least half of ``--min-seconds``, and their
ratio the median of the rounds' ratios, so a slow spell of the host hits both. The Python loop's per-agent
cost does not depend on the population size, so it is timed on a sample of genomes (at least
``--min-seconds`` of work). Usage::

    python benchmarks/throughput.py [--sizes 100,1000,10000] [--rounds 5] [--out benchmarks/results/throughput.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from neuroevo.evaluation import KernelTask, ProcessPoolEvaluator, SerialEvaluator  # noqa: E402
from neuroevo.evaluation.env_task import EnvTask  # noqa: E402
from neuroevo.network import NetworkSpec  # noqa: E402

SPEC = NetworkSpec((4, 16, 2), ("tanh", "tanh"))
SPEC32 = NetworkSpec((4, 16, 2), ("tanh", "tanh"), dtype="float32")  # --dtype float32: the same genomes
EPISODES = 10  # episodes per agent per evaluation, as in the default CartPole-v1 run


def population(n: int, seed: int = 0) -> np.ndarray:
    """Random genomes scaled up so episodes have a realistic spread of lengths."""
    return SPEC.init_genomes(np.random.default_rng(seed), n) * 4.0


def _timed(ev, genomes: np.ndarray, min_seconds: float, first_seed: int) -> tuple[float, int]:
    """Agent-steps per second of ``ev`` on ``genomes`` for at least ``min_seconds``; the next unused seed."""
    steps, start, seed = 0, time.perf_counter(), first_seed
    while time.perf_counter() - start < min_seconds or seed == first_seed:
        steps += ev.evaluate(genomes, np.arange(seed, seed + EPISODES))[1]
        seed += EPISODES
    return steps / (time.perf_counter() - start), seed


def bench_kernels(genomes: np.ndarray, workers: int, min_seconds: float, rounds: int) -> tuple[float, float, float]:
    """The float64 and float32 kernels' agent-steps per second, timed alternately in ``rounds`` rounds (the
    first side alternating) so a slow spell of the host hits both: ``(median float64, median float32,
    median of the rounds' float32 / float64 ratios)``."""
    tasks = [KernelTask("CartPole-v1", spec, "games.cartpole.kernel:population_fitness") for spec in (SPEC, SPEC32)]
    with ExitStack() as stack:
        evs = [stack.enter_context(SerialEvaluator(t) if workers == 1 else ProcessPoolEvaluator(t, workers, 1))
               for t in tasks]
        for ev in evs:
            ev.evaluate(genomes[:workers * 2], np.arange(EPISODES))  # warm the workers
        rates, seeds = [[], []], [0, 0]
        for r in range(rounds):
            for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                rate, seeds[side] = _timed(evs[side], genomes, min_seconds, seeds[side])
                rates[side].append(rate)
    f64, f32 = np.array(rates[0]), np.array(rates[1])
    return float(np.median(f64)), float(np.median(f32)), float(np.median(f32 / f64))


def bench_python_loop(genomes: np.ndarray, min_seconds: float) -> float:
    task = EnvTask("CartPole-v1", SPEC)
    task.warmup()
    steps, start, i = 0, time.perf_counter(), 0
    while time.perf_counter() - start < min_seconds or i == 0:
        steps += task.evaluate(genomes[i % len(genomes)][None], np.arange(EPISODES))[1]
        i += 1
    return steps / (time.perf_counter() - start)


def _vector_worker(genomes: np.ndarray, n_steps: int) -> tuple[int, float]:
    env = CartPoleVectorEnv(num_envs=len(genomes))
    layers = [SPEC.unflatten(g) for g in genomes]
    w1, b1, w2, b2 = (np.stack([lay[i][j] for lay in layers]) for i in (0, 1) for j in (0, 1))
    obs, _ = env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(n_steps):
        h = np.tanh(np.einsum("pi,pij->pj", obs.astype(np.float64), w1) + b1)
        y = np.tanh(np.einsum("pi,pij->pj", h, w2) + b2)
        obs, _, _, _, _ = env.step(np.argmax(y, axis=1))
    return len(genomes) * n_steps, time.perf_counter() - start


def bench_vector_env(genomes: np.ndarray, workers: int, min_seconds: float) -> float:
    n_steps = 50
    while True:  # grow the step count until the measurement lasts long enough
        if workers == 1:
            steps, seconds = _vector_worker(genomes, n_steps)
        else:
            parts = np.array_split(genomes, workers)
            with mp.get_context("fork").Pool(workers) as pool:
                start = time.perf_counter()
                results = pool.starmap(_vector_worker, [(p, n_steps) for p in parts])
                seconds = time.perf_counter() - start
            steps = sum(r[0] for r in results)
        if seconds >= min_seconds or n_steps >= 20000:
            return steps / seconds
        n_steps = int(n_steps * max(2.0, 1.2 * min_seconds / max(seconds, 1e-3)))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="population sizes")
    ap.add_argument("--workers", default="1,2", help="core counts")
    ap.add_argument("--min-seconds", type=float, default=1.5, help="minimum timed work per measurement")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of the two kernels (median kept)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "throughput.json"))
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error(f"--rounds must be at least 1, got {args.rounds}")
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    loop = bench_python_loop(population(64, seed=1), args.min_seconds)
    rows = []
    print(f"{'population':>10} {'cores':>5} {'kernel steps/s':>15} {'float32':>12} {'vector env':>12} "
          f"{'python loop':>12} {'kernel/loop':>11} {'kernel/vector':>13} {'f32/f64':>7}")
    for n in sizes:
        genomes = population(n)
        for w in workers:
            k, k32, f32_ratio = bench_kernels(genomes, w, args.min_seconds / 2, args.rounds)
            v = bench_vector_env(genomes, w, args.min_seconds)
            lp = loop * w  # the Python loop scales linearly with processes at best
            row = {"population": n, "cores": w, "kernel_steps_per_s": k, "kernel_float32_steps_per_s": k32,
                   "vector_env_steps_per_s": v, "python_loop_steps_per_s": lp, "kernel_over_loop": k / lp,
                   "kernel_over_vector": k / v, "float32_over_float64": f32_ratio}
            rows.append(row)
            print(f"{n:>10} {w:>5} {k:>15,.0f} {k32:>12,.0f} {v:>12,.0f} {lp:>12,.0f} {k / lp:>11.1f} "
                  f"{k / v:>13.2f} {f32_ratio:>7.2f}")
    out = {"benchmark": "cartpole_throughput", "network": "4-16-2 tanh", "episodes_per_agent": EPISODES,
           "load_average": os.getloadavg(),
           "python_loop_note": "measured on 1 core and multiplied by the core count (an upper bound)",
           "kernel_note": f"median of {args.rounds} alternating rounds of float64 and float32, each at least "
                          f"{args.min_seconds / 2} s; float32_over_float64 is the median of the rounds' ratios",
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "processor": platform.processor() or platform.machine()},
           "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {args.out}")
    return out


if __name__ == "__main__":
    main()
