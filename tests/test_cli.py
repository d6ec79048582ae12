"""End-to-end runs of the `neuroevo` command on tiny budgets, and every bad input of the CLI."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuroevo.cli import main

ROOT = Path(__file__).resolve().parents[1]
FITNESS = str(ROOT / "tests" / "fixtures" / "fitness_fns.py")


def run_cli(*argv):
    """Run the CLI in a subprocess: (exit code, stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "neuroevo.cli", *map(str, argv)], capture_output=True, text=True,
                       env=env, timeout=240)
    return p.returncode, p.stdout, p.stderr


def history(folder, drop_elapsed=True):
    with open(Path(folder) / "history.csv", newline="") as f:
        rows = list(csv.reader(f))
    return [r[:-1] for r in rows] if drop_elapsed else rows


def test_evolve_cartpole_writes_the_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["evolve", "--generations", "3", "--population", "20", "--episodes", "2", "--workers", "1",
                 "--out", str(out)])
    assert code == 0
    for name in ("config.toml", "history.csv", "best.npz", "best.json", "checkpoint.json", "fitness.png",
                 "run.log"):
        assert (out / name).is_file(), name
    rows = history(out, drop_elapsed=False)
    assert rows[0] == ["generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"] and rows[-1][5] == "60"
    best = json.loads((out / "best.json").read_text())
    assert best["env_id"] == "CartPole-v1" and best["spec"]["sizes"][0] == 4 and best["seed"] == 0
    assert "run folder" in capsys.readouterr().out
    # evaluate on the real env
    assert main(["evaluate", str(out), "--episodes", "5"]) == 0
    assert "CartPole-v1: 5 episodes  mean return" in capsys.readouterr().out


def test_workers_do_not_change_the_result(tmp_path):
    common = ["evolve", "--generations", "4", "--population", "30", "--episodes", "3", "--seed", "7"]
    assert main(common + ["--workers", "1", "--out", str(tmp_path / "w1")]) == 0
    assert main(common + ["--workers", "2", "--out", str(tmp_path / "w2")]) == 0
    assert history(tmp_path / "w1") == history(tmp_path / "w2")
    np.testing.assert_array_equal(np.load(tmp_path / "w1" / "best.npz")["genome"],
                                  np.load(tmp_path / "w2" / "best.npz")["genome"])


def test_env_loop_task_and_box_actions(tmp_path):
    """Pendulum-v1 (Box actions) through the generic Gymnasium loop."""
    out = tmp_path / "pend"
    assert main(["evolve", "--env", "Pendulum-v1", "--generations", "2", "--population", "6", "--episodes",
                 "1", "--workers", "2", "--out", str(out)]) == 0
    spec = json.loads((out / "best.json").read_text())["spec"]
    assert spec["sizes"] == [3, 16, 1] and spec["activations"][-1] == "tanh"


def test_user_fitness_from_file(tmp_path):
    out = tmp_path / "user"
    assert main(["evolve", "--fitness", f"{FITNESS}:sum_of_outputs", "--network", "3,4,2", "--generations",
                 "3", "--population", "10", "--workers", "2", "--out", str(out)]) == 0
    rows = history(out)
    assert float(rows[-1][1]) >= float(rows[1][1])  # elitism: the best never gets worse


