"""Bird-steps per second on ``neuroevo/FlappyBird-v0``: the Numba population kernel against a Python loop.

Both score the *same* genomes on the *same* episode seeds, on one core, and must simulate the same number
of frames (checked): the kernel (``games.flappy_bird.kernel.population_fitness``, birds 32 lanes at a
time, physics and network packed) and the env stepped in a Python loop with the jitted forward pass
(``neuroevo.evaluation.env_task.EnvTask``, what any Gymnasium id gets). The ratio is measured in this run.

Then the kernel against itself at issue 15's commit (``_baseline.FILED``, 3310c6c): both trees' kernels on a
longer workload (``--baseline-population`` x ``--baseline-episodes``), pinned to one core in fresh
subprocesses, alternating, best CPU time of each (:func:`_baseline.compare`; same fitness checked). And the
assembly evidence that the lane physics is packed: instruction counts of the observation + step loops
(compiled alone) and of the kernel's block loop (:func:`lane_assembly`).

Genomes: 4-6-2 tanh networks that flap when the bird is below the gap centre by a margin between -20 and
8 px (birds that pass 0 to a few hundred pipes), with random noise added, so episode lengths spread the way
they do in a population under evolution. Usage::

    python benchmarks/flappy_throughput.py [--population 100] [--episodes 2] [--baseline-population 500]
        [--baseline-episodes 4] [--cpu 1] [--no-baseline] [--out benchmarks/results/flappy_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import games  # noqa: E402,F401
from games.flappy_bird import lanes  # noqa: E402
from games.flappy_bird.kernel import _fly_block, population_fitness  # noqa: E402
from games.flappy_bird.physics import gap_tops_for_seed, make_params, start_bird  # noqa: E402
from neuroevo.evaluation.env_task import EnvTask  # noqa: E402
from neuroevo.network import NetworkSpec  # noqa: E402
from neuroevo.networks.simd import prefer_wide_vectors  # noqa: E402

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


@numba.njit(error_model="numpy")
def _lane_physics(out, fs, ist, params, ev, x):
    """The kernel's packed loops alone (as :func:`games.flappy_bird.kernel._fly_block` inlines them)."""
    prefer_wide_vectors()
    lanes.observe_simple_lanes(fs, ist, params, x)
    lanes.step_lanes(out, fs, ist, params, ev)


def _instruction_counts(asm: str) -> dict:
    """Instructions of ``asm`` with a zmm / ymm operand, and scalar float64 (``...sd``) arithmetic."""
    body = [line for line in asm.splitlines() if line.startswith("\t") and not line.startswith("\t.")]
    return {"zmm": sum("%zmm" in line for line in body), "ymm": sum("%ymm" in line for line in body),
            "scalar_sd": sum(bool(re.match(r"\tv\w+sd\s", line)) for line in body), "instructions": len(body)}


def lane_assembly() -> dict:
    """Evidence the lane physics runs packed: counts in the x86 assembly of the observation + step loops
    compiled alone for 32 lanes (per operation, ``benchmarks/roofline.py``'s counter) and of the kernel's
    whole block loop ``_fly_block`` (network included). Scalar ``sd`` instructions in the physics are
    LLVM's remainder loops (not run: the lane counts 32, 16, 8 are multiples of 8)."""
    from roofline import _count, assembly

    from neuroevo.networks.program import as_program, lane_buffers

    w = 32
    params = make_params()
    phys = assembly(_lane_physics, np.zeros((2, w)), np.zeros((lanes.N_FS, w)), np.zeros((4, w), dtype=np.int64),
                    params, np.zeros(w, dtype=np.int8), np.zeros((4, w)))
    ops = ("vmul", "vadd", "vsub", "vdiv", "vcmp", "vmin", "vcvt")
    per_op = {k: v for k, v in _count(phys, ops).items() if v}
    prog = as_program(SPEC, population(2))
    ints, g = prog.ints, prog.params
    wt, rows, memory, buf_a, buf_b = lane_buffers(ints, g)
    blk = (np.zeros((lanes.N_FS, w)), np.zeros((4, w), dtype=np.int64), wt, rows, memory, buf_a, buf_b, np.zeros((4, w)),
           np.zeros(w, dtype=np.int8))
    gaps = gap_tops_for_seed(0, params[0], 64)[None, :]
    frames = np.zeros((2, 1), dtype=np.int64)
    fly = assembly(_fly_block, ints, g, gaps, params, np.int64(0), start_bird(), frames, frames.copy(), blk,
                   np.int64(2), np.int64(0), np.int64(0))
    return {"physics loops (observe_simple_lanes + step_lanes)": {**_instruction_counts(phys), **per_op},
            "kernel block loop (_fly_block)": _instruction_counts(fly)}


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the platform's processor."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


