"""The hostile-input suite (issue 11, point 9): property-based tests (Hypothesis) over the CLI's flags, the
TOML schema and the run-folder files, and fault injection (signals at random moments during start-up,
compilation, evaluation and checkpoint writes; a full disk on a small tmpfs; read-only mounts).

Each case asserts the exit code, at most one `neuroevo` line on stderr and no traceback, no process left
behind, and the run folder unchanged or resumable bit-identically. CI runs a bounded sample of each
property (``max_examples`` below); ``pytest -m slow`` runs the long versions.
"""

import contextlib
import json
import os
import shutil
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroevo.checkpoint import _sha256, load_checkpoint
from neuroevo.cli import main
from neuroevo.config import resolve
from neuroevo.errors import NeuroevoError
from tests.test_runfolder import HOSTILE, digest, rows

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--fitness", f"{HOSTILE}:score", "--network", "2,3,1", "--population", "6", "--generations", "2"]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def lines_ok(err: str) -> list[str]:
    """The `neuroevo...` lines of stderr (at most one), asserting no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("neuroevo")]
    assert len(lines) <= 1, err
    return lines


# ------------------------------------------------------------------------------------------ CLI flags

WEIRD = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.text(string.printable, max_size=12), st.sampled_from(["", "-1", "0", "nan", "inf", "1e309",
                                                                             "1,2", ",", "ray", "auto", "🙂"]))
FLAGS = {
    "--population": st.one_of(st.integers(-3, 12).map(str), WEIRD),
    "--elitism": st.one_of(st.integers(-2, 8).map(str), WEIRD),
    "--mutation-rate": st.one_of(st.floats(-1, 2).map(repr), WEIRD),
    "--mutation-scale": st.one_of(st.floats(-1, 10).map(repr), WEIRD),
    "--crossover-rate": st.one_of(st.floats(-1, 2).map(repr), WEIRD),
    "--selection": st.one_of(st.sampled_from(["roulette", "sus", "tournament", "rank", "truncation"]), WEIRD),
    "--crossover": st.one_of(st.sampled_from(["layer", "node", "uniform", "none"]), WEIRD),
    "--mutation": st.one_of(st.sampled_from(["uniform", "gaussian", "sign_flip", "reset"]), WEIRD),
    "--tournament-size": st.one_of(st.integers(-1, 9).map(str), WEIRD),
    "--truncation-fraction": st.one_of(st.floats(-1, 2).map(repr), WEIRD),
    "--seed": st.one_of(st.integers(-5, 2**64).map(str), WEIRD),
    "--target": st.one_of(st.floats(allow_nan=True).map(repr), WEIRD),
    "--generations": st.one_of(st.integers(-1, 3).map(str), WEIRD),
    "--checkpoint-every": st.one_of(st.integers(-1, 3).map(str), WEIRD),
    "--episodes": st.one_of(st.integers(-1, 3).map(str), WEIRD),
    "--network": st.one_of(st.lists(st.integers(-2, 5), max_size=4).map(lambda v: ",".join(map(str, v))), WEIRD),
    "--activation": st.one_of(st.sampled_from(["tanh", "relu", "sigmoid", "linear"]), WEIRD),
    "--eval-timeout": st.one_of(st.floats(-1, 30).map(repr), WEIRD),
    "--max-retries": st.one_of(st.integers(-2, 3).map(str), WEIRD),
    "--nan-fitness": st.one_of(st.sampled_from(["error", "worst"]), WEIRD),
    "--backend": st.sampled_from(["serial", "process", "auto", "gpu", ""]),
    "--workers": st.one_of(st.integers(-1, 3).map(str), st.sampled_from(["99999", "x"])),
    "--address": st.sampled_from(["not an address", "127.0.0.1:99999", ":", "[::1]:x", "host:"]),
    "--algorithm": st.one_of(st.just("ga"), WEIRD),
    "--env-arg": st.text(string.printable, max_size=10),
}


@st.composite
def evolve_argv(draw):
    names = draw(st.lists(st.sampled_from(sorted(FLAGS)), max_size=5, unique=True))
    argv = []
    for name in names:
        value = draw(FLAGS[name])
        argv += [f"{name}={value}"]  # "=" keeps values starting with "-" as values
    return argv


def _check_cli(argv, tmp_path, capsys):
    out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    try:
        code = main(["evolve", *SMALL, "--workers", "1", "-q", *argv, "--out", str(out)])
    except SystemExit as e:  # argparse: usage errors exit 2 with one line
        code = e.code
    err = capsys.readouterr().err
    assert code in (0, 2), (argv, code, err)
    lines = lines_ok(err)
    if code == 2:
        assert lines and lines[0].startswith(("neuroevo: error:", "neuroevo evolve: error:")), (argv, err)
        assert not out.exists() or not (out / "checkpoint.json").exists() or (out / "history.csv").exists()
    return code


CLI_FOUND: list = []


@FAST
@given(argv=evolve_argv())
def test_cli_flags_property(tmp_path_factory, argv):
    tmp = tmp_path_factory.mktemp("cli")
    import _pytest.capture  # noqa: F401

    with _captured() as cap:
        _check_cli(argv, tmp, cap)


@pytest.mark.slow
@SLOW
@given(argv=evolve_argv())
def test_cli_flags_property_long(tmp_path_factory, argv):
    with _captured() as cap:
        _check_cli(argv, tmp_path_factory.mktemp("cli"), cap)


class _Cap:
    """A capsys-like reader of this process's stderr (Hypothesis runs many examples in one test)."""

    def __init__(self, buf):
        self.buf = buf

    def readouterr(self):
        text = self.buf.getvalue()
        self.buf.seek(0)
        self.buf.truncate()
        return type("R", (), {"out": "", "err": text})()