def test_resume_after_sigkill_equals_uninterrupted_run(tmp_path):
    args = ["evolve", "--fitness", f"{FITNESS}:slow", "--network", "2,4,1", "--population", "20",
            "--generations", "25", "--workers", "1", "--seed", "3"]
    assert run_cli(*args, "--out", tmp_path / "clean")[0] == 0
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEUROEVO_TEST_SLEEP": "0.004"}
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *args, "--out", str(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if (killed / "history.csv").is_file() and len(history(killed)) > 8:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(history(killed)) - 1
    assert 0 < done < 25, "the run must be killed mid-way"
    code, out, err = run_cli("evolve", "--resume", killed)
    assert code == 0, err
    assert history(killed) == history(tmp_path / "clean")
    np.testing.assert_array_equal(np.load(killed / "best.npz")["genome"],
                                  np.load(tmp_path / "clean" / "best.npz")["genome"])


def test_resume_with_more_generations(tmp_path):
    out = tmp_path / "more"
    base = ["evolve", "--population", "10", "--episodes", "1", "--workers", "1"]
    assert main(base + ["--generations", "2", "--out", str(out)]) == 0
    assert main(["evolve", "--resume", str(out), "--generations", "4"]) == 0
    assert [r[0] for r in history(out)[1:]] == ["1", "2", "3", "4"]


def test_envs_lists_games_and_kernels(capsys):
    assert main(["envs"]) == 0
    text = capsys.readouterr().out
    assert "CartPole-v1" in text and "population kernel" in text and "Pendulum-v1" in text


# ---------------------------------------------------------------- bad input: one line, exit code 2

BAD = [
    (["evolve", "--env", "NoSuchEnv-v9"], "unknown environment 'NoSuchEnv-v9'"),
    (["evolve", "--population", "1"], "--population must be at least 2"),
    (["evolve", "--mutation-rate", "1.5"], "--mutation-rate must be in [0, 1]"),
    (["evolve", "--crossover-rate", "-1"], "--crossover-rate must be in [0, 1]"),
    (["evolve", "--population", "ten"], "invalid int value: 'ten'"),
    (["evolve", "--hidden", "8,x"], "expected comma-separated integers"),
    (["evolve", "--selection", "best"], "unknown selection 'best'"),
    (["evolve", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["evolve", "--fitness", "no_such_module_xyz:f", "--network", "2,1"], "fitness module 'no_such_module_xyz' "
                                                                          "not found"),
    (["evolve", "--fitness", f"{FITNESS}:nope", "--network", "2,1"], "has no function 'nope'"),
    (["evolve", "--fitness", "missing_dir/fit.py:f", "--network", "2,1"], "fitness file missing_dir/fit.py does "
                                                                          "not exist"),
    (["evolve", "--fitness", f"{FITNESS}:sum_of_outputs"], "needs the network size"),
    (["evolve", "--fitness", f"{FITNESS}:returns_nan", "--network", "2,1", "--workers", "1"],
     "fitness of genome 0 failed: the fitness is nan"),
    (["evolve", "--fitness", f"{FITNESS}:raises", "--network", "2,1", "--workers", "2"],
     "fitness of genome 0 failed: raises raised ZeroDivisionError: boom in user code"),
    (["evolve", "--resume", "no/such/run"], "run folder no/such/run does not exist"),
    (["evaluate", "no/such/run"], "no run folder or saved agent at no/such/run"),
    (["evaluate", "x", "--episodes", "0"], "--episodes must be at least 1"),
    (["play", "tetris"], "invalid choice: 'tetris'"),
    (["evolve", "--pop", "20"], "unrecognized arguments: --pop 20"),  # no abbreviations
    (["evolve", "--track", "oval"], "--track is an option of the car (--env car); CartPole-v1 has no track"),
    (["evolve", "--env-arg", "foo=1"], "CartPole-v1 takes no keyword argument 'foo'"),
    (["evolve", "--workers", "99999"], "--workers must be in [0, 1024]"),
    (["evolve", "--fitness", f"{FITNESS}:sum_of_outputs", "--network", "2,1", "--hidden", "4"],
     "--network gives every layer size; drop --hidden"),
    (["evolve", "--fitness", f"{FITNESS}:sum_of_outputs", "--network", "2,1", "--inputs", "2"],
     "either --network (every layer size) or --inputs/--outputs"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(tmp_path, argv, message):
    code, out, err = run_cli(*argv, *(["--out", tmp_path / "r"] if argv[0] == "evolve" and
                                      "--resume" not in argv else []))
    assert code == 2, (out, err)
    assert message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("text,message", [
    ("task = 3\n", "[task] in"),
    ("[ga]\nmutation_sclae = 0.1\n", "unknown key 'mutation_sclae' in [ga]"),
    ("[ga\npopulation = 3\n", "is not valid TOML"),
    ("[run]\ngenerations = 'many'\n", "[run] generations must be an integer"),
])
def test_bad_toml_file(tmp_path, text, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    code, _, err = run_cli("evolve", "--config", bad, "--out", tmp_path / "r")
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


@pytest.fixture
def finished_run(tmp_path):
    out = tmp_path / "done"
    assert main(["evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--workers", "1",
                 "--out", str(out)]) == 0
    return out


def test_corrupted_checkpoint_is_refused_and_left_untouched(finished_run):
    npz = next(finished_run.glob("checkpoint-*.npz"))
    npz.write_bytes(npz.read_bytes()[:-20])
    before = {p.name: p.read_bytes() for p in finished_run.iterdir()}
    code, _, err = run_cli("evolve", "--resume", finished_run, "--generations", "5")
    assert code == 2 and "is corrupted" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in finished_run.iterdir()} == before


def test_tampered_checkpoint_metadata_is_refused(finished_run):
    meta = json.loads((finished_run / "checkpoint.json").read_text())
    meta["generation"] = 1
    (finished_run / "checkpoint.json").write_text(json.dumps(meta))
    code, _, err = run_cli("evolve", "--resume", finished_run, "--generations", "5")
    assert code == 2 and "is corrupted" in err and "checkpoint.json was changed" in err


def test_resuming_a_run_that_reached_its_target_adds_nothing(tmp_path):
    out = tmp_path / "solved"
    assert main(["evolve", "--population", "50", "--episodes", "2", "--target", "100", "--workers", "1",
                 "--out", str(out)]) == 0
    before = history(out)
    assert main(["evolve", "--resume", str(out)]) == 0
    assert history(out) == before


def test_future_checkpoint_version_is_refused(finished_run):
    meta = json.loads((finished_run / "checkpoint.json").read_text())
    meta["version"] = 99
    (finished_run / "checkpoint.json").write_text(json.dumps(meta))
    code, _, err = run_cli("evolve", "--resume", finished_run)
    assert code == 2 and "format version 99" in err


def test_resume_refuses_a_different_network(finished_run):
    code, _, err = run_cli("evolve", "--resume", finished_run, "--hidden", "4")
    assert code == 2 and "--hidden cannot change when resuming" in err


def test_existing_run_folder_is_not_overwritten(finished_run):
    code, _, err = run_cli("evolve", "--out", finished_run)
    assert code == 2 and "already holds a run" in err


def test_corrupted_agent_file(finished_run):
    (finished_run / "best.json").write_text("{not json")
    code, _, err = run_cli("evaluate", finished_run)
    assert code == 2 and "best.json is not valid JSON" in err


def test_train_and_evaluate_a_baseline(tmp_path, capsys):
    out = tmp_path / "rs"
    assert main(["train", "--method", "random-search", "--env", "CartPole-v1", "--set", "total_steps=20000",
                 "--out", str(out)]) == 0
    assert "run folder" in capsys.readouterr().out
    assert json.loads((out / "best.json").read_text())["method"] == "random-search"
    assert main(["evaluate", str(out), "--episodes", "3"]) == 0
    assert main(["train", "--method", "backprop", "--task", "xor", "--out", str(tmp_path / "bp")]) == 0
    assert (tmp_path / "bp" / "best.npz").is_file()


def test_compare_writes_table_and_plot(tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", "--task", "xor", "--seeds", "1", "--budget-steps", "20000", "--out", str(out)]) == 0
    for name in ("summary.md", "summary.csv", "results.csv", "curves.png"):
        assert (out / name).is_file(), name
    assert "backprop" in (out / "summary.md").read_text() and "ga" in (out / "summary.md").read_text()


@pytest.mark.parametrize("argv,message", [
    (["train", "--method", "dqn", "--env", "CartPole-v1", "--set", "nosuch=1"], "dqn has no setting 'nosuch'"),
    (["train", "--method", "sgd", "--env", "CartPole-v1"], "invalid choice: 'sgd'"),
    (["compare", "--env", "CartPole-v1", "--methods", "ga,backprop"], "method 'backprop' does not apply"),
    (["compare", "--task", "xor", "--seeds", "0"], "--seeds must be at least 1"),
])
def test_bad_baseline_input(argv, message):
    code, out, err = run_cli(*argv)
    assert code == 2 and message in err and "Traceback" not in err, err


def test_watch_flock_records_a_gif_of_the_whole_population(tmp_path):
    out = tmp_path / "fl"
    assert main(["evolve", "--env", "flappy", "--generations", "2", "--population", "12", "--episodes", "1",
                 "--workers", "1", "--out", str(out)]) == 0
    code, stdout, err = run_cli("watch", out, "--flock", "--episodes", "2", "--record", tmp_path / "flock.gif")
    assert code == 0, err
    assert "episode 2: flock of 12" in stdout and (tmp_path / "flock.gif").stat().st_size > 1000


def test_watch_flock_needs_a_game(finished_run, tmp_path):
    code, _, err = run_cli("watch", finished_run, "--flock", "--record", tmp_path / "x.gif")
    assert code == 2 and "--flock needs a built-in game" in err


def test_user_fitness_takes_no_env_defaults(tmp_path):
    out = tmp_path / "u"
    assert main(["evolve", "--fitness", f"{FITNESS}:sum_of_outputs", "--network", "2,1", "--generations", "2",
                 "--population", "4", "--workers", "1", "--out", str(out)]) == 0
    text = (out / "config.toml").read_text()
    assert "target" not in text and "episodes = 5" in text  # not CartPole-v1's target 500 and 10 episodes


def test_env_kwargs_the_kernel_does_not_take_fall_back_to_the_env_loop(tmp_path):
    from neuroevo.config import resolve
    from neuroevo.evaluation import EnvTask, KernelTask, make_task

    assert isinstance(make_task(resolve()), KernelTask)
    task = make_task(resolve(flags={"task": {"env_kwargs": {"max_episode_steps": 50}}}))
    assert isinstance(task, EnvTask)
    out = tmp_path / "short"
    assert main(["evolve", "--env-arg", "max_episode_steps=50", "--generations", "1", "--population", "10",
                 "--episodes", "2", "--workers", "1", "--target", "50", "--out", str(out)]) == 0
    assert float(history(out)[1][1]) <= 50.0
