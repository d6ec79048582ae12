"""How close the process pool comes to two independent processes on CartPole-v1 (issue 15, point 4).

The same work is done two ways, in one run, on a population of 4-16-2 tanh networks x 10 episodes:

1. **independent**: two forked processes, each scoring its own half of the population with the serial
   kernel, started together (a barrier) — the most two cores can do with no coordination at all;
2. **pool, shared items** (the default for CartPole-v1): :class:`~neuroevo.evaluation.ProcessPoolEvaluator`
   with 2 workers, each playing the whole generation and claiming its (genome, episode) items from one
   counter in shared memory (``neuroevo/evaluation/shared_items.py``);
3. **pool, chunks** (``shared_items=False``): the same pool sending each worker chunks of genomes, for
   several ``chunks_per_worker`` (the scheduler hands the next chunk to the first idle worker, so more
   chunks balance uneven episode lengths, at one pipe round trip and one kernel tail each).

Prints agent-steps/s of each and the pool's fraction of the independent figure; writes
``benchmarks/results/pool_efficiency.json``. The genomes are drawn so that episode lengths spread from 8 to
500 steps, as in an early generation (the case where a half can take much longer than the other)::

    PYTHONPATH=. python benchmarks/pool_efficiency.py [--population 1000] [--rounds 20] [--repeats 3]
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


def _independent_worker(genomes, rounds, barrier, queue) -> None:
    with SerialEvaluator(_task()) as ev:
        ev.evaluate(genomes[:4], np.arange(EPISODES))  # compiled before the clock starts
        barrier.wait()
        start, steps = time.perf_counter(), 0
        for r in range(rounds):
            steps += ev.evaluate(genomes, np.arange(r * EPISODES, (r + 1) * EPISODES))[1]
        queue.put((steps, start, time.perf_counter()))


def independent(genomes: np.ndarray, rounds: int) -> float:
    """Agent-steps/s of two processes scoring one half each, from the common start to the last finish."""
    ctx = mp.get_context("fork")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_independent_worker, args=(half, rounds, barrier, queue))
             for half in np.array_split(genomes, 2)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    steps = sum(r[0] for r in results)
    return steps / (max(r[2] for r in results) - min(r[1] for r in results))


def pool(genomes: np.ndarray, rounds: int, chunks_per_worker: int, shared_items: bool = False) -> float:
    """Agent-steps/s of the 2-worker pool scoring the whole population ``rounds`` times."""
    with ProcessPoolEvaluator(_task(), 2, chunks_per_worker, shared_items=shared_items) as ev:
        ev.evaluate(genomes[:8], np.arange(EPISODES))  # the workers are warm
        start, steps = time.perf_counter(), 0
        for r in range(rounds):
            steps += ev.evaluate(genomes, np.arange(r * EPISODES, (r + 1) * EPISODES))[1]
        return steps / (time.perf_counter() - start)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20, help="generations timed per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="measurements of each; the median is reported")
    ap.add_argument("--chunks", default="1,2,4,8", help="chunks_per_worker values of the pool")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    genomes = SPEC.init_genomes(np.random.default_rng(0), args.population) * 4.0
    chunks = [int(c) for c in args.chunks.split(",")]
    load = os.getloadavg()
    variants = ["shared items", *chunks]
    ind, pools = [], {v: [] for v in variants}
    for _ in range(args.repeats):  # interleaved, so a change of load hits every variant alike
        ind.append(independent(genomes, args.rounds))
        for v in variants:
            pools[v].append(pool(genomes, args.rounds, 1, True) if v == "shared items" else
                            pool(genomes, args.rounds, int(v)))
    ref = float(np.median(ind))
    rows = [{"pool": v if v == "shared items" else f"{v} chunks/worker", "steps_per_s": float(np.median(s)),
             "fraction_of_independent": float(np.median(s)) / ref,
             "round_fractions": [a / b for a, b in zip(s, ind)], "all_steps_per_s": s} for v, s in pools.items()]
    print(f"two independent processes: {ref:,.0f} agent-steps/s (median of {args.repeats})")
    print(f"{'pool':>16} {'steps/s':>14} {'of independent':>15}")
    for r in rows:
        print(f"{r['pool']:>16} {r['steps_per_s']:>14,.0f} {r['fraction_of_independent']:>14.1%}")
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
