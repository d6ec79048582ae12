"""The Ray backend against a real local Ray cluster (one per module, shared by every test here).

Marked ``ray``: ``pytest -m "not ray"`` skips them (Ray takes seconds to start).
"""

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from neuroevo.errors import GenomeFitnessError, TaskError  # noqa: E402
from neuroevo.evaluation import FunctionTask, load_fitness  # noqa: E402
from neuroevo.evaluation.pool import EvalTimeoutError, ProcessPoolEvaluator  # noqa: E402
from neuroevo.evaluation.ray_backend import RayEvaluator  # noqa: E402
from neuroevo.network import NetworkSpec  # noqa: E402
from tests.test_cli import history  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[1]
SPEC = NetworkSpec.build(2, [3], 1, "tanh", "linear")
GENOMES = np.random.default_rng(0).normal(size=(16, SPEC.n_params))
SEEDS = np.zeros(1, np.int64)


@pytest.fixture(scope="module")
def cluster():
    """The address of a local Ray cluster with 4 logical CPUs (2 workers per test, and room for actors that
    a previous test killed while Ray releases their CPUs asynchronously), started by this process."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="WARNING")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def run_cli(*argv):
    p = subprocess.run([sys.executable, "-m", "neuroevo.cli", *map(str, argv)], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return p.returncode, p.stderr


def test_cartpole_on_ray_equals_process_pool_and_serial(cluster, tmp_path):
    args = ["evolve", "--env", "cartpole", "--generations", "4", "--population", "24", "--episodes", "3",
            "--seed", "11"]
    runs = {"ray": ["--backend", "ray", "--address", cluster, "--workers", "2"],
            "process": ["--backend", "process", "--workers", "2"], "serial": ["--backend", "serial"]}
    for name, extra in runs.items():
        code, err = run_cli(*args, *extra, "--out", tmp_path / name)
        assert code == 0, err
    assert history(tmp_path / "ray") == history(tmp_path / "process") == history(tmp_path / "serial")
    for name in ("process", "serial"):
        np.testing.assert_array_equal(np.load(tmp_path / "ray" / "best.npz")["genome"],
                                      np.load(tmp_path / name / "best.npz")["genome"])
    assert "backend ray" in (tmp_path / "ray" / "run.log").read_text()


def fitness(network):
    return float(network(np.array([0.5, -0.5]))[0])


def test_same_fitness_as_the_pool_with_a_closure_and_worker_logs(cluster, caplog):
    offset = 3.0

    def closure(network):  # pickled by value by Ray's cloudpickle
        import logging
        logging.getLogger("user").warning("scoring")
        return fitness(network) + offset

    with RayEvaluator(FunctionTask(closure, SPEC), workers=2) as ev:
        got, _ = ev.evaluate(GENOMES, SEEDS, generation=4)
    with ProcessPoolEvaluator(FunctionTask(closure, SPEC), 2) as pool:
        want, _ = pool.evaluate(GENOMES, SEEDS)
    np.testing.assert_array_equal(got, want)
    records = [r for r in caplog.records if r.name == "user"]
    assert len(records) >= len(GENOMES)  # those of the pool too
    assert {r.processName.split("@")[0] for r in records} >= {"ray-worker-1", "ray-worker-2"}
    assert all(r.generation == 4 for r in records if r.processName.startswith("ray-worker"))


def test_raising_fitness_names_the_lowest_genome(cluster):
    def raises(network):
        if network.genome[0] > 0.5:
            raise ZeroDivisionError("boom on ray")
        return 0.0

    want = int(np.flatnonzero(GENOMES[:, 0] > 0.5)[0])
    with RayEvaluator(FunctionTask(raises, SPEC), workers=2) as ev:
        with pytest.raises(GenomeFitnessError, match=f"genome {want} failed: .*raises raised ZeroDivisionError: "
                                                     "boom on ray") as info:
            ev.evaluate(GENOMES, SEEDS)
    assert 'raise ZeroDivisionError("boom on ray")' in info.value.traceback


def test_dead_actor_is_replaced_and_the_chunk_retried(cluster, tmp_path):
    marker = tmp_path / "died"

    def dies_once(network):
        if network.genome[0] > 0.5 and not marker.exists():
            marker.touch()
            os._exit(9)
        return fitness(network)

    with RayEvaluator(FunctionTask(dies_once, SPEC), workers=2) as ev:
        got, _ = ev.evaluate(GENOMES, SEEDS)
    assert marker.exists()
    np.testing.assert_array_equal(got, [fitness(_net(g)) for g in GENOMES])


def _net(genome):
    from neuroevo.network import Network

    return Network(SPEC, genome)


def test_hanging_fitness_hits_the_timeout(cluster):
    def hangs(network):
        if network.genome[0] > 0.5:
            time.sleep(3600)
        return 0.0

    with RayEvaluator(FunctionTask(hangs, SPEC), workers=2, eval_timeout=1.0) as ev:
        with pytest.raises(EvalTimeoutError, match="took longer than --eval-timeout 1 s"):
            ev.evaluate(GENOMES, SEEDS)
        np.testing.assert_array_equal(ev.evaluate(-np.abs(GENOMES), SEEDS)[0], np.zeros(len(GENOMES)))


def test_unpicklable_fitness_is_named(cluster):
    lock = threading.Lock()

    def uses_lock(network):
        with lock:
            return 0.0

    with pytest.raises(TaskError, match=r"cannot be sent to Ray workers: .*lock.* \(lock\) cannot be pickled"):
        with RayEvaluator(FunctionTask(uses_lock, SPEC), workers=2):
            pass


def test_more_workers_than_cluster_cpus_is_refused(cluster):
    from neuroevo.errors import ConfigError

    with pytest.raises(ConfigError, match="--workers 5 exceeds the 4 CPUs of the Ray cluster"):
        RayEvaluator(FunctionTask(fitness, SPEC), workers=5).__enter__()


def test_fitness_from_a_file_travels_by_value(cluster, tmp_path):
    path = tmp_path / "user_fit.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        def fit(network):
            return float(network(np.ones(2))[0]) * 2
    """))
    task = FunctionTask(load_fitness(f"{path}:fit"), SPEC)
    with RayEvaluator(task, workers=2) as ev:
        got, _ = ev.evaluate(GENOMES, SEEDS)
    np.testing.assert_allclose(got, [2 * float(_net(g)(np.ones(2))[0]) for g in GENOMES])


