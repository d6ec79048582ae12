"""Bird-steps per second on ``neuroevo/FlappyBird-v0``: the Numba population kernel against a Python loop.

Both score the *same* genomes on the *same* episode seeds, on one core, and must simulate the same number
of frames (checked): the kernel (``games.flappy_bird.kernel.population_fitness``, every bird of the flock
in lockstep, network inlined) and the env stepped in a Python loop with the jitted forward pass
(``neuroevo.evaluation.env_task.EnvTask``, what any Gymnasium id gets). The ratio is measured in this run.

Genomes: 4-6-2 tanh networks that flap when the bird is below the gap centre by a margin between -20 and
8 px (birds that pass 0 to a few hundred pipes), with random noise added, so episode lengths spread the way
they do in a population under evolution. Usage::

    python benchmarks/flappy_throughput.py [--population 100] [--episodes 2] [--out benchmarks/results/flappy_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import games  # noqa: E402,F401
from games.flappy_bird.kernel import population_fitness  # noqa: E402
from neuroevo.evaluation.env_task import EnvTask  # noqa: E402
from neuroevo.network import NetworkSpec  # noqa: E402

SPEC = NetworkSpec.build(4, (6,), 2, "tanh", "linear")
ENV_ID = "neuroevo/FlappyBird-v0"


def population(n: int, seed: int = 0) -> np.ndarray:
    """(n, 44) genomes: threshold flappers (hidden unit 0 = tanh(4 (y - gap centre + margin))) plus noise."""
    rng = np.random.default_rng(seed)
    genomes = SPEC.init_genomes(rng, n) * 0.05
    w1 = genomes[:, :24].reshape(n, 4, 6)
    w1[:, 0, 0], w1[:, 3, 0] = 4.0, -4.0
    genomes[:, 24] = 4.0 * rng.uniform(-20, 8, n) / 512  # b1[0]
    w2 = genomes[:, 30:42].reshape(n, 6, 2)
    w2[:, 0, 1], w2[:, 0, 0] = 1.0, 0.0
    return genomes


def bench_kernel(genomes, seeds, repeats: int = 3) -> tuple[float, int]:
    population_fitness(SPEC, genomes[:2], seeds[:1])  # compile / load the cache
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        _, steps = population_fitness(SPEC, genomes, seeds)
        best = min(best, time.perf_counter() - start)
    return steps / best, steps


def bench_python_loop(genomes, seeds) -> tuple[float, int]:
    task = EnvTask(ENV_ID, SPEC)
    task.warmup()
    start = time.perf_counter()
    _, steps = task.evaluate(genomes, seeds)
    return steps / (time.perf_counter() - start), steps


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--episodes", type=int, default=2)
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "flappy_throughput.json"))
    args = p.parse_args(argv)
    genomes, seeds = population(args.population), np.arange(args.episodes) + 1000
    kernel_rate, kernel_steps = bench_kernel(genomes, seeds)
    loop_rate, loop_steps = bench_python_loop(genomes, seeds)
    if kernel_steps != loop_steps:
        raise SystemExit(f"the kernel simulated {kernel_steps} frames but the env loop {loop_steps}")
    result = {
        "benchmark": "flappy_throughput", "env": ENV_ID, "network": list(SPEC.sizes),
        "population": args.population, "episodes": args.episodes, "bird_steps": int(kernel_steps),
        "kernel_bird_steps_per_s": round(kernel_rate), "python_loop_bird_steps_per_s": round(loop_rate),
        "ratio": round(kernel_rate / loop_rate, 1), "cores": 1,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
    }
    print(f"{kernel_steps:,} bird-steps ({args.population} birds x {args.episodes} episodes, same frames both ways)")
    print(f"population kernel : {kernel_rate:>14,.0f} bird-steps/s")
    print(f"env Python loop   : {loop_rate:>14,.0f} bird-steps/s")
    print(f"ratio             : {kernel_rate / loop_rate:>14,.1f} x")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")
    return result


if __name__ == "__main__":
    main()
