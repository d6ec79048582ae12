"""The README's comparison on CartPole-v1: GA, random search, REINFORCE and DQN, 5 seeds, 100,000 env steps.

    PYTHONPATH=. python benchmarks/compare_cartpole.py   # = neuroevo compare --env CartPole-v1 --seeds 5 \\
                                                          #     --budget-steps 100000 --out benchmarks/results/compare_cartpole
    PYTHONPATH=. python benchmarks/compare_cartpole.py --replot   # curves.png again from the saved curves/*.csv
"""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from neuroevo.compare import compare, plot_curves

OUT = Path("benchmarks/results/compare_cartpole")
METHODS = ["ga", "random-search", "reinforce", "dqn"]


def replot(folder: Path = OUT) -> Path:
    """Draw ``curves.png`` from the run's ``curves/<method>-seed<k>.csv`` (no training)."""
    results = {}
    for m in METHODS:
        runs = []
        for path in sorted((folder / "curves").glob(f"{m}-seed*.csv")):
            lines = path.read_text().splitlines()
            columns = tuple(lines[0].split(","))
            curve = np.array([[float(v) for v in line.split(",")] for line in lines[1:]]).reshape(-1, len(columns))
            seconds = float(curve[-1, columns.index("seconds")]) if len(curve) else 0.0
            runs.append(SimpleNamespace(columns=columns, curve=curve, seconds=seconds, threshold=475.0))
        results[m] = runs
    return plot_curves(results, folder / "curves.png", "CartPole-v1", 100_000, True)


if __name__ == "__main__":
    if "--replot" in sys.argv[1:]:
        print(f"wrote {replot()}")
        sys.exit(0)
    c = compare(env="CartPole-v1", methods=METHODS, seeds=5, budget_steps=100_000, out=str(OUT))
    print((c.folder / "summary.md").read_text())
