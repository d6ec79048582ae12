"""Cost of one ``ask`` + ``tell`` of every strategy, beside the ``cma`` package's, in one run.

Populations 64 / 256 / 1,024 and genomes of 100 / 1,000 / 10,000 weights; the fitness is a cheap sphere, so
what is timed is the strategy's own work per generation (sampling, sorting, recombination, the covariance
update). Reported: mean milliseconds per generation over ``reps`` generations after one untimed one (a mean,
not a median: CMA-ES's lazy eigendecomposition happens every few generations and belongs in the cost).

Full CMA-ES (ours and ``cma``'s) is skipped at 10,000 weights: its covariance alone is 800 MB and one
eigendecomposition takes minutes; sep-CMA-ES and ``cma`` with ``CMA_diagonal`` cover that size. Writes
``benchmarks/results/strategies.json`` with the load average (other jobs on the machine skew the figures).

Usage: ``PYTHONPATH=. python benchmarks/strategies.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from neuroevo.config import resolve
from neuroevo.network import NetworkSpec
from neuroevo.strategies import make_strategy

POPULATIONS = (64, 256, 1024)
WEIGHTS = (100, 1000, 10000)
OURS = ("ga", "cosyne", "cmaes", "sep-cmaes", "openai-es")
FULL_LIMIT = 1000  # full CMA-ES above this many weights: skipped (see the docstring)


def sphere(x: np.ndarray) -> np.ndarray:
    return -np.sum((x - 0.3) ** 2, axis=1)


def ours(name: str, population: int, n: int):
    spec = NetworkSpec((n - 1, 1), ("linear",))  # n weights
    section = {"cmaes": "cmaes", "sep-cmaes": "cmaes"}.get(name, name)
    config = resolve(flags={"task": {"fitness": "x:y", "network": [n - 1, 1]}, "run": {"algorithm": name},
                            section: {"population": population}})
    s = make_strategy(config, spec)

    def step():
        s.tell(sphere(s.ask()))
    return step


def reference(diagonal: bool, population: int, n: int):
    import cma

    es = cma.CMAEvolutionStrategy(np.zeros(n), 0.5, {"popsize": population, "verbose": -9, "CMA_diagonal": diagonal,
                                                       "seed": 1, "tolx": 0, "tolfun": 0, "tolflatfitness": 10**9})

    def step():
        x = es.ask()
        es.tell(x, list(-sphere(np.asarray(x))))
    return step


def ms_per_generation(step, reps: int) -> float:
    step()
    t = time.perf_counter()
    for _ in range(reps):
        step()
    return 1000 * (time.perf_counter() - t) / reps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer generations per size")
    args = p.parse_args()
    rows = []
    methods = [*OURS, "cma", "cma (CMA_diagonal)"]
    for n in WEIGHTS:
        for population in POPULATIONS:
            for m in methods:
                full = m in ("cmaes", "cma")
                if full and n > FULL_LIMIT:
                    rows.append({"method": m, "population": population, "weights": n, "ms": None,
                                 "skipped": "full covariance: 800 MB and minutes per eigendecomposition"})
                    continue
                reps = 3 if args.quick else (5 if n >= 10000 or population >= 1024 else 20)
                step = ours(m, population, n) if m in OURS else reference("diagonal" in m, population, n)
                ms = ms_per_generation(step, reps)
                rows.append({"method": m, "population": population, "weights": n, "ms": ms})
                print(f"{m:20} P={population:5} n={n:6}: {ms:9.2f} ms per ask+tell", flush=True)
    out = Path(__file__).parent / "results" / "strategies.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"benchmark": "strategies ask+tell", "machine": platform.platform(),
                               "cpus": os.cpu_count(), "load_average": os.getloadavg(), "rows": rows}, indent=2))
    print()
    print(table(rows))
    print(f"\nwritten to {out} (load average {os.getloadavg()[0]:.1f})")


def table(rows) -> str:
    """Markdown: one row per (weights, method), one column per population; milliseconds per ask + tell."""
    lines = ["| weights | strategy | " + " | ".join(f"P = {p}" for p in POPULATIONS) + " |",
             "|---:|---|" + "---:|" * len(POPULATIONS)]
    for n in WEIGHTS:
        for m in dict.fromkeys(r["method"] for r in rows):
            cells = {r["population"]: r["ms"] for r in rows if r["method"] == m and r["weights"] == n}
            lines.append(f"| {n:,} | {m} | " + " | ".join("skipped" if cells[p] is None else f"{cells[p]:.3g}"
                                                         for p in POPULATIONS) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
