"""Scaling of evaluation: serial, the process pool and Ray with 1 and 2 workers, in one run.

Three fitness kinds, each scored by ``evaluator.evaluate(genomes, seeds)`` once per "generation" (the GA's
own work is the same on every backend and left out):

- heavy: Pendulum-v1 (200 steps per episode, always) through Gymnasium's Python env loop (``EnvTask``);
- kernel: the CartPole Numba population kernel (``KernelTask``);
- trivial: a fitness returning a constant: what is left is the backend's fixed cost per generation
  (PyGAD's documentation shows its process mode far slower than serial on such a fitness).

Prints the median seconds per generation, the speed-ups and the pool's overhead over serial, and writes
them to ``benchmarks/results/scaling.json`` with the machine's load average (other jobs skew the figures).

Usage: ``PYTHONPATH=. python benchmarks/scaling.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from neuroevo.evaluation import EnvTask, FunctionTask, KernelTask
from neuroevo.evaluation.factory import make_evaluator
from neuroevo.evaluation.registry import KERNELS
from neuroevo.network import NetworkSpec

SPEC = NetworkSpec.build(4, [16], 2, "tanh", "linear")  # CartPole-v1's network in `neuroevo evolve`
PENDULUM = NetworkSpec.build(3, [16], 1, "tanh", "tanh")  # Pendulum-v1's


def trivial(network):
    return 0.0


def tasks(quick: bool) -> dict:
    """name -> (task, population, episodes, generations timed)."""
    return {
        "heavy": (EnvTask("Pendulum-v1", PENDULUM), 32 if quick else 64, 2, 3 if quick else 7),
        "kernel": (KernelTask("CartPole-v1", SPEC, KERNELS["CartPole-v1"]), 200, 10, 5 if quick else 20),
        "trivial": (FunctionTask(trivial, SPEC), 100, 1, 30 if quick else 200),
    }


def seconds_per_generation(evaluator, genomes, seeds, generations: int) -> float:
    """Median wall seconds of one ``evaluate`` call, after one untimed call."""
    evaluator.evaluate(genomes, seeds)
    times = []
    for _ in range(generations):
        t = time.perf_counter()
        evaluator.evaluate(genomes, seeds)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(backends: list[tuple[str, str, int]], quick: bool) -> dict:
    out: dict = {}
    rng = np.random.default_rng(0)
    for name, (task, population, episodes, generations) in tasks(quick).items():
        genomes = task.spec.init_genomes(rng, population)
        seeds = np.arange(episodes, dtype=np.int64)
        for label, backend, workers in backends:
            with make_evaluator(task, workers, backend) as ev:
                s = seconds_per_generation(ev, genomes, seeds, generations)
            out.setdefault(name, {"population": population, "episodes": episodes})[label] = s
            print(f"  {name:8s} {label:10s} {s * 1e3:10.3f} ms/generation", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer generations (a smoke run)")
    parser.add_argument("--no-ray", action="store_true", help="skip Ray")
    args = parser.parse_args()
    load_before = os.getloadavg()
    print(f"load average {load_before[0]:.2f} on {os.cpu_count()} cores")
    results = measure([("serial", "serial", 1), ("process-1", "process", 1), ("process-2", "process", 2)],
                      args.quick)
    if not args.no_ray:  # after the pool: forking a process that runs Ray's threads is unsafe
        import ray

        t = time.perf_counter()
        ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
        ray_start = time.perf_counter() - t
        for name, r in measure([("ray-1", "ray", 1), ("ray-2", "ray", 2)], args.quick).items():
            results[name].update(r)
        ray.shutdown()
        results["ray_start_seconds"] = ray_start
    figures = {}
    for name in ("heavy", "kernel"):
        r = results[name]
        figures[f"{name}_speedup_process_2_vs_1"] = r["process-1"] / r["process-2"]
        figures[f"{name}_speedup_process_2_vs_serial"] = r["serial"] / r["process-2"]
        if "ray-2" in r:
            figures[f"{name}_speedup_ray_2_vs_1"] = r["ray-1"] / r["ray-2"]
            figures[f"{name}_ray_2_vs_process_2"] = r["ray-2"] / r["process-2"]
    t = results["trivial"]
    figures["trivial_overhead_ms_process_2_over_serial"] = (t["process-2"] - t["serial"]) * 1e3
    figures["trivial_overhead_ms_process_1_over_serial"] = (t["process-1"] - t["serial"]) * 1e3
    if "ray-2" in t:
        figures["trivial_overhead_ms_ray_2_over_serial"] = (t["ray-2"] - t["serial"]) * 1e3
    print()
    for k, v in figures.items():
        print(f"{k:45s} {v:8.2f}")
    load_after = os.getloadavg()
    record = {"figures": figures, "seconds_per_generation": results, "load_average_before": load_before,
              "load_average_after": load_after, "cpu_count": os.cpu_count(), "python": platform.python_version(),
              "machine": platform.machine(), "quick": args.quick, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path = Path(__file__).parent / "results" / "scaling.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record, indent=2))
    print(f"\nload average {load_after[0]:.2f} after; written to {path}")


if __name__ == "__main__":
    main()
