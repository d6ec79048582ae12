"""Evaluations and wall time each strategy needs on continuous and discrete control, in one run.

Training goes through the classic-control Numba kernels (``neuroevo envs`` lists them; chosen automatically
for these ids, bit-identical to Gymnasium's envs), so a budget of 20 M env steps takes seconds of search.

For every strategy and seed: evolve with the strategy's defaults (``neuroevo evolve --algorithm NAME --env
ID``, network ``--hidden``) until the generation's best genome reaches a mean evaluation return of at least
the target on 10 fixed validation episodes (Pendulum-v1: -200, Acrobot-v1: -100, Gymnasium's
``reward_threshold``), or the env-step budget runs out. Reported per strategy: runs that reached the target,
median evaluations (genomes scored) and median wall seconds to it (validation time left out), over the
successful seeds. Writes ``benchmarks/results/strategies_control[-<env>].json`` with the load average.

Usage: ``PYTHONPATH=. python benchmarks/strategies_control.py [--seeds 5] [--jobs 2] [--budget 3000000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

TARGETS = {"Pendulum-v1": -200.0, "Acrobot-v1": -100.0}
STRATEGIES = ("ga", "cosyne", "cmaes", "sep-cmaes", "openai-es")


def one_run(args) -> dict:
    env, name, seed, budget, hidden = args
    from neuroevo.baselines.common import Evaluator as Validation
    from neuroevo.callbacks import Callback
    from neuroevo.config import resolve
    from neuroevo.evaluation.factory import make_task
    from neuroevo.population import Population
    from neuroevo.strategies import make_strategy

    config = resolve(flags={"task": {"env": env}, "network": {"hidden": list(hidden)},
                            "run": {"algorithm": name, "seed": seed}})
    task = make_task(config)
    task.warmup()
    validation = Validation(env, task.spec, {}, 10, np.random.default_rng(10_000 + seed))
    target = TARGETS[env]

    class Watch(Callback):
        def __init__(self):
            self.eval_seconds, self.reached, self.best = 0.0, None, -np.inf

        def on_generation_end(self, record):
            t = time.perf_counter()
            score = validation(record.genomes[int(np.argmax(record.fitness))])
            self.eval_seconds += time.perf_counter() - t
            self.best = max(self.best, score)
            if score >= target and self.reached is None:
                self.reached = (record.evaluations, record.elapsed - self.eval_seconds, record.env_steps)
            return not (self.reached or record.env_steps >= budget)

    watch = Watch()
    strategy = make_strategy(config, task.spec)
    run = Population(task, strategy, callbacks=[watch], episodes=config.task.episodes).run(10**9)
    out = {"env": env, "strategy": name, "seed": seed, "population": strategy.population_size,
           "weights": task.spec.n_params, "generations": run.generations, "env_steps": run.env_steps,
           "seconds": run.elapsed - watch.eval_seconds, "best_validation": watch.best, "reached": bool(watch.reached)}
    if watch.reached:
        out.update(evaluations_to_target=watch.reached[0], seconds_to_target=watch.reached[1],
                   env_steps_to_target=watch.reached[2])
    print(f"{env:12} {name:10} seed {seed}: {'reached' if watch.reached else 'not reached'} "
          f"(best validation {watch.best:.1f}) after {run.generations} generations, {run.env_steps:,} steps, "
          f"{out['seconds']:.1f} s", flush=True)
    return out


def _median_all(runs, key: str) -> str:
    """Median over every seed, a run that never reached the target counting as beyond the budget."""
    values = sorted((r[key] if r["reached"] else float("inf")) for r in runs)
    m = statistics.median(values) if len(values) % 2 else values[len(values) // 2]  # upper median: no inf/2
    return "not reached" if m == float("inf") else (f"{m:,.0f}" if key == "evaluations_to_target" else f"{m:.2f}")


def summary(rows) -> str:
    """Markdown table per env and strategy: seeds reaching the target, the median over all seeds (a seed that
    did not reach it counts as beyond the budget) of evaluations and wall seconds, and the same over the
    seeds that reached it, and the median best validation return."""
    lines = ["| env | strategy | population | reached | median evaluations (all seeds) | median wall s (all seeds) "
             "| median evaluations (seeds that reached) | median best validation |",
             "|---|---|---:|---|---:|---:|---:|---:|"]
    for env in TARGETS:
        for name in STRATEGIES:
            runs = [r for r in rows if r["env"] == env and r["strategy"] == name]
            if not runs:
                continue
            ok = [r for r in runs if r["reached"]]
            ev = f"{statistics.median(r['evaluations_to_target'] for r in ok):,.0f}" if ok else "-"
            best = statistics.median(r["best_validation"] for r in runs)
            lines.append(f"| {env} | {name} | {runs[0]['population']} | {len(ok)}/{len(runs)} | "
                         f"{_median_all(runs, 'evaluations_to_target')} | {_median_all(runs, 'seconds_to_target')} | "
                         f"{ev} | {best:.1f} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--jobs", type=int, default=2, help="runs at once (each serial)")
    p.add_argument("--budget", type=int, default=3_000_000, help="env steps per run")
    p.add_argument("--hidden", type=int, nargs="*", default=[8])
    p.add_argument("--envs", nargs="*", default=list(TARGETS))
    p.add_argument("--strategies", nargs="*", default=list(STRATEGIES))
    p.add_argument("--table", metavar="JSON", help="only print the table of an earlier run's JSON (and update it)")
    args = p.parse_args()
    if args.table:
        data = json.loads(Path(args.table).read_text())
        data["table"] = summary(data["rows"])
        Path(args.table).write_text(json.dumps(data, indent=2))
        print(data["table"])
        return
    load_before = os.getloadavg()
    jobs = [(env, name, seed, args.budget, tuple(args.hidden)) for env in args.envs for name in args.strategies
            for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one_run, jobs))
    table = summary(rows)
    print()
    print(table)
    name = "strategies_control" + ("" if args.envs == list(TARGETS) else "-" + "-".join(e.lower() for e in args.envs))
    out = Path(__file__).parent / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"benchmark": "strategies on control tasks", "machine": platform.platform(),
                               "cpus": os.cpu_count(), "load_average_before": load_before,
                               "load_average_after": os.getloadavg(), "budget_env_steps": args.budget,
                               "hidden": args.hidden, "rows": rows, "table": table}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
