"""How close the process pool comes to two independent processes on CartPole-v1 (issue 15, point 4).

The same work is done two ways, in one run, on a population of 4-16-2 tanh networks x 10 episodes:

1. **independent**: two processes, each scoring its own half of the population with the serial kernel,
   started together (a barrier) — the most two cores can do with no coordination at all;
2. **pool, shared items** (the default for CartPole-v1): :class:`~neuroevo.evaluation.ProcessPoolEvaluator`
   with 2 workers: the parent and one worker play the whole generation, claiming its (genome, episode)
   items from one counter in shared memory (``neuroevo/evaluation/shared_items.py``);
3. **pool, chunks** (``shared_items=False``): the same pool sending each worker chunks of genomes, for
   several ``chunks_per_worker`` (the scheduler hands the next chunk to the first idle worker, so more
   chunks balance uneven episode lengths, at one pipe round trip and one kernel tail each).

Every process lives for the whole run (forked and warmed once), so a measurement times generations only,
no fork or first touch. Each repeat measures the independent pair, then every pool (in an order rotated
from repeat to repeat), then the independent pair again; a pool's fraction in that repeat is its rate over
the mean of the two independent rates around it, so a slow spell of the host hits both sides of a ratio.
The figure reported is the median over the repeats of those paired fractions.

Prints agent-steps/s of each and the pool's fraction of the independent figure; writes
``benchmarks/results/pool_efficiency.json``. The genomes are drawn so that episode lengths spread from 8 to
500 steps, as in an early generation (the case where a half can take much longer than the other)::

    PYTHONPATH=. python benchmarks/pool_efficiency.py [--population 1000] [--rounds 30] [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from neuroevo.evaluation import KernelTask, ProcessPoolEvaluator, SerialEvaluator  # noqa: E402
from neuroevo.network import NetworkSpec  # noqa: E402

SPEC = NetworkSpec((4, 16, 2), ("tanh", "linear"))
EPISODES = 10
OUT = Path(__file__).parent / "results" / "pool_efficiency.json"


def _task() -> KernelTask:
    return KernelTask("CartPole-v1", SPEC, "games.cartpole.kernel:population_fitness")


def _independent_worker(genomes: np.ndarray, rounds: int, barrier, conn) -> None:
    with SerialEvaluator(_task()) as ev:
        ev.evaluate(genomes[:4], np.arange(EPISODES))  # compiled before the clock starts
        while conn.recv():
            barrier.wait()
            start, steps = time.perf_counter(), 0
            for r in range(rounds):
                steps += ev.evaluate(genomes, np.arange(r * EPISODES, (r + 1) * EPISODES))[1]
            conn.send((steps, start, time.perf_counter()))


class Independent:
    """Two processes, each with its half of the population, for the whole run; :meth:`rate` times one
    measurement of ``rounds`` generations each."""

    def __init__(self, genomes: np.ndarray, rounds: int):
        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(2)
        self.conns, self.procs = [], []
        for half in np.array_split(genomes, 2):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_independent_worker, args=(half, rounds, barrier, child), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    def rate(self) -> float:
        """Agent-steps/s of both halves, from the common start to the last finish."""
        for c in self.conns:
            c.send(True)
        results = [c.recv() for c in self.conns]
        return sum(r[0] for r in results) / (max(r[2] for r in results) - min(r[1] for r in results))

    def close(self) -> None:
        for c in self.conns:
            c.send(False)
        for p in self.procs:
            p.join()


def pool_rate(ev: ProcessPoolEvaluator, genomes: np.ndarray, rounds: int) -> float:
    """Agent-steps/s of a pool scoring the whole population ``rounds`` times."""
    start, steps = time.perf_counter(), 0
    for r in range(rounds):
        steps += ev.evaluate(genomes, np.arange(r * EPISODES, (r + 1) * EPISODES))[1]
    return steps / (time.perf_counter() - start)


def measure(genomes: np.ndarray, rounds: int, repeats: int, variants: list) -> tuple[list, dict]:
    """``(independent rates, {variant: [(rate, paired fraction), ...]})``; a variant is ``"shared items"`` or
    a ``chunks_per_worker``."""
    pools = {v: ProcessPoolEvaluator(_task(), 2, 1 if v == "shared items" else int(v),
                                     shared_items=v == "shared items") for v in variants}
    ind = Independent(genomes, rounds)
    rates: list = []
    got: dict = {v: [] for v in variants}
    try:
        for ev in pools.values():
            ev.__enter__()
            ev.evaluate(genomes[:8], np.arange(EPISODES))  # the workers are warm
        ind.rate()
        for i in range(repeats):
            before = ind.rate()
            order = variants[i % len(variants):] + variants[:i % len(variants)]
            round_rates = {v: pool_rate(pools[v], genomes, rounds) for v in order}
            after = ind.rate()
            rates += [before, after]
            for v in variants:
                got[v].append((round_rates[v], 2 * round_rates[v] / (before + after)))
    finally:
        ind.close()
        for ev in pools.values():
            ev.close()
    return rates, got


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=30, help="generations timed per measurement")
    ap.add_argument("--repeats", type=int, default=15, help="paired measurements; the median is reported")
    ap.add_argument("--chunks", default="1,2,4,8", help="chunks_per_worker values of the pool ('' for none)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    genomes = SPEC.init_genomes(np.random.default_rng(0), args.population) * 4.0
    chunks = [int(c) for c in args.chunks.split(",") if c]
    load = os.getloadavg()
    ind, got = measure(genomes, args.rounds, args.repeats, ["shared items", *chunks])
    ref = float(np.median(ind))
    rows = [{"pool": v if v == "shared items" else f"{v} chunks/worker",
             "steps_per_s": float(np.median([r for r, _ in g])),
             "fraction_of_independent": float(np.median([f for _, f in g])),
             "round_fractions": [f for _, f in g], "all_steps_per_s": [r for r, _ in g]} for v, g in got.items()]
    print(f"two independent processes: {ref:,.0f} agent-steps/s (median of {len(ind)})")
    print(f"{'pool':>16} {'steps/s':>14} {'of independent':>15} {'repeats at 95 % or more':>24}")
    for r in rows:
        above = sum(f >= 0.95 for f in r["round_fractions"])
        print(f"{r['pool']:>16} {r['steps_per_s']:>14,.0f} {r['fraction_of_independent']:>14.1%} "
              f"{above:>17} of {len(r['round_fractions'])}")
    out = {"benchmark": "pool_efficiency", "task": "CartPole-v1", "network": "4-16-2 tanh/linear",
           "population": args.population, "episodes": EPISODES, "rounds": args.rounds, "repeats": args.repeats,
           "independent_steps_per_s": ref, "all_independent_steps_per_s": ind, "pool": rows,
           "default_chunks_per_worker": ProcessPoolEvaluator.__init__.__defaults__[0],
           "default_shared_items": ProcessPoolEvaluator.__init__.__defaults__[-1],
           "load_average_before": load, "load_average_after": os.getloadavg(),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "processor": platform.machine()}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {args.out}")
    return out


if __name__ == "__main__":
    main()
