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


def test_bias_entries_follow_the_genome_layout():
    """W_l, (U_l), b_l per layer: 3 -> Elman 3 -> 1 has 9 + 9 weights before b_1 (18-20), then 3 before b_2 (24)."""
    from neuroevo.bench import bias_entries
    from neuroevo.networks import NetworkSpec

    rec = NetworkSpec.build(3, (3,), 1, "linear", "linear", recurrent=True)
    assert bias_entries(rec).tolist() == [18, 19, 20, 24]
    ff = NetworkSpec.build(6, (), 1, "tanh", "tanh")
    assert bias_entries(ff).tolist() == [6]
    two = NetworkSpec.build(4, (2, 3), 2, "tanh", "tanh")  # 4*2 | 2 | 2*3 | 3 | 3*2 | 2
    assert bias_entries(two).tolist() == [8, 9, 16, 17, 18, 25, 26]
    g = np.arange(rec.n_params, dtype=float)
    assert np.concatenate([blk[-1] for blk in rec.unflatten(g)]).tolist() == [18, 19, 20, 24]


def test_a_network_without_biases_is_scored_and_saved_with_zero_biases():
    from neuroevo.bench import _scored, bias_entries
    from neuroevo.networks import NetworkSpec

    spec = NetworkSpec.build(3, (3,), 1, "linear", "linear", recurrent=True)
    g = np.random.default_rng(0).normal(size=(5, spec.n_params))
    before = g.copy()
    out = _scored(g, 2.0, bias_entries(spec))
    assert np.array_equal(g, before)  # the strategy's genomes are left as they are
    keep = np.setdiff1d(np.arange(spec.n_params), bias_entries(spec))
    assert np.all(out[:, bias_entries(spec)] == 0.0) and np.array_equal(out[:, keep], 2.0 * g[:, keep])
    assert _scored(g, 1.0, None) is g
    assert np.array_equal(_scored(g[0], 1.0, bias_entries(spec))[bias_entries(spec)], np.zeros(4))


def test_the_tested_candidate_is_the_fittest_not_tested_before():
    """NEAT's pole2_epoch tests one champion a generation and skips a checked one: here the next fittest."""
    from neuroevo.bench import _untested_champion

    g = np.arange(12, dtype=float).reshape(4, 3)
    f = np.array([0.2, 0.9, 0.5, 0.9])
    tested: set[bytes] = set()
    assert _untested_champion(g, f, tested).tolist() == [[3.0, 4.0, 5.0]]  # the first of the tied best
    tested.add(g[1].tobytes())
    assert _untested_champion(g, f, tested).tolist() == [[9.0, 10.0, 11.0]]
    tested |= {g[3].tobytes(), g[2].tobytes()}
    assert _untested_champion(g, f, tested).tolist() == [[0.0, 1.0, 2.0]]
    tested.add(g[0].tobytes())
    assert _untested_champion(g, f, tested) is None


def test_restarts_start_afresh_and_keep_counting_evaluations():
    from neuroevo.bench import BenchSpec, restart_seed, run_one, settings_for

    base = settings_for("double-pole-no-velocities", "cosyne")
    plain = run_one(BenchSpec("double-pole-no-velocities", "cosyne", {**base, "max_evaluations": 200,
                                                                         "restart_after": 0}), 3)
    fresh = run_one(BenchSpec("double-pole-no-velocities", "cosyne", {**base, "max_evaluations": 200,
                                                                         "restart_after": 40}), 3)
    assert plain.restarts == 0 and not plain.solved and plain.evaluations == 200
    # 20 networks a generation: fresh starts at 40, 80, 120 and 160 evaluations, all 200 counted
    assert fresh.restarts == 4 and fresh.evaluations == 200 and fresh.generations == 10
    assert fresh.to_dict()["restarts"] == 4
    seeds = {restart_seed(s, k) for s in range(50) for k in range(1, 20)}
    assert len(seeds) == 50 * 19 and not seeds & set(range(50))
