"""Faults injected into real runs: raising, dying, hanging and NaN fitness; SIGINT, SIGTERM and SIGKILL;
fork-safe user code; worker logs. Each checks the message, the exit code, that no worker process is left,
that the checkpoint is intact, and (where the run goes on) that the history equals a clean run's."""

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from neuroevo.checkpoint import load_checkpoint
from neuroevo.cli import main
from neuroevo.config import GAConfig
from neuroevo.evaluation.pool import ProcessPoolEvaluator, WorkerLostError, split
from neuroevo.evaluation.tasks import FunctionTask
from neuroevo.ga import GeneticAlgorithm
from neuroevo.network import NetworkSpec
from neuroevo.population import Population
from tests.test_cli import history

ROOT = Path(__file__).resolve().parents[1]

#: Fitness functions with faults, written to a file per test. A fault starts once FAULT_RUN/history.csv
#: has FAULT_AFTER rows, so a checkpoint exists before it.
FAULTY = textwrap.dedent('''
    import logging, os, signal, time
    from pathlib import Path
    import numpy as np

    def _done():
        try:
            return len(Path(os.environ["FAULT_RUN"], "history.csv").read_text().splitlines()) - 1
        except (KeyError, FileNotFoundError):
            return 0

    def _faulty():
        return _done() >= int(os.environ.get("FAULT_AFTER", "2"))

    def score(network):
        return -float(np.sum((network(np.array([0.5, -0.5])) - 0.25) ** 2))

    def raises(network):
        if _faulty() and network.genome[0] > 0.5:
            raise ZeroDivisionError("boom in user code")
        return score(network)

    def dies_once(network):
        marker = Path(os.environ["FAULT_RUN"], "died")
        if _faulty() and network.genome[0] > 0.5 and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return score(network)

    def segfaults_once(network):
        import ctypes
        marker = Path(os.environ["FAULT_RUN"], "died")
        if _faulty() and network.genome[0] > 0.5 and not marker.exists():
            marker.touch()
            import faulthandler  # pytest's faulthandler dump goes to a file, not into the test output
            faulthandler.enable(open(Path(os.environ["FAULT_RUN"], "crash.txt"), "w"))
            ctypes.string_at(0)  # reads address 0: SIGSEGV
        return score(network)

    def always_dies(network):
        if _faulty():
            os._exit(3)
        return score(network)

    def hangs(network):
        if _faulty() and network.genome[0] > 0.5:
            time.sleep(3600)
        return score(network)

    def nan(network):
        return float("nan") if _faulty() and network.genome[0] > 0.5 else score(network)

    def logs(network):
        logging.getLogger("user").info("scored in pid %d", os.getpid())
        logging.getLogger("user").debug("debug detail")
        return score(network)

    def slow(network):
        time.sleep(0.004)
        return score(network)
''')

COMMON = ["--network", "2,4,1", "--population", "20", "--seed", "5"]


@pytest.fixture
def faulty(tmp_path, monkeypatch):
    """Path of the faulty fitness file; FAULT_RUN points at tmp_path/run."""
    path = tmp_path / "faulty.py"
    path.write_text(FAULTY)
    monkeypatch.setenv("FAULT_RUN", str(tmp_path / "run"))
    return path


def spawn(*argv, **env):
    """Start `neuroevo` in a subprocess and its own process group (stderr piped), with the FAULT_RUN of the
    test's environment."""
    return subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *map(str, argv)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def run_cli(*argv, **env):
    p = spawn(*argv, **env)
    _, err = p.communicate(timeout=120)
    return p.returncode, err


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process from /proc, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1])


def alive(pids) -> list[int]:
    """The processes of ``pids`` still running (zombies count as gone)."""
    return [pid for pid in pids if (st := _stat(pid)) is not None and st[0] != "Z"]


def tagged(run: Path) -> list[int]:
    """Live processes (other than this one) started for ``run``: their environment has FAULT_RUN=run.

    Unlike a list of children, this also finds workers orphaned and re-parented after their parent died.
    """
    tag = f"FAULT_RUN={run}".encode()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if tag in env and alive([int(entry.name)]):
            out.append(int(entry.name))
    return out


def no_process_left(run: Path) -> bool:
    deadline = time.time() + 5
    while tagged(run) and time.time() < deadline:
        time.sleep(0.02)
    return tagged(run) == []


