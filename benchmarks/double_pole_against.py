"""The double-pole kernel today against the kernel of an earlier commit, in one run on one pinned core.

Two populations as an early generation of ``neuroevo bench double-pole`` scores them, each in fresh
subprocesses pinned to the same core, alternating rounds (``benchmarks/_baseline.py``), the same fitness
required: 150 random 6-1 tanh networks with velocities (fitness = steps balanced) and 150 random 3-1 tanh
networks without (Gruau's damping fitness over 1,000 steps). The default commit ``83ad8d5`` is the kernel
before the lanes (one episode at a time). Prints the ratios and writes
``benchmarks/results/double_pole_against.json``::

    PYTHONPATH=. python benchmarks/double_pole_against.py [--commit 83ad8d5] [--rounds 7] [--cpu 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _baseline  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from neuroevo.network import NetworkSpec  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "double_pole_against.json"
BEFORE_LANES = "83ad8d5"
#: (name, n_inputs, env keywords): the two tasks of the benchmark.
CASES = (("with velocities", 6, {"velocities": True}), ("without velocities (Gruau)", 3, {"velocities": False}))


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commit", default=BEFORE_LANES)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--cpu", type=int, default=1)
    a = p.parse_args(argv)
    rows = []
    for name, n_in, kwargs in CASES:
        genomes = NetworkSpec.build(n_in, (), 1, "tanh", "tanh").init_genomes(np.random.default_rng(0), 150)
        r = _baseline.compare("games.double_pole.kernel", (n_in, (), 1, "tanh", "tanh"), genomes, [0], kwargs,
                              commit=a.commit, cpu=a.cpu, rounds=a.rounds)
        print(f"double pole {name}, 150 random {n_in}-1 tanh, vs {a.commit} (cpu {a.cpu}): "
              f"{r['old_steps_per_cpu_s'] / 1e6:.2f} M -> {r['new_steps_per_cpu_s'] / 1e6:.2f} M steps/CPU-s, "
              f"best rates {r['ratio']:.2f}x, median of {a.rounds} paired rounds {r['median_round_ratio']:.2f}x "
              f"({min(r['round_ratios']):.2f}-{max(r['round_ratios']):.2f}x); same fitness: {r['same_fitness']}")
        rows.append({"case": name, **r})
    out = {"benchmark": "double_pole_against", "load_average_1min": os.getloadavg()[0], "rows": rows}
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    main()
