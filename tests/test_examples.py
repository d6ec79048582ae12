"""The examples reach their targets from the CLI, and the Python-API examples run."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

from neuroevo.agent import load_agent
from neuroevo.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_xor_reaches_100_percent_accuracy_from_the_cli(tmp_path):
    out = tmp_path / "xor"
    assert main(["evolve", "--fitness", f"{EXAMPLES}/xor.py:fitness", "--network", "2,4,1", "--target", "3.9",
                 "--population", "150", "--generations", "400", "--workers", "1", "--out", str(out)]) == 0
    agent = load_agent(out)
    assert agent.meta["fitness"] >= 3.9
    assert load("xor").accuracy(agent.network) == 1.0


def test_sin_reaches_its_target_from_the_cli(tmp_path):
    out = tmp_path / "sin"
    assert main(["evolve", "--fitness", f"{EXAMPLES}/sin.py:fitness", "--network", "1,16,1", "--target", "-0.01",
                 "--population", "200", "--mutation", "gaussian", "--mutation-scale", "0.1", "--generations",
                 "600", "--workers", "2", "--out", str(out)]) == 0
    agent = load_agent(out)
    x = np.linspace(-np.pi, np.pi, 200)[:, None]
    assert np.mean((agent.network(x)[:, 0] - np.sin(x[:, 0])) ** 2) < 0.02  # also between the training points


def test_custom_callback_example_stops_early():
    p = subprocess.run([sys.executable, str(EXAMPLES / "custom_callback.py")], capture_output=True, text=True,
                       timeout=300, cwd=EXAMPLES.parent)
    assert p.returncode == 0, p.stderr
    assert "stopped by" in p.stdout and "champions kept" in p.stdout