def wait_rows(folder: Path, rows: int, proc) -> None:
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if (folder / "history.csv").is_file() and len(history(folder)) > rows:
            return
        time.sleep(0.01)
    raise AssertionError(f"the run did not reach {rows} generations")


def one_line_error(err: str) -> str:
    """The one `neuroevo: ...` line of stderr (progress lines aside); no traceback."""
    lines = [line for line in err.splitlines() if line.startswith("neuroevo")]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def failing_genome(folder: Path) -> int:
    """Index of the first genome with genome[0] > 0.5 in the checkpointed population (the one scored last)."""
    arrays, _ = load_checkpoint(folder)
    return int(np.flatnonzero(arrays["population"][:, 0] > 0.5)[0])


# ------------------------------------------------------------------------------------ a fitness that raises

@pytest.mark.parametrize("workers", ["1", "2"])
def test_raising_fitness_names_the_genome_and_logs_the_traceback(faulty, tmp_path, workers):
    run = tmp_path / "run"
    code, err = run_cli("evolve", "--fitness", f"{faulty}:raises", *COMMON, "--generations", "6",
                        "--workers", workers, "--out", run)
    assert code == 2
    index = failing_genome(run)
    assert one_line_error(err) == (f"neuroevo: error: fitness of genome {index} failed: raises raised "
                                   f"ZeroDivisionError: boom in user code")
    text = (run / "run.log").read_text()
    assert "Traceback (most recent call last)" in text and 'raise ZeroDivisionError("boom in user code")' in text
    _, meta = load_checkpoint(run)  # intact, at the failing generation
    assert meta["generation"] == 2 and len(history(run)) == 3


# ---------------------------------------------------------------------------- a worker process that dies

@pytest.mark.parametrize("fn,how", [("dies_once", "SIGKILL"), ("segfaults_once", "SIGSEGV")])
def test_worker_killed_once_is_replaced_and_the_result_unchanged(faulty, tmp_path, fn, how):
    args = ["evolve", *COMMON, "--generations", "5", "--workers", "2"]
    assert main([*args, "--fitness", f"{faulty}:score", "--out", str(tmp_path / "clean")]) == 0
    run = tmp_path / "run"
    assert main([*args, "--fitness", f"{faulty}:{fn}", "--out", str(run)]) == 0
    assert (run / "died").exists(), "the fault must have been injected"
    assert history(run) == history(tmp_path / "clean")
    assert f"died (killed by signal {how}) while scoring genomes" in (run / "run.log").read_text()
    if how == "SIGSEGV":  # a real segfault, its dump kept out of the test output
        assert "Fatal Python error: Segmentation fault" in (run / "crash.txt").read_text()


def test_worker_that_always_dies_gives_a_clear_error(faulty, tmp_path):
    run = tmp_path / "run"
    proc = spawn("evolve", "--fitness", f"{faulty}:always_dies", *COMMON, "--generations", "6", "--workers",
                 "2", "--max-retries", "1", "--out", run)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    line = one_line_error(err)
    assert "died (exit code 3) while scoring genomes" in line and "on 2 attempts" in line, line
    assert load_checkpoint(run)[1]["generation"] == 2
    assert no_process_left(run)


def test_dead_worker_in_the_api_is_refused_then_the_pool_recovers(tmp_path):
    spec = NetworkSpec.build(2, [3], 1, "tanh", "linear")
    ga = GeneticAlgorithm(spec, GAConfig(population=10), seed=1)
    fixed = tmp_path / "fixed"

    def fitness(network):  # a closure: works with the fork-started pool
        if network.genome[0] > 0 and not fixed.exists():
            os._exit(7)
        return 1.0

    with ProcessPoolEvaluator(FunctionTask(fitness, spec), 2, max_retries=0) as pool:
        with pytest.raises(WorkerLostError, match=r"died \(exit code 7\) while scoring genomes \d+-\d+, on 1 "):
            pool.evaluate(ga.ask(), np.zeros(1, np.int64))
        fixed.touch()
        np.testing.assert_array_equal(pool.evaluate(ga.ask(), np.zeros(1, np.int64))[0], np.ones(10))
        pids = pool.pids
        assert len(pids) == 2
    assert alive(pids) == []


# ---------------------------------------------------------------------------------- a fitness that hangs

