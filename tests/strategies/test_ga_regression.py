"""The GA behind the Strategy seam gives the history.csv recorded from main before the seam existed.

``fitness_history.csv`` was re-recorded when the networks' sums and ``exp`` moved to fused multiply-adds
(issue 15): its fitness is a network's raw outputs, whose last bits changed (differences of 1-2 ULP, the
same selections); ``cartpole_history.csv`` (episode returns) did not change."""

import csv
from pathlib import Path

import pytest

from neuroevo.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
RECORDED = FIXTURES / "ga_regression"


def _rows(path):
    with open(path, newline="") as f:
        return [r[:-1] for r in csv.reader(f)]  # elapsed_s is wall time


@pytest.mark.parametrize("name, argv", [
    ("cartpole_history.csv", ["--generations", "5", "--population", "24", "--episodes", "2", "--seed", "3",
                              "--target", "1e9", "--hidden", "4"]),
    ("fitness_history.csv", ["--fitness", str(FIXTURES / "fitness_fns.py") + ":sum_of_outputs", "--inputs", "3",
                             "--outputs", "2", "--hidden", "4", "--generations", "6", "--population", "16",
                             "--seed", "5"]),
])
def test_ga_history_is_bit_identical_to_the_recorded_one(tmp_path, name, argv):
    out = tmp_path / "run"
    assert main(["evolve", *argv, "--workers", "1", "--out", str(out), "-q"]) == 0
    assert _rows(out / "history.csv") == _rows(RECORDED / name)
    assert (out / "config.toml").read_text().count("[ga]") == 1


def test_algorithm_ga_is_the_default(tmp_path):
    argv = ["evolve", "--fitness", str(FIXTURES / "fitness_fns.py") + ":sum_of_outputs", "--inputs", "3",
            "--outputs", "2", "--hidden", "4", "--generations", "6", "--population", "16", "--seed", "5",
            "--workers", "1", "-q", "--algorithm", "ga", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    assert _rows(tmp_path / "run" / "history.csv") == _rows(RECORDED / "fitness_history.csv")
