"""Timeouts that always fire and user code that exits (issue 11, point 7), and the remaining hostile inputs
of the issue's list: negative seeds, a saved network that does not fit its env, a tiny compare budget."""

import json

import numpy as np
import pytest

from neuroevo.checkpoint import load_checkpoint
from neuroevo.cli import main
from tests.test_runfolder import HOSTILE, one_line, run_cli

COMMON = ["--network", "2,4,1", "--population", "8", "--seed", "1", "--generations", "5"]


@pytest.mark.parametrize("fn,message", [
    ("catches_everything", "evaluation of generation 3 took longer than --eval-timeout 1 s"),
    ("swallows_base_exceptions", "the fitness ignored the deadline for 5 s more, so the process exits"),
])
def test_serial_eval_timeout_fires_whatever_the_fitness_catches(tmp_path, fn, message):
    run = tmp_path / "run"
    code, _, err = run_cli("evolve", "--fitness", f"{HOSTILE}:{fn}", *COMMON, "--workers", "1", "--eval-timeout",
                           "1", "--out", run, HOSTILE_RUN=str(run), HOSTILE_AFTER="2")
    assert code == 2
    assert message in one_line(err)
    assert load_checkpoint(run)[1]["generation"] == 2  # the last checkpoint is intact


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("fn,code_text", [("exits", "sys.exit(None)"), ("exits_3", "sys.exit(3)")])
def test_sys_exit_in_a_fitness_is_one_line_and_nonzero(tmp_path, workers, fn, code_text):
    run = tmp_path / "run"
    code, _, err = run_cli("evolve", "--fitness", f"{HOSTILE}:{fn}", *COMMON, "--workers", workers, "--out", run,
                           HOSTILE_RUN=str(run), HOSTILE_AFTER="1")
    assert code == 2
    assert f"{fn} called {code_text}" in one_line(err)


def test_sys_exit_at_import_of_the_fitness_module(tmp_path):
    code, _, err = run_cli("evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--out", tmp_path / "r",
                           HOSTILE_IMPORT_EXIT="3")
    assert code == 2
    assert one_line(err) == f"neuroevo: error: importing the fitness module {HOSTILE!r} called sys.exit(3)"
    assert not (tmp_path / "r").exists()


def test_a_leaked_non_daemon_thread_does_not_keep_the_process_alive(tmp_path):
    code, out, err = run_cli("evolve", "--fitness", f"{HOSTILE}:leaks_thread", *COMMON, "--workers", "1", "--out",
                             tmp_path / "r", timeout=120)  # without the fix: TimeoutExpired (the thread sleeps 1 h)
    assert code == 0, err
    assert "finished after 5 generations" in out


@pytest.fixture(scope="module")
def cartpole_agent(tmp_path_factory):
    folder = tmp_path_factory.mktemp("agent") / "run"
    assert main(["evolve", "--generations", "1", "--population", "4", "--episodes", "1", "--workers", "1", "-q",
                 "--out", str(folder)]) == 0
    return folder


@pytest.mark.parametrize("cmd", ["evaluate", "watch"])
def test_negative_seeds_are_one_line(cartpole_agent, capsys, cmd, tmp_path):
    extra = ["--record", str(tmp_path / "x.gif")] if cmd == "watch" else []
    assert main([cmd, str(cartpole_agent), "--seed", "-1", *extra]) == 2
    assert one_line(capsys.readouterr().err) == "neuroevo: error: --seed must be >= 0, got -1"


@pytest.mark.parametrize("sizes,n", [([3, 16, 2], 3 * 16 + 16 + 16 * 2 + 2), ([4, 16, 3], 4 * 16 + 16 + 16 * 3 + 3)])
@pytest.mark.parametrize("cmd", ["evaluate", "watch"])
def test_a_saved_network_that_does_not_fit_the_env_is_refused(cartpole_agent, tmp_path, capsys, sizes, n, cmd):
    import shutil

    folder = tmp_path / "a"
    shutil.copytree(cartpole_agent, folder)
    meta = json.loads((folder / "best.json").read_text())
    meta["spec"]["sizes"] = sizes
    (folder / "best.json").write_text(json.dumps(meta))
    np.savez(folder / "best.npz", genome=np.zeros(n))
    extra = ["--record", str(tmp_path / "x.gif")] if cmd == "watch" else []
    assert main([cmd, str(folder), "--episodes", "1", *extra]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"neuroevo: error: the saved network {'-'.join(map(str, sizes))} does not fit CartPole-v1: it needs 4 "
        f"inputs and 2 outputs")


@pytest.mark.parametrize("budget", ["1", "7"])
def test_compare_with_a_tiny_budget(tmp_path, budget):
    code, out, err = run_cli("compare", "--env", "cartpole", "--methods", "ga,random-search", "--seeds", "1",
                             "--budget-steps", budget, "--out", tmp_path / "c")
    assert code in (0, 2), err
    if code == 0:
        assert (tmp_path / "c" / "summary.md").is_file()
    else:
        one_line(err)


def test_env_that_fails_to_build_in_serial_mode(tmp_path, capsys):
    assert main(["evolve", "--env-arg", "bogus=1", "--workers", "1", "--generations", "1",
                 "--out", str(tmp_path / "r")]) == 2
    assert "CartPole-v1 takes no keyword argument 'bogus'" in one_line(capsys.readouterr().err)


def test_deeply_nested_config_file(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["evolve", "--config", str(path), "--out", str(tmp_path / "r")]) == 2
    assert one_line(capsys.readouterr().err) == f"neuroevo: error: {path} is nested too deeply to be a neuroevo config"