PIPES_SPEC = NetworkSpec.build(12, (6,), 2, "tanh", "linear")


def baseline_ratio(population_size: int, episodes: int, cpu: int, observation: str = "simple") -> dict:
    """Bird-steps per CPU-second of today's kernel and of the kernel at issue 15's commit (3310c6c), one run.

    "simple": :func:`population` (threshold flappers); "pipes": random 12-6-2 tanh networks (x 3, seed 0).
    """
    import _baseline

    if observation == "simple":
        spec, genomes, kwargs = SPEC, population(population_size), {}
    else:
        spec, kwargs = PIPES_SPEC, {"observation": observation}
        genomes = PIPES_SPEC.init_genomes(np.random.default_rng(0), population_size) * 3
    layers = (spec.sizes[0], tuple(spec.sizes[1:-1]), spec.sizes[-1], "tanh", "linear")
    seeds = [int(s) for s in np.arange(episodes) + 1000]
    return {**_baseline.compare("games.flappy_bird.kernel", layers, genomes, seeds, kwargs, cpu=cpu),
            "observation": observation, "population": population_size, "episodes": episodes, "cpu": cpu}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--episodes", type=int, default=2)
    p.add_argument("--baseline-population", type=int, default=500)
    p.add_argument("--baseline-episodes", type=int, default=4)
    p.add_argument("--cpu", type=int, default=1, help="core the kernel comparison is pinned to")
    p.add_argument("--no-baseline", action="store_true", help="skip the comparison with 3310c6c")
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
        "machine": f"{cpu_model()}, Python {platform.python_version()}",
        "load_average_1min": os.getloadavg()[0],
    }
    print(f"{kernel_steps:,} bird-steps ({args.population} birds x {args.episodes} episodes, same frames both ways)")
    print(f"population kernel : {kernel_rate:>14,.0f} bird-steps/s")
    print(f"env Python loop   : {loop_rate:>14,.0f} bird-steps/s")
    print(f"ratio             : {kernel_rate / loop_rate:>14,.1f} x")
    for observation in () if args.no_baseline else ("simple", "pipes"):
        base = baseline_ratio(args.baseline_population, args.baseline_episodes, args.cpu, observation)
        base["load_average_1min"] = os.getloadavg()[0]
        result["vs_" + base["commit"] + ("" if observation == "simple" else "_" + observation)] = base
        print(f"kernel vs {base['commit']}, observation {observation!r} ({base['population']} birds x "
              f"{base['episodes']} episodes, {base['steps']:,} bird-steps, cpu {base['cpu']}, "
              f"load {base['load_average_1min']:.1f}):")
        print(f"  {base['commit']}        : {base['old_steps_per_cpu_s']:>14,.0f} bird-steps/CPU-s")
        print(f"  today          : {base['new_steps_per_cpu_s']:>14,.0f} bird-steps/CPU-s")
        print(f"  ratio          : {base['ratio']:>14,.2f} x   same fitness: {base['same_fitness']}")
        print(f"  per round      : {base['median_round_ratio']:>14,.2f} x   (median of {len(base['round_ratios'])}, "
              f"{min(base['round_ratios']):.2f}-{max(base['round_ratios']):.2f}x)")
    result["assembly"] = lane_assembly()
    for name, counts in result["assembly"].items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")
    return result


if __name__ == "__main__":
    main()