@pytest.mark.parametrize("workers", ["1", "2"])
def test_hanging_fitness_hits_the_eval_timeout(faulty, tmp_path, workers):
    run = tmp_path / "run"
    proc = spawn("evolve", "--fitness", f"{faulty}:hangs", *COMMON, "--generations", "6", "--workers", workers,
                 "--eval-timeout", "1.5", "--out", run)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    line = one_line_error(err)
    assert "evaluation of generation 3 took longer than --eval-timeout 1.5 s" in line, line
    assert load_checkpoint(run)[1]["generation"] == 2
    assert no_process_left(run)


# --------------------------------------------------------------------------------- NaN or infinite fitness

def test_nan_fitness_is_an_error_by_default_on_the_pool(faulty, tmp_path):
    run = tmp_path / "run"
    assert main(["evolve", "--fitness", f"{faulty}:nan", *COMMON, "--generations", "4", "--workers", "2",
                 "--out", str(run)]) == 2
    _, meta = load_checkpoint(run)
    assert meta["generation"] == 2


def test_nan_fitness_worst_ranks_it_last(faulty, tmp_path):
    run = tmp_path / "run"
    assert main(["evolve", "--fitness", f"{faulty}:nan", *COMMON, "--generations", "4", "--workers", "2",
                 "--nan-fitness", "worst", "--out", str(run)]) == 0
    rows = history(run)[1:]
    assert len(rows) == 4 and all(np.isfinite(float(v)) for r in rows for v in r[1:5])
    assert "NaN or infinite fitness ranked worst" in (run / "run.log").read_text()


def test_nan_worst_policy_in_the_population():
    spec = NetworkSpec.build(2, [], 1, "tanh", "linear")
    ga = GeneticAlgorithm(spec, GAConfig(population=4, elitism=0), seed=0)
    pop = Population(FunctionTask(lambda n: 0.0, spec), ga, nan_fitness="worst")
    out = pop._check_finite(np.array([1.0, np.nan, -2.0, np.inf]), 0)
    assert out[0] == 1.0 and out[2] == -2.0 and out[1] == out[3] < -2.0
    assert np.argsort(out, kind="stable")[:2].tolist() == [1, 3]


# --------------------------------------------------------------------- SIGINT, SIGTERM, SIGKILL and resume

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_checkpoints_and_resumes_to_the_clean_result(faulty, tmp_path, sig):
    """SIGINT goes to the whole process group, as Ctrl-C in a terminal; SIGTERM to the run only."""
    args = ["evolve", "--fitness", f"{faulty}:slow", *COMMON, "--generations", "25", "--workers", "2"]
    assert main([*args, "--out", str(tmp_path / "clean")]) == 0
    run = tmp_path / "run"
    proc = spawn(*args, "--out", run)
    wait_rows(run, 4, proc)
    assert len(tagged(run)) == 3  # the run and its two workers
    sent = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert proc.returncode == 128 + sig, err
    assert "interrupted; the last checkpoint is kept" in err and "Traceback" not in err
    assert no_process_left(run)
    _, meta = load_checkpoint(run)
    assert 0 < meta["generation"] < 25 and len(history(run)) - 1 == meta["generation"]
    assert f"stopped by {sig.name}" in (run / "run.log").read_text()
    print(f"{sig.name}: exited {took:.2f} s after the signal")  # shown with -s
    assert main(["evolve", "--resume", str(run)]) == 0
    assert history(run) == history(tmp_path / "clean")


def test_sigkill_leaves_no_worker_and_resumes_to_the_clean_result(faulty, tmp_path):
    args = ["evolve", "--fitness", f"{faulty}:slow", *COMMON, "--generations", "20", "--workers", "2"]
    assert main([*args, "--out", str(tmp_path / "clean")]) == 0
    run = tmp_path / "run"
    proc = spawn(*args, "--out", run)
    wait_rows(run, 5, proc)
    assert len(tagged(run)) == 3
    proc.kill()
    proc.wait()
    assert no_process_left(run), "workers must die with their parent (PR_SET_PDEATHSIG)"
    assert 0 < len(history(run)) - 1 < 20
    assert main(["evolve", "--resume", str(run), "--workers", "1"]) == 0  # another backend on resume
    assert history(run) == history(tmp_path / "clean")


