"""CartPole-v1's kernel today against the kernel of an earlier commit, in one run on one pinned core.

Both sides score the throughput benchmark's population (1,000 genomes of 4-16-2 tanh, 10 episodes each) in
fresh subprocesses pinned to the same core, alternating rounds (``benchmarks/_baseline.py``), and must
return the same fitness. The default commit ``1a9cb9b`` is the kernel before the interleaved, fused tanh of
``neuroevo/networks/simd_tanh.py``. Prints the ratios and writes ``benchmarks/results/cartpole_against.json``::

    PYTHONPATH=. python benchmarks/cartpole_against.py [--commit 1a9cb9b] [--rounds 9] [--cpu 1]
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
import throughput  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "cartpole_against.json"
BEFORE_TANH = "1a9cb9b"


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commit", default=BEFORE_TANH)
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--cpu", type=int, default=1)
    a = p.parse_args(argv)
    r = _baseline.compare("games.cartpole.kernel", (4, (16,), 2, "tanh", "tanh"), throughput.population(1000),
                          np.arange(throughput.EPISODES), {}, commit=a.commit, cpu=a.cpu, rounds=a.rounds)
    r["load_average_1min"] = os.getloadavg()[0]
    print(f"CartPole-v1 kernel vs {a.commit} (1,000 x {throughput.EPISODES} episodes, cpu {a.cpu}, "
          f"load {r['load_average_1min']:.1f}): {r['old_steps_per_cpu_s'] / 1e6:.2f} M -> "
          f"{r['new_steps_per_cpu_s'] / 1e6:.2f} M agent-steps/CPU-s, best rates {r['ratio']:.3f}x, median of "
          f"{a.rounds} paired rounds {r['median_round_ratio']:.3f}x "
          f"({min(r['round_ratios']):.2f}-{max(r['round_ratios']):.2f}x); same fitness: {r['same_fitness']}")
    OUT.write_text(json.dumps(r, indent=2))
    return r


if __name__ == "__main__":
    main()