@contextlib.contextmanager
def _captured():
    import io

    buf, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(out):
        yield _Cap(buf)


# ---------------------------------------------------------------------------------------- TOML schema

SECTIONS = {"task": ["env", "fitness", "network", "inputs", "outputs", "episodes", "env_kwargs"],
            "network": ["hidden", "activation", "output_activation"],
            "ga": ["population", "selection", "tournament_size", "truncation_fraction", "crossover",
                   "crossover_rate", "mutation", "mutation_rate", "mutation_scale", "elitism"],
            "run": ["generations", "seed", "target", "workers", "out", "checkpoint_every", "backend", "address",
                    "eval_timeout", "max_retries", "nan_fitness", "algorithm"],
            "bogus": ["x"]}
LEAF = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True), st.booleans(), st.text(max_size=8),
                 st.lists(st.integers(-3, 40), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))
TOML_DOC = st.dictionaries(st.sampled_from(sorted(SECTIONS)), st.none(), max_size=4).flatmap(
    lambda secs: st.fixed_dictionaries({s: st.dictionaries(st.sampled_from(SECTIONS[s] + ["unknown_key"]), LEAF,
                                                           max_size=4) for s in secs}))


def _check_toml(path: Path) -> None:
    try:
        resolve(str(path))
    except NeuroevoError as e:
        assert "\n" not in str(e)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(doc=TOML_DOC)
def test_toml_schema_property(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("toml") / "c.toml"
    path.write_text(tomli_w.dumps(doc))
    _check_toml(path)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=st.one_of(st.text(max_size=60), st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
                      st.integers(1, 3000).map(lambda n: "a = " + "[" * n + "]" * n),
                      st.integers(1, 3000).map(lambda n: "a = " + "{b = " * n + "1" + "}" * n)))
def test_toml_text_property(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("toml") / "c.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    _check_toml(path)


# ------------------------------------------------------------------------------------- run-folder files

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("finished") / "run"
    assert main(["evolve", *SMALL, "--workers", "1", "-q", "--out", str(folder)]) == 0
    return folder


JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
                                    st.text(max_size=10)),
                          lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=5), c,
                                                                                       max_size=3)), max_leaves=6)
CHECKPOINT_FIELDS = ["format", "version", "arrays", "sha256", "generation", "evaluations", "env_steps", "elapsed",
                     "seed", "best_fitness", "last_best", "spec", "config", "strategy"]