def tagged(tag: str) -> list[int]:
    """Live processes (not zombies) whose environment holds ``RUN_TAG=tag``."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if f"RUN_TAG={tag}".encode() in env and state != "Z":
            out.append(int(entry.name))
    return out


def test_sigterm_on_a_run_with_its_own_local_cluster(tmp_path):
    """No --address: the run starts Ray, stops on SIGTERM with a checkpoint, and leaves no process behind;
    resumed on the process pool it ends as a clean run."""
    fit = tmp_path / "fit.py"
    fit.write_text(textwrap.dedent("""
        import time
        import numpy as np
        def slow(network):
            time.sleep(0.01)
            return -float(np.sum((network(np.array([0.5, -0.5])) - 0.25) ** 2))
    """))
    args = ["evolve", "--fitness", f"{fit}:slow", "--network", "2,4,1", "--population", "20", "--seed", "2",
            "--generations", "15"]
    assert run_cli(*args, "--workers", "2", "--out", tmp_path / "clean")[0] == 0
    run, tag = tmp_path / "run", str(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *map(str, args), "--backend", "ray",
                             "--workers", "2", "--out", str(run)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "RUN_TAG": tag})
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (run / "history.csv").is_file() and len(history(run)) > 3:
            break
        time.sleep(0.02)
    assert len(tagged(tag)) > 3  # the driver, Ray's own processes and the actors
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    deadline = time.time() + 15
    while tagged(tag) and time.time() < deadline:
        time.sleep(0.1)
    assert tagged(tag) == []
    code, err = run_cli("evolve", "--resume", run, "--backend", "process", "--workers", "2")
    assert code == 0, err
    assert history(run) == history(tmp_path / "clean")
