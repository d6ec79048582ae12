"""A game kernel at an earlier commit timed beside today's, in one run on one pinned core.

The speed-ups the issues ask for ("10x today's car kernel") are ratios measured here, not against figures
from another machine: :func:`compare` checks the earlier commit out into a temporary git worktree, then runs
the same ``population_fitness(spec, genomes, seeds, **kwargs)`` call of both trees in fresh subprocesses
(``PYTHONPATH`` = that tree), pinned to the same core, alternating old/new rounds, best CPU time per call of
each, every timing at least half a second long on both sides.
It also checks that both trees return the same fitness for every genome.

The commit ``FILED`` is the one whose figures issue 15 quotes (433 k car-steps/s, 4.8 M bird-steps/s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FILED = "3310c6c"  # benchmarks/results/{car,flappy}_throughput.json as issue 15 quotes them

_RUN = r"""
import importlib, json, os, sys, time
import numpy as np
a = json.loads(sys.argv[1])
os.sched_setaffinity(0, {a["cpu"]})
from neuroevo.network import NetworkSpec
spec = NetworkSpec.build(a["n_in"], a["hidden"], a["n_out"], a["activation"], a["output_activation"])
genomes = np.load(a["genomes"])
fn = getattr(importlib.import_module(a["module"]), a["function"])
fn(spec, genomes[:2], a["seeds"][:1], **a["kwargs"])
best = float("inf")
for _ in range(a["repeats"]):
    t0, calls = time.process_time(), 0
    while calls == 0 or time.process_time() - t0 < a["min_seconds"]:
        fitness, steps = fn(spec, genomes, a["seeds"], **a["kwargs"])
        calls += 1
    best = min(best, (time.process_time() - t0) / calls)
np.save(a["fitness_out"], fitness)
print(json.dumps({"steps": int(steps), "cpu_seconds": best}))
"""


def worktree(commit: str) -> Path:
    """A detached git worktree of ``commit`` under the temporary directory (made once, then reused)."""
    path = Path(tempfile.gettempdir()) / f"neuroevo-baseline-{commit}"
    if not (path / "neuroevo").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--force", "--detach", str(path), commit],
                       check=True, capture_output=True)
    return path


def _time(tree: Path, args: dict, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    payload = json.dumps({**args, "fitness_out": str(out)})
    proc = subprocess.run([sys.executable, "-c", _RUN, payload], env=env, cwd=str(tree), check=True,
                          capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(module: str, layers: tuple, genomes: np.ndarray, seeds, kwargs: dict, *, commit: str = FILED,
            cpu: int = 1, rounds: int = 3, repeats: int = 3, min_seconds: float = 0.5,
            function: str = "population_fitness") -> dict:
    """Steps per CPU-second of ``module.population_fitness`` (or ``module.<function>``, called the same way)
    today and at ``commit``.

    Args:
        module: e.g. ``"games.car_track.kernel"``.
        layers: ``(n_in, hidden, n_out, activation, output_activation)`` for ``NetworkSpec.build``.
        genomes: (P, n_params) float64. seeds: the episode seeds. kwargs: the env keywords.
        cpu: the core both sides are pinned to; rounds x repeats: timings per side (the best kept), each
            over at least ``min_seconds`` of CPU time (the call repeated): a fast kernel's short call would
            otherwise be timed in a quieter moment of the host than a slow one's long call, and gain from it.

    Returns:
        ``{"commit", "steps", "old_steps_per_cpu_s", "new_steps_per_cpu_s", "ratio", "round_ratios",
        "median_round_ratio", "same_fitness"}``: ``ratio`` of the best rates, ``round_ratios`` of each
        round's two sides (timed seconds apart, so a slow drift of the host cancels), and their median.

    Raises:
        subprocess.CalledProcessError: if either side fails (its stderr is in the exception).
    """
    old_tree = worktree(commit)
    with tempfile.TemporaryDirectory() as tmp:
        g = Path(tmp) / "genomes.npy"
        np.save(g, genomes)
        args = {"module": module, "n_in": layers[0], "hidden": list(layers[1]), "n_out": layers[2],
                "activation": layers[3], "output_activation": layers[4], "genomes": str(g),
                "seeds": [int(s) for s in seeds], "kwargs": kwargs, "cpu": cpu, "repeats": repeats,
                "min_seconds": min_seconds, "function": function}
        seconds = {"old": [], "new": []}
        steps = {}
        for _ in range(rounds):
            for side, tree in (("old", old_tree), ("new", ROOT)):
                r = _time(tree, args, Path(tmp) / f"{side}.npy")
                seconds[side].append(r["cpu_seconds"])
                steps[side] = r["steps"]
        same = bool(np.array_equal(np.load(Path(tmp) / "old.npy"), np.load(Path(tmp) / "new.npy"))
                    and steps["old"] == steps["new"])
    old, new = steps["old"] / min(seconds["old"]), steps["new"] / min(seconds["new"])
    paired = [o / n for o, n in zip(seconds["old"], seconds["new"])]  # each round's two sides, seconds apart
    return {"commit": commit, "steps": steps["new"], "old_steps_per_cpu_s": old, "new_steps_per_cpu_s": new,
            "ratio": new / old, "round_ratios": paired, "median_round_ratio": float(np.median(paired)),
            "same_fitness": same}