def _mutate(folder: Path, data) -> str:
    """Change one run-folder file at random (content wrong, hash right where there is one)."""
    which = data.draw(st.sampled_from(["checkpoint", "best", "history", "config", "npz"]))
    if which == "checkpoint":
        path = folder / "checkpoint.json"
        meta = json.loads(path.read_text())
        key = data.draw(st.sampled_from(CHECKPOINT_FIELDS))
        if data.draw(st.booleans()):
            meta.pop(key, None)
        else:
            meta[key] = data.draw(JSON_VALUE)
        meta.pop("sha256", None)
        with contextlib.suppress(Exception):
            meta["sha256"] = _sha256(folder / meta["arrays"], meta)
        path.write_text(json.dumps(meta))
    elif which == "best":
        path = folder / "best.json"
        meta = json.loads(path.read_text())
        meta[data.draw(st.sampled_from(["format", "version", "spec", "env_id", "env_kwargs"]))] = data.draw(JSON_VALUE)
        path.write_text(json.dumps(meta))
    elif which == "history":
        lines = (folder / "history.csv").read_bytes().split(b"\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = data.draw(st.binary(max_size=30))
        (folder / "history.csv").write_bytes(b"\n".join(lines))
    elif which == "config":
        text = (folder / "config.toml").read_text().splitlines()
        i = data.draw(st.integers(0, len(text) - 1))
        text[i] = data.draw(st.text(max_size=30))
        (folder / "config.toml").write_text("\n".join(text))
    else:
        npz = next(folder.glob("checkpoint-*.npz"))
        raw = bytearray(npz.read_bytes())
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= 0xFF
        npz.write_bytes(bytes(raw))
    return which


def _check_files(finished, tmp, data):
    run = tmp / "run"
    shutil.copytree(finished, run)
    _mutate(run, data)
    before = digest(run)
    with _captured() as cap:
        code = main(["evolve", "--resume", str(run), "--generations", "3", "-q"])
        err = cap.readouterr().err
        assert code in (0, 2), err
        lines_ok(err)
        if code == 2:
            assert digest(run) == before, err  # a refused resume changes nothing
        code = main(["evaluate", str(run), "--episodes", "1"])
        assert code in (0, 2)
        lines_ok(cap.readouterr().err)


@FAST
@given(data=st.data())
def test_run_folder_files_property(finished, tmp_path_factory, data):
    _check_files(finished, tmp_path_factory.mktemp("files"), data)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_run_folder_files_property_long(finished, tmp_path_factory, data):
    _check_files(finished, tmp_path_factory.mktemp("files"), data)


# ------------------------------------------------------------------------ signals at random moments

def _tagged(tag: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if tag.encode() in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
                if state != "Z":
                    out.append(int(entry.name))
        except OSError:
            continue
    return out


def _no_process_left(tag: str) -> bool:
    deadline = time.time() + 10
    while _tagged(tag) and time.time() < deadline:
        time.sleep(0.05)
    return not _tagged(tag)


SIGNAL_ARGS = ["evolve", "--fitness", f"{HOSTILE}:score", "--network", "2,3,1", "--population", "8",
               "--generations", "12", "--seed", "2"]


@pytest.fixture(scope="module")
def clean_signal_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean") / "run"
    assert main([*SIGNAL_ARGS, "--workers", "1", "-q", "--out", str(folder)]) == 0
    return folder


def _signal_case(tmp: Path, clean: Path, sig: int, delay: float, workers: str, sleep: str) -> None:
    run = tmp / "run"
    tag = f"HOSTILE_TAG={tmp}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOSTILE_TAG": str(tmp), "HOSTILE_SLEEP": sleep}
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *SIGNAL_ARGS, "--workers", workers, "--out",
                             str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    interpreter_start = proc.returncode == 1 and "Fatal Python error: init_import_site" in err
    if (proc.returncode == -sig or interpreter_start) and sig != signal.SIGKILL:
        # Before main(): the interpreter starting (a SIGINT while CPython imports `site` ends it with its own
        # "Fatal Python error", exit 1), or importing neuroevo (numba takes a second); Python's own
        # KeyboardInterrupt ends it, in the import frames only, and nothing was written. (Known limit: the
        # package import cannot install a handler without a global side effect.)
        assert not run.exists(), err
        in_main = [line for line in err.splitlines() if "neuroevo/cli.py" in line and "in <module>" not in line]
        assert err == "" or (err.rstrip().endswith("KeyboardInterrupt") and not in_main) or \
            err == "neuroevo: interrupted while starting; nothing was written (run the same command again)\n", err
        PRE_MAIN.append(delay)
        return
    assert proc.returncode in (0, 128 + sig, -signal.SIGKILL), (proc.returncode, err)
    if sig != signal.SIGKILL:
        lines = lines_ok(err)
        if proc.returncode == 128 + sig:
            assert len(lines) == 1, err
    assert _no_process_left(tag)
    resumable = (run / "checkpoint.json").is_file()
    if proc.returncode == 128 + sig and sig != signal.SIGKILL:
        assert ("continue with: neuroevo evolve --resume" in err) == resumable, err
    if not resumable:
        assert not (run / "history.csv").exists()
        return
    load_checkpoint(run)  # intact whatever the moment
    code = main(["evolve", "--resume", str(run), "-q"])
    assert code == 0
    assert rows(run) == rows(clean)


PRE_MAIN: list = []  # delays at which the signal arrived before main() (reported with -s)

SIGNAL_CASE = st.tuples(st.sampled_from([signal.SIGINT, signal.SIGTERM, signal.SIGKILL]),
                        st.floats(0.0, 4.0), st.sampled_from(["1", "2"]), st.sampled_from(["0", "0.01"]))


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(case=SIGNAL_CASE)
def test_signals_at_random_moments(tmp_path_factory, clean_signal_run, case):
    _signal_case(tmp_path_factory.mktemp("sig"), clean_signal_run, *case)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=SIGNAL_CASE)
