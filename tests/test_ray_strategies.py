"""Every strategy gives on Ray the history.csv of a serial run (CartPole-v1 kernel and a user fitness).

(In its own module after test_faults.py: Ray started in the pytest process changes how forked workers
handle SIGSEGV, which test_faults checks.)
"""

import os
from pathlib import Path

import pytest

from tests.strategies.test_backends_resume import NAMES, TASKS, evolve
from tests.test_cli import history

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="WARNING")
    yield
    ray.shutdown()


@pytest.mark.ray
@pytest.mark.timeout(900)
def test_ray_gives_the_serial_history_for_every_strategy_and_task(ray_cluster, tmp_path):
    for task in TASKS:
        for name in NAMES:
            evolve(name, task, tmp_path / f"{name}-{task}-w1", "--workers", "1")
            evolve(name, task, tmp_path / f"{name}-{task}-ray", "--backend", "ray", "--workers", "2")
            assert history(tmp_path / f"{name}-{task}-ray") == history(tmp_path / f"{name}-{task}-w1"), (name, task)


