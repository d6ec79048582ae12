"""Ray beyond one node (issue 11, point 8): a cluster of three nodes, each with its own raylet, simulated on
this machine with ``ray.cluster_utils.Cluster`` (127.0.0.1 only). One node is removed in the middle of a
generation: the run finishes with the same history.csv as on one node, the lost chunks are retried on the
remaining nodes, and run.log names the lost node."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from tests.test_runfolder import HOSTILE, one_line, rows  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["evolve", "--fitness", f"{HOSTILE}:score", "--network", "2,4,1", "--population", "24", "--seed", "11",
        "--generations", "6"]


@pytest.fixture
def cluster(monkeypatch):
    """A head node and two worker nodes of 1 CPU each: 3 raylets, one actor per node. The actors inherit
    the raylets' environment: HOSTILE_SLEEP makes each genome take 50 ms there."""
    monkeypatch.setenv("HOSTILE_SLEEP", "0.05")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes = [c.add_node(num_cpus=1) for _ in range(2)]
    c.wait_for_nodes()
    yield c, nodes
    c.shutdown()


def test_a_node_lost_mid_generation_changes_nothing_but_the_log(cluster, tmp_path):
    c, nodes = cluster
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOSTILE_SLEEP": "0.05"}
    one = tmp_path / "one-node"
    p = subprocess.run([sys.executable, "-m", "neuroevo.cli", *ARGS, "--workers", "1", "--out", str(one)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    run = tmp_path / "three-nodes"
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *ARGS, "--backend", "ray", "--address",
                             c.address, "--workers", "3", "--out", str(run)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:  # generation 3 is being scored
        if (run / "history.csv").is_file() and len((run / "history.csv").read_text().splitlines()) > 2:
            break
        time.sleep(0.02)
    time.sleep(0.3)
    lost = nodes[1]
    c.remove_node(lost, allow_graceful=False)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert rows(run) == rows(one)
    log = (run / "run.log").read_text()
    assert f"on node {lost.node_id} (" in log and "was lost" in log, log[-3000:]
    assert "retrying (attempt 2 of 3)" in log


def test_unreachable_and_invalid_addresses_end_in_one_line(tmp_path):
    """A bounded connection attempt (5 s) instead of waiting for ever; the subprocess timeout bounds it."""
    for address, message in [("127.0.0.1:1", "cannot reach the Ray cluster at 127.0.0.1:1"),
                             ("not an address", "is not a Ray cluster address"),
                             ("127.0.0.1:99999", "is not a Ray cluster address"),
                             ("10.255.255.1:6379", "the Ray cluster at 10.255.255.1:6379")]:  # reach or join
        p = subprocess.run([sys.executable, "-m", "neuroevo.cli", *ARGS, "--backend", "ray", "--address", address,
                            "--out", str(tmp_path / "r")], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert p.returncode == 2 and message in one_line(p.stderr), p.stderr