def test_signals_at_random_moments_long(tmp_path_factory, clean_signal_run, case):
    _signal_case(tmp_path_factory.mktemp("sig"), clean_signal_run, *case)


def test_signal_during_numba_compilation_is_resumable(tmp_path):
    """CartPole's population kernel compiled from scratch (an empty Numba cache): SIGINT while it compiles."""
    args = ["evolve", "--generations", "2", "--population", "6", "--episodes", "1", "--workers", "1"]
    assert main([*args, "-q", "--out", str(tmp_path / "clean")]) == 0
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    proc = subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *args, "--out", str(run)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=env)
    deadline = time.time() + 60
    while not (run / "checkpoint.json").exists() and time.time() < deadline:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)  # the kernel is compiling (seconds with no cache)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run ended before the signal")
    assert proc.returncode == 130
    assert len(lines_ok(err)) == 1 and f"--resume {run}" in err
    assert main(["evolve", "--resume", str(run), "-q"]) == 0
    assert rows(run) == rows(tmp_path / "clean")


# ------------------------------------------------------------------------------ found by hand tries

def test_resume_with_another_algorithm_is_one_line_and_changes_nothing(clean_signal_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(clean_signal_run, run)
    before = digest(run)
    for extra in (["--algorithm", "cmaes"], ["--algorithm", "cmaes", "--sigma", "0.3"]):
        assert main(["evolve", "--resume", str(run), *extra]) == 2
        err = capsys.readouterr().err
        assert lines_ok(err) == ["neuroevo: error: --algorithm cannot change when resuming (the run used 'ga'); "
                                 "start a new run with --out instead"], err
    assert digest(run) == before


def test_evaluate_with_too_many_episodes_is_one_line(clean_signal_run, capsys):
    assert main(["evaluate", str(clean_signal_run), "--episodes", str(10**10)]) == 2  # checked before anything
    assert lines_ok(capsys.readouterr().err) == ["neuroevo: error: --episodes must be in [1, 1,000,000], got "
                                                 "10000000000"]


# ------------------------------------------------------------------------------ full disk, read-only

def _root_mounts() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def read_only(src: Path, dst: Path):
    dst.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "--bind", str(src), str(dst)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(dst)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only")
        yield dst
    finally:
        subprocess.run(["umount", "-l", str(dst)], capture_output=True)


needs_root = pytest.mark.skipif(not _root_mounts(), reason="mounting needs root")
BIG = ["evolve", "--fitness", f"{HOSTILE}:score", "--network", "2,64,1", "--population", "200", "--seed", "4",
       "--workers", "1", "-q"]


@needs_root
def test_full_disk_during_a_checkpoint_is_one_line_and_resumable(tmp_path, capsys):
    """Each checkpoint array file is ~410 KB; on a 700 KB tmpfs the second one cannot be written."""
    assert main([*BIG, "--generations", "6", "--out", str(tmp_path / "clean")]) == 0
    capsys.readouterr()
    with tmpfs(tmp_path / "disk", "700k") as disk:
        run = disk / "run"
        code = main([*BIG, "--generations", "6", "--out", str(run)])
        err = capsys.readouterr().err
        assert code == 2, err
        line = lines_ok(err)[0]
        assert line.startswith(f"neuroevo: error: cannot write {run}/") and line.endswith(
            ": No space left on device"), line
        assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]
        _, meta = load_checkpoint(run)  # the previous checkpoint survived
        assert len(rows(run)) - 1 >= meta["generation"]
        subprocess.run(["mount", "-o", "remount,size=20m", str(disk)], check=True)
        assert main(["evolve", "--resume", str(run), "-q"]) == 0
        assert rows(run) == rows(tmp_path / "clean")


