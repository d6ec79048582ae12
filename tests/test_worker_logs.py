"""Worker log records stream to the run's process through multiprocessing-logging while a chunk runs:
a hung or killed chunk's last records reach run.log, each worker's records stay in order, and the pool
closes its streams without losing a record."""

import logging
import re
import textwrap
import threading
import time

import numpy as np
import pytest

from neuroevo.cli import main
from neuroevo.evaluation.pool import ProcessPoolEvaluator
from neuroevo.evaluation.tasks import FunctionTask
from neuroevo.network import NetworkSpec

SPEC = NetworkSpec.build(2, [], 1, "tanh", "linear")
GENOMES = np.random.default_rng(0).normal(size=(12, SPEC.n_params))
SEEDS = np.zeros(1, dtype=np.int64)

FITNESS = textwrap.dedent('''
    import logging, os, signal, time
    from pathlib import Path

    log = logging.getLogger("user")

    def _marker(name):
        return Path(os.environ["LOG_RUN"], name)

    def hangs(network):
        if network.genome[0] > 0.5 and _marker("history.csv").exists():
            log.warning("about to hang on genome %.3f", network.genome[0])
            time.sleep(3600)
        return float(network.genome[0])

    def dies_once(network):
        if network.genome[0] > 0.5 and _marker("history.csv").exists() and not _marker("died").exists():
            _marker("died").touch()
            log.warning("about to die in pid %d", os.getpid())
            os.kill(os.getpid(), signal.SIGKILL)
        return float(network.genome[0])
''')


@pytest.fixture
def fitness(tmp_path, monkeypatch):
    path = tmp_path / "logging_fitness.py"
    path.write_text(FITNESS)
    monkeypatch.setenv("LOG_RUN", str(tmp_path / "run"))
    return path


class Collect(logging.Handler):
    """Keeps the records of the ``user`` logger in the test's process, with their arrival time."""

    def __init__(self):
        super().__init__()
        self.records, self.times = [], []

    def emit(self, record):
        self.records.append(record)
        self.times.append(time.monotonic())


@pytest.fixture
def collect():
    logger = logging.getLogger("user")
    handler = Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def test_records_reach_the_parent_while_the_chunk_still_runs(tmp_path, collect):
    go = tmp_path / "go"

    def waits(network):  # logs, then waits (at most 30 s) for the test to have seen that record
        logging.getLogger("user").warning("waiting for go")
        deadline = time.monotonic() + 30
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return float(go.exists())

    def release():
        deadline = time.monotonic() + 30
        while not collect.records and time.monotonic() < deadline:
            time.sleep(0.01)
        if collect.records:
            go.touch()

    with ProcessPoolEvaluator(FunctionTask(waits, SPEC), 1, chunks_per_worker=1) as pool:
        helper = threading.Thread(target=release)
        helper.start()
        fitness, _ = pool.evaluate(GENOMES[:1], SEEDS, generation=3)
        helper.join()
    assert fitness.tolist() == [1.0]  # the go file came: the record arrived before the chunk finished
    record = collect.records[0]
    assert record.getMessage() == "waiting for go" and record.processName == "worker-1" and record.generation == 3


def test_a_hung_chunks_last_records_reach_run_log(fitness, tmp_path):
    run = tmp_path / "run"
    code = main(["evolve", "--fitness", f"{fitness}:hangs", "--network", "2,1", "--population", "12", "--seed", "1",
                 "--generations", "3", "--workers", "2", "--eval-timeout", "4", "--out", str(run)])
    assert code == 2
    text = (run / "run.log").read_text()
    assert re.search(r"worker-\d gen \d+ WARNING user: about to hang on genome", text), text
    assert "took longer than --eval-timeout 4 s" in text


def test_a_killed_workers_last_record_reaches_run_log(fitness, tmp_path):
    run = tmp_path / "run"
    assert main(["evolve", "--fitness", f"{fitness}:dies_once", "--network", "2,1", "--population", "12", "--seed",
                 "1", "--generations", "3", "--workers", "2", "--out", str(run)]) == 0
    text = (run / "run.log").read_text()
    died = re.search(r"worker-(\d) gen \d+ WARNING user: about to die in pid (\d+)", text)
    assert died, text
    assert f"worker process {died.group(1)} died (killed by signal SIGKILL)" in text


def test_each_workers_records_stay_in_order_and_none_is_lost(collect):
    def counts(network):
        for k in range(50):
            logging.getLogger("user").info("record %d", k)
        return 0.0

    with ProcessPoolEvaluator(FunctionTask(counts, SPEC), 2) as pool:
        for generation in (1, 2):
            pool.evaluate(GENOMES, SEEDS, generation)
    assert not [t for t in threading.enumerate() if t.name.endswith("-logs")]  # streams closed
    assert len(collect.records) == 2 * len(GENOMES) * 50
    by_worker = {}
    for r in collect.records:
        by_worker.setdefault(r.processName, []).append((r.generation, int(r.getMessage().split()[1])))
    assert set(by_worker) == {"worker-1", "worker-2"}
    for seq in by_worker.values():  # per worker: generations in order, and 0..49 for each genome in turn
        assert [g for g, _ in seq] == sorted(g for g, _ in seq)
        assert [k for _, k in seq] == [k for _ in range(len(seq) // 50) for k in range(50)]
