"""XOR with the paper's settings (Stanley & Miikkulainen 2002, section 4.1): runs, solved count and mean
evaluations to a solution (the paper: 100 of 100 runs, 4,755 evaluations on average, sd 2,553).

A run is solved when a network's output is on the right side of 0.5 for all four patterns (the paper's
criterion); evaluations count the genomes scored until the solver, as the reference counts them
(``pop_size * (generation - 1) + index``). Fitness is the paper's ``(4 - sum |error|)^2`` (``--fitness
neat-python`` for neat-python's ``4 - sum of squared errors``). ``--set key=value`` changes a parameter of
:func:`~neuroevo.strategies.neat.paper_config` (the ablations of the README). Runs go to ``--workers``
processes; seed ``i`` is run ``i``, so the result does not depend on the workers. Writes JSON. Usage::

    python benchmarks/neat_xor.py [--runs 100] [--workers 2] [--set key=value ...]
                                  [--out benchmarks/results/neat_xor.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from neuroevo.strategies.neat import NEAT, paper_config, population_outputs  # noqa: E402

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])


def run(seed: int, fitness: str, max_generations: int = 500, overrides: dict | None = None) -> dict:
    neat = NEAT(paper_config(**(overrides or {})), seed=seed, n_in=2, n_out=1)
    for g in range(max_generations):
        out = population_outputs(neat.ask(), X)[:, :, 0]
        solved = np.all((out > 0.5) == (Y > 0.5), axis=1)
        if solved.any():
            index = int(np.argmax(solved))
            best = neat.population[index]
            return {"seed": seed, "solved": True, "generations": g + 1, "evaluations": g * len(out) + index + 1,
                    "hidden_nodes": len(best.nodes) - 1, "species": len(neat.species.species)}
        err = out - Y
        f = (4.0 - np.abs(err).sum(1)) ** 2 if fitness == "paper" else 4.0 - (err ** 2).sum(1)
        neat.tell(f)
    return {"seed": seed, "solved": False, "generations": max_generations,
            "evaluations": max_generations * neat.config.neat.pop_size}


def _run_star(args: tuple) -> dict:
    return run(*args)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--fitness", choices=["neat-python", "paper"], default="paper")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a paper_config key")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "neat_xor.json"))
    args = p.parse_args(argv)
    overrides = dict(kv.split("=", 1) for kv in args.set)
    config = paper_config(**overrides)  # a bad key or value fails here, in one line
    start = time.perf_counter()
    jobs = [(seed, args.fitness, 500, overrides) for seed in range(args.runs)]
    if args.workers > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(args.workers) as pool:
            runs = pool.map(_run_star, jobs)
    else:
        runs = [_run_star(j) for j in jobs]
    solved = [r for r in runs if r["solved"]]
    ev = np.array([r["evaluations"] for r in solved], float)
    summary = {"runs": args.runs, "solved": len(solved), "mean_evaluations": float(ev.mean()) if len(ev) else None,
               "sd_evaluations": float(ev.std()) if len(ev) else None,
               "median_evaluations": float(np.median(ev)) if len(ev) else None,
               "max_evaluations": float(ev.max()) if len(ev) else None,
               "mean_hidden_nodes": float(np.mean([r["hidden_nodes"] for r in solved])) if solved else None,
               "paper": {"solved": "100/100", "mean_evaluations": 4755, "sd_evaluations": 2553},
               "fitness": args.fitness, "overrides": overrides, "seconds": time.perf_counter() - start,
               "load_average": list(os.getloadavg()), "config": config.to_flat()}
    print(f"XOR, the paper's settings{' with ' + str(overrides) if overrides else ''}: {len(solved)}/{args.runs} "
          f"solved, mean {summary['mean_evaluations']:.0f} evaluations (sd {summary['sd_evaluations']:.0f}, median "
          f"{summary['median_evaluations']:.0f}, max {summary['max_evaluations']:.0f}); the paper: 100/100, 4,755 "
          f"(sd 2,553)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    tmp.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