@needs_root
def test_full_disk_for_train_compare_and_gif(tmp_path, capsys, clean_signal_run):
    with tmpfs(tmp_path / "disk", "40k") as disk:
        (disk / "filler").write_bytes(b"x" * 36_000)
        cases = [["train", "--method", "backprop", "--task", "xor", "--set", "epochs=3", "--out", str(disk / "t")],
                 ["compare", "--task", "xor", "--methods", "backprop", "--seeds", "1", "--budget-steps", "200",
                  "--out", str(disk / "c")]]
        for argv in cases:
            assert main(argv) == 2, argv
            line = lines_ok(capsys.readouterr().err)[0]
            assert line.startswith("neuroevo: error: cannot write") and "No space left on device" in line, line
        assert not list(disk.rglob("*.tmp")) and not list(disk.rglob(".*.tmp"))


@needs_root
def test_read_only_run_folder(tmp_path, capsys, finished):
    src = tmp_path / "src"
    shutil.copytree(finished, src)
    before = digest(src)
    with read_only(src, tmp_path / "ro") as ro:
        assert main(["evolve", "--resume", str(ro), "--generations", "3"]) == 2
        assert lines_ok(capsys.readouterr().err)[0] == (f"neuroevo: error: cannot lock {ro}/.neuroevo.lock: "
                                                         f"Read-only file system")
        assert main(["evaluate", str(ro), "--episodes", "1"]) == 2  # a user fitness: nothing to play
        capsys.readouterr()
        for argv in (["evolve", *SMALL, "--out", str(ro / "new")],
                     ["train", "--method", "backprop", "--task", "xor", "--out", str(ro / "t")],
                     ["compare", "--task", "xor", "--methods", "backprop", "--seeds", "1", "--out", str(ro / "c")]):
            assert main(argv) == 2, argv
            line = lines_ok(capsys.readouterr().err)[0]
            assert "Read-only file system" in line and str(ro) in line, line
    assert digest(src) == before


@needs_root
def test_read_only_gif_and_out_folder(tmp_path, capsys):
    agent = tmp_path / "agent"
    assert main(["evolve", "--generations", "1", "--population", "4", "--episodes", "1", "--workers", "1", "-q",
                 "--out", str(agent)]) == 0
    (tmp_path / "w").mkdir()
    with read_only(tmp_path / "w", tmp_path / "ro") as ro:
        assert main(["watch", str(agent), "--record", str(ro / "x.gif")]) == 2
        line = lines_ok(capsys.readouterr().err)[0]
        assert "x." in line and "Read-only file system" in line, line


def test_a_signal_inside_loggings_fork_hook_waits_for_check():
    """SIGINT while a worker is forked lands in ``logging``'s at-fork hook, where ``os.fork`` would print the
    exception ("Exception ignored in: <function _releaseLock>", a traceback) and drop it: the guard defers the
    interrupt to :meth:`SignalGuard.check` instead (seen once in CI: test_signals_at_random_moments)."""
    from neuroevo.signals import Interrupted, SignalGuard

    hook = {"__name__": "logging", "sys": sys}
    exec("def _releaseLock():\n    return sys._getframe()\n", hook)
    frame = hook["_releaseLock"]()
    guard = SignalGuard()
    guard.interruptible = True
    guard._handle(signal.SIGINT, frame)  # no exception here
    assert guard.signum == signal.SIGINT and guard.interruptible
    with pytest.raises(Interrupted):
        guard.check()
    with pytest.raises(Interrupted):  # anywhere else the signal interrupts at once
        guard._handle(signal.SIGINT, sys._getframe())
