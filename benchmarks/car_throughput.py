"""Car-steps per second: the population kernel against the Python env loop, and against the kernel of
commit 3310c6c (issue 15), same networks, one run.

Both drive the same genomes from the same seeds on the same track (their episodes are equal step for step),
so the ratio is the speed-up of the kernel. The kernel of 3310c6c runs beside today's in subprocesses
pinned to one core (``benchmarks/_baseline.py``: best CPU time of alternating rounds, same fitness
checked) on a larger workload (``--baseline-population`` genomes x ``--baseline-seeds`` seeds, the
default track of ``neuroevo evolve --game car``). Prints a table and writes
``benchmarks/results/car_throughput.json``.

    PYTHONPATH=. python benchmarks/car_throughput.py [--track oval] [--population 200] [--seeds 3] [--cpu 1] \\
        [--rounds 7]
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

from games.car_track.kernel import population_episodes
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.network import NetworkSpec

OUT = Path(__file__).parent / "results" / "car_throughput.json"


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--track", default="oval")
    p.add_argument("--population", type=int, default=200)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--hidden", type=int, default=8)
    p.add_argument("--baseline-population", type=int, default=400)
    p.add_argument("--baseline-seeds", type=int, default=4)
    p.add_argument("--cpu", type=int, default=1, help="core the kernels against 3310c6c are pinned to")
    p.add_argument("--rounds", type=int, default=7, help="alternating rounds against 3310c6c")
    p.add_argument("--no-baseline", action="store_true", help="skip the comparison with commit 3310c6c")
    args = p.parse_args(argv)

    spec = NetworkSpec.build(6, (args.hidden,), 2, "tanh", "tanh")
    genomes = spec.init_genomes(np.random.default_rng(0), args.population) * 2.0
    seeds = np.arange(args.seeds)
    kw = {"track": args.track}

    population_episodes(spec, genomes[:2], seeds[:1], **kw)  # compile outside the timing
    t0, c0 = time.perf_counter(), time.process_time()
    ep = population_episodes(spec, genomes, seeds, **kw)
    kernel_s, kernel_cpu = time.perf_counter() - t0, time.process_time() - c0

    task = EnvTask("neuroevo/CarTrack-v0", spec, kw)
    task.warmup()
    t0 = time.perf_counter()
    fit_env, env_steps = task.evaluate(genomes, seeds)
    env_s = time.perf_counter() - t0

    same = bool(np.array_equal(fit_env, ep.returns.mean(axis=(1, 2))) and env_steps == ep.env_steps)
    base = None if args.no_baseline else _against_filed(spec, args)
    result = {
        "track": args.track, "population": args.population, "seeds": args.seeds, "network": list(spec.sizes),
        "car_steps": ep.env_steps, "kernel_seconds": kernel_s, "env_loop_seconds": env_s,
        "kernel_steps_per_s": ep.env_steps / kernel_s, "env_loop_steps_per_s": env_steps / env_s,
        "kernel_steps_per_cpu_s": ep.env_steps / kernel_cpu, "load_average_1min": os.getloadavg()[0],
        "speedup": env_s / kernel_s, "same_fitness": same, "against_3310c6c": base,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
    }
    print(f"{'':12s}{'car-steps/s':>14s}{'seconds':>10s}")
    print(f"{'kernel':12s}{result['kernel_steps_per_s']:14,.0f}{kernel_s:10.3f}")
    print(f"{'env loop':12s}{result['env_loop_steps_per_s']:14,.0f}{env_s:10.3f}")
    print(f"kernel per CPU-second: {result['kernel_steps_per_cpu_s']:,.0f} car-steps "
          f"(load average {result['load_average_1min']:.1f}: wall times are shared with other processes)")
    print(f"kernel / env loop: {result['speedup']:.0f}x on {ep.env_steps:,} car-steps ({args.track}); "
          f"same fitness: {same}")
    if base is not None:
        print(f"kernel / kernel of {base['commit']}: {base['median_round_ratio']:.2f}x, the median of "
              f"{len(base['round_ratios'])} rounds ({min(base['round_ratios']):.2f}-{max(base['round_ratios']):.2f}x); "
              f"best rates {base['new_steps_per_cpu_s']:,.0f} vs {base['old_steps_per_cpu_s']:,.0f} car-steps per "
              f"CPU-second ({base['ratio']:.2f}x) on {base['steps']:,} car-steps, {args.baseline_population} genomes x "
              f"{args.baseline_seeds} seeds, {args.track}, core {args.cpu}; same fitness: {base['same_fitness']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _against_filed(spec: NetworkSpec, args: argparse.Namespace) -> dict:
    """``_baseline.compare`` of today's kernel with 3310c6c's on the larger workload, plus its load average."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _baseline
    genomes = spec.init_genomes(np.random.default_rng(1), args.baseline_population) * 2.0
    layers = (6, (args.hidden,), 2, "tanh", "tanh")
    r = _baseline.compare("games.car_track.kernel", layers, genomes, list(range(args.baseline_seeds)),
                          {"track": args.track}, cpu=args.cpu, rounds=args.rounds)
    return {**r, "population": args.baseline_population, "seeds": args.baseline_seeds,
            "load_average_1min": os.getloadavg()[0]}


if __name__ == "__main__":
    main()
