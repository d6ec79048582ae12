"""neuroevo bench: runs, tables, champions (short runs; the published-table measurements are marked slow)."""

import json

import numpy as np
import pytest

from neuroevo.agent import load_agent
from neuroevo.bench import PUBLISHED, markdown, run_bench
from neuroevo.cli import main


def test_bench_cli_writes_tables_plot_and_watchable_champions(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["bench", "double-pole", "--velocities", "--runs", "2", "--workers", "2", "--out", str(out)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["task"] == "double-pole-velocities" and len(data["runs"]) == 2
    assert set(data["runs"][0]) >= {"seed", "solved", "evaluations", "generalisation", "wall_s"}
    assert data["published"] == PUBLISHED["double-pole-velocities"]
    assert "CMA-ES (published) | - | 895" in (out / "results.md").read_text()
    assert (out / "results.csv").read_text().startswith("seed,solved,evaluations")
    assert (out / "evaluations.png").stat().st_size > 5000
    for r in data["runs"]:
        agent = load_agent(out / f"run-{r['seed']}")
        assert agent.env_id == "neuroevo/DoublePole-v0" and agent.env_kwargs["velocities"] is True
        if r["solved"]:
            from games.double_pole.kernel import solves
            assert solves(agent.spec, agent.genome[None])[0]
    assert "runs solved" in capsys.readouterr().out


def test_same_seed_same_result_whatever_the_workers(tmp_path):
    a = run_bench("single-pole", "ga", 2, workers=1)
    b = run_bench("single-pole", "ga", 2, workers=2)
    strip = lambda d: [{k: v for k, v in r.items() if k != "wall_s"} for r in d["runs"]]  # noqa: E731
    assert strip(a) == strip(b)


def test_bench_errors_are_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "double-pole", "--algorithm", "nope", "--runs", "1"]) == 2
    assert "unknown --algorithm" in capsys.readouterr().err
    assert main(["bench", "double-pole", "--runs", "0"]) == 2
    assert list(tmp_path.iterdir()) == []  # a refused bench makes no folder



def test_bench_writes_only_into_its_own_folders(tmp_path, capsys):
    """Issue 11 point 2: a user's folder or another command's is refused in one line and left as it was."""
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("precious")
    evolved = tmp_path / "evolved"
    assert main(["evolve", "--generations", "1", "--population", "4", "--episodes", "1", "-q",
                 "--out", str(evolved)]) == 0
    for folder in (user, evolved):
        before = sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.is_file())
        assert main(["bench", "single-pole", "--runs", "1", "--out", str(folder)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "writes only into a new or empty folder or one it made" in err[0], err
        assert sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.is_file()) == before
    out = tmp_path / "b"
    assert main(["bench", "single-pole", "--runs", "1", "--out", str(out), "-q"]) == 0
    assert main(["bench", "single-pole", "--runs", "1", "--out", str(out), "-q"]) == 0  # its own: again

@pytest.mark.slow
def test_markov_ga_50_runs(tmp_path):
    """Done-when: the GA solves >= 45 of 50 runs with velocities, fewer than NEAT's fixed-topology 30,239."""
    data = run_bench("double-pole-velocities", "ga", 50, workers=2, out=tmp_path)
    s = data["summary"]
    assert s["solved"] >= 45 and s["mean_evaluations"] < 30_239


@pytest.mark.slow
def test_no_velocities_best_strategy_50_runs(tmp_path):
    """Done-when: without velocities, 50/50 solved with a mean of at most 3,000 evaluations, each solution
    passing the 200-of-625 generalisation test."""
    data = run_bench("double-pole-no-velocities", "cosyne", 50, workers=2, out=tmp_path)  # our best here
    s = data["summary"]
    assert s["min_generalisation"] >= 200  # every solution passes the generalisation test (the definition)
    assert s["solved"] == 50 and s["mean_evaluations"] <= 3_000


@pytest.mark.slow
def test_velocities_best_strategy_50_runs(tmp_path):
    """Done-when: with velocities, the best strategy solves 50/50 with a mean of at most 900 evaluations."""
    data = run_bench("double-pole-velocities", "ga", 50, workers=2, out=tmp_path)  # our best here
    s = data["summary"]
    assert s["solved"] == 50 and s["mean_evaluations"] <= 900


def test_a_run_never_scores_more_than_its_budget():
    """Issue 13: a generation that would cross the budget is cut to it (the GA's 50 per generation: 50 + 50 +
    30 of the third); a budget below one generation is marked in the run's note and the table."""
    data = run_bench("double-pole-no-velocities", "ga", 2, max_evaluations=130)
    for r in data["runs"]:
        assert r["evaluations"] <= 130
        assert not r["solved"] and r["evaluations"] == 130 and r["note"] == ""
    assert data["summary"]["max_evaluations_budget"] == 130
    cut = run_bench("double-pole-no-velocities", "ga", 1, max_evaluations=30)
    run = cut["runs"][0]
    assert run["evaluations"] == 30 and run["generations"] == 1
    assert run["note"] == "population 50 exceeds the budget of 30 evaluations"
    assert "seed 0: population 50 exceeds the budget" in markdown(cut)


def test_budget_flag_and_its_error(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["bench", "double-pole", "--no-velocities", "--runs", "1", "--max-evaluations", "40",
                 "--out", str(out)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["runs"][0]["evaluations"] == 40 and data["settings"]["max_evaluations"] == 40
    assert "population 50 exceeds the budget of 40" in capsys.readouterr().out
    assert main(["bench", "double-pole", "--runs", "1", "--max-evaluations", "0"]) == 2
    assert "--max-evaluations must be at least 1" in capsys.readouterr().err
