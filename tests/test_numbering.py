"""One generation numbering (from 1) in the console, history.csv, run.log, the plot, checkpoints and best.json;
and the fitness plot a person would want (a single generation visible, bands within the observed fitness)."""

import csv
import json

import numpy as np
import pytest

from neuroevo.cli import main
from neuroevo.plots import plot_history


def _rows(folder):
    with open(folder / "history.csv", newline="") as f:
        return list(csv.reader(f))[1:]


def test_every_file_counts_generations_from_one(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "3", "--population", "10", "--episodes", "1", "--target", "1e9",
                 "--workers", "1", "--checkpoint-every", "1", "--out", str(out)]) == 0
    console = capsys.readouterr()
    assert [r[0] for r in _rows(out)] == ["1", "2", "3"]
    log = (out / "run.log").read_text()
    assert "gen 1 INFO neuroevo: generation 1 best" in log and "generation 0 " not in log
    assert "gen 0 " not in log
    assert json.loads((out / "best.json").read_text())["generation"] == 3
    assert (out / "checkpoint-000003.npz").is_file()
    assert "after 3 generations" in console.out


def test_resume_renumbers_an_old_zero_based_history(tmp_path):
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--target", "1e9",
                 "--workers", "1", "--out", str(out)]) == 0
    rows = _rows(out)
    old = [["generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s"]]
    old += [[str(int(r[0]) - 1), *r[1:]] for r in rows]  # what neuroevo < 0.2 wrote
    with open(out / "history.csv", "w", newline="") as f:
        csv.writer(f).writerows(old)
    assert main(["evolve", "--resume", str(out), "--generations", "3"]) == 0
    assert [r[0] for r in _rows(out)] == ["1", "2", "3"]
    assert [r[1:] for r in _rows(out)[:2]] == [r[1:] for r in rows]


def _history(path, gens, best, mean, std, low):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s"])
        for row in zip(gens, best, mean, std, low):
            w.writerow([*row, 1, 1, 0.1])


def _axes_of(png, monkeypatch, *args, **kw):
    """Draw and capture the Axes (the plot's own figure, no pyplot)."""
    import matplotlib.figure

    seen = []
    original = matplotlib.figure.Figure.savefig

    def savefig(self, *a, **k):
        seen.append(self.axes[0])
        return original(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    plot_history(*args, **kw)
    return seen[0]


def test_single_generation_is_visible_and_target_drawn(tmp_path, monkeypatch):
    _history(tmp_path / "h.csv", [1], [500.0], [79.7], [123.6], [8.8])
    ax = _axes_of(tmp_path / "f.png", monkeypatch, tmp_path / "h.csv", tmp_path / "f.png", "CartPole-v1", 500)
    markers = {line.get_label(): line.get_marker() for line in ax.get_lines()}
    assert markers["best"] == "o" and markers["mean"] == "o"  # one point per line, drawn as markers
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1"]
    assert any(line.get_label() == "target 500" for line in ax.get_lines())
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_band_stays_within_observed_fitness(tmp_path, monkeypatch):
    gens = np.arange(1, 21)
    _history(tmp_path / "h.csv", gens, np.full(20, -70.0), np.full(20, -440.0), np.full(20, 130.0),
             np.full(20, -500.0))
    ax = _axes_of(tmp_path / "f.png", monkeypatch, tmp_path / "h.csv", tmp_path / "f.png", "Acrobot-v1")
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= -500.0 and band[:, 1].max() <= -70.0
    assert not [line for line in ax.get_lines() if line.get_label().startswith("target")]


def test_plotting_changes_no_global_matplotlib_state(tmp_path):
    """No pyplot, no matplotlib.use: a program using neuroevo keeps its own backend and figures."""
    import subprocess
    import sys

    _history(tmp_path / "h.csv", [1, 2], [1.0, 2.0], [0.5, 1.0], [0.1, 0.1], [0.0, 0.5])
    code = ("import sys, matplotlib; matplotlib.use('svg'); from neuroevo.plots import plot_history; "
            f"plot_history({str(tmp_path / 'h.csv')!r}, {str(tmp_path / 'f.png')!r}); "
            "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