def test_resume_on_another_backend_equals_a_clean_run(faulty, tmp_path):
    args = ["evolve", "--fitness", f"{faulty}:score", *COMMON]
    assert main([*args, "--generations", "4", "--workers", "1", "--out", str(tmp_path / "clean")]) == 0
    run = str(tmp_path / "run")
    assert main([*args, "--generations", "2", "--backend", "serial", "--out", run]) == 0
    assert main(["evolve", "--resume", run, "--generations", "4", "--backend", "process", "--workers", "2",
                 "--eval-timeout", "30"]) == 0
    assert history(run) == history(tmp_path / "clean")


# ------------------------------------------------------------------------------------- fork-safe user code

MAIN_SCRIPT = textwrap.dedent('''
    import numpy as np
    from neuroevo import GeneticAlgorithm, Population
    from neuroevo.config import GAConfig
    from neuroevo.evaluation import FunctionTask, make_evaluator
    from neuroevo.network import NetworkSpec

    def fitness(network):  # defined in __main__: pickling it fails in neat-python, PyGAD and DEAP pools
        return float(network(np.ones(2))[0]) * SCALE

    SCALE = 2.0
    spec = NetworkSpec.build(2, [3], 1, "tanh", "linear")
    results = []
    for fn in (fitness, lambda network: fitness(network) + OFFSET):
        OFFSET = 1.0
        task = FunctionTask(fn, spec)
        with make_evaluator(task, workers=2, backend="process") as ev:
            ga = GeneticAlgorithm(spec, GAConfig(population=12), seed=0)
            results.append(Population(task, ga, ev).run(3).best_fitness)
    print(results[0], results[1])
''')


def test_fitness_defined_in_main_and_lambdas_work_with_the_pool(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text(MAIN_SCRIPT)
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stderr
    a, b = map(float, p.stdout.split())
    assert b == pytest.approx(a + 1.0)


# ------------------------------------------------------------------------------------------------ logging

@pytest.mark.parametrize("flag,info,debug", [("", True, False), ("-q", False, False), ("-v", True, True)])
def test_worker_log_records_reach_run_log(faulty, tmp_path, flag, info, debug):
    run = tmp_path / "run"
    argv = ["evolve", *([flag] if flag else []), "--fitness", f"{faulty}:logs", *COMMON, "--generations", "2",
            "--workers", "2", "--out", str(run)]
    assert main(argv) == 0
    text = (run / "run.log").read_text()
    assert ("worker-1 gen 1 INFO user: scored in pid" in text) == info  # generations counted from 1
    assert ("worker-2 gen 2 INFO user: scored in pid" in text) == info
    assert " gen 0 " not in text
    assert ("DEBUG user: debug detail" in text) == debug
    assert ("MainProcess gen 1 INFO neuroevo: generation 1 best" in text) == info


def test_split_covers_every_genome_once():
    for n in (1, 5, 20, 101):
        for chunks in (1, 3, 4, 200):
            parts = split(n, chunks)
            assert [i for a, b in parts for i in range(a, b)] == list(range(n))
            sizes = [b - a for a, b in parts]
            assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


@pytest.fixture(autouse=True)
def _restore_logging():
    """main() sets the run.log level; put the default back for the next test."""
    yield
    from neuroevo.run import set_log_level

    set_log_level(logging.INFO)


# ------------------------------------------------------------------------------------ bad backend settings

BAD = [
    (["--backend", "gpu"], "unknown --backend 'gpu'; choose from auto, serial, process, ray"),
    (["--address", "auto"], "--address auto needs --backend ray"),
    (["--nan-fitness", "skip"], "--nan-fitness must be error or worst, got 'skip'"),
    (["--eval-timeout", "-1"], "--eval-timeout must be a number of seconds >= 0"),
    (["--max-retries", "-1"], "--max-retries must be >= 0"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[a[0] for a, _ in BAD])
def test_bad_backend_settings_are_one_line_errors(tmp_path, capsys, argv, message):
    assert main(["evolve", *argv, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert one_line_error(err).startswith(f"neuroevo: error: {message}"), err


def test_ray_backend_without_ray_says_how_to_install(monkeypatch):
    from neuroevo.errors import ConfigError
    from neuroevo.evaluation.ray_backend import RayEvaluator

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    spec = NetworkSpec.build(2, [], 1, "tanh", "linear")
    with pytest.raises(ConfigError, match=r'--backend ray needs Ray: pip install "neuroevo\[ray\]"'):
        RayEvaluator(FunctionTask(lambda n: 0.0, spec), 2).__enter__()
