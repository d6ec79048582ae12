"""Every strategy gives one history.csv whatever the workers and backend, and resumes after SIGKILL exactly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuroevo.cli import main
from tests.test_cli import history

ROOT = Path(__file__).resolve().parents[2]
FITNESS = str(ROOT / "tests" / "fixtures" / "fitness_fns.py")
NAMES = ["ga", "cosyne", "cmaes", "sep-cmaes", "openai-es"]
TASKS = {
    "cartpole": ["--env", "CartPole-v1", "--hidden", "4", "--episodes", "2", "--target", "1e9"],
    "fitness": ["--fitness", f"{FITNESS}:sum_of_outputs", "--network", "3,4,2"],
}


def evolve(name, task, out, *extra):
    argv = ["evolve", "--algorithm", name, *TASKS[task], "--population", "8", "--generations", "3", "--seed", "4",
            "-q", "--out", str(out), *extra]
    assert main(argv) == 0


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("name", NAMES)
def test_one_history_with_1_or_2_workers(name, task, tmp_path):
    evolve(name, task, tmp_path / "w1", "--workers", "1")
    evolve(name, task, tmp_path / "w2", "--workers", "2")
    assert history(tmp_path / "w1") == history(tmp_path / "w2")
    assert len(history(tmp_path / "w1")) == 4
    np.testing.assert_array_equal(np.load(tmp_path / "w1" / "best.npz")["genome"],
                                  np.load(tmp_path / "w2" / "best.npz")["genome"])


@pytest.mark.parametrize("name", NAMES)
def test_sigkill_and_resume_ends_identical_to_an_uninterrupted_run(name, tmp_path):
    args = ["evolve", "--algorithm", name, "--fitness", f"{FITNESS}:slow", "--network", "2,4,1", "--population",
            "8", "--generations", "20", "--workers", "1", "--seed", "3", "-q"]
    assert main([*args, "--out", str(tmp_path / "clean")]) == 0
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEUROEVO_TEST_SLEEP": "0.01"}
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *args, "--out", str(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not ((killed / "history.csv").is_file() and len(history(killed)) > 4):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(history(killed)) - 1
    assert 0 < done < 20, "the run must be killed mid-way"
    assert main(["evolve", "--resume", str(killed), "-q"]) == 0
    assert history(killed) == history(tmp_path / "clean")
    np.testing.assert_array_equal(np.load(killed / "best.npz")["genome"],
                                  np.load(tmp_path / "clean" / "best.npz")["genome"])
