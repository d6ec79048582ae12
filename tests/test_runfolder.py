"""Run folders: the lock, ownership markers, resume transactions, the truthful interrupt message,
validation of the files read back, and resume rules (issue 11, points 1-4)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuroevo.checkpoint import _sha256, load_checkpoint
from neuroevo.cli import main
from neuroevo.runfolder import LOCK, MARKER, FolderLock, holder_pid, owner

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = str(ROOT / "tests" / "fixtures" / "hostile_fns.py")
COMMON = ["--network", "2,4,1", "--population", "12", "--seed", "3", "--workers", "1"]


def spawn(*argv, **env):
    return subprocess.Popen([sys.executable, "-m", "neuroevo.cli", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def run_cli(*argv, timeout=120, **env):
    p = spawn(*argv, **env)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("neuroevo")]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def digest(folder: Path) -> dict:
    """SHA-256 of every file in ``folder`` (recursively) and its mode: the folder byte for byte."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
    return out


def rows(folder: Path) -> list[list[str]]:
    """history.csv without the elapsed column."""
    lines = (Path(folder) / "history.csv").read_text().splitlines()
    return [line.split(",")[:-1] for line in lines]


def wait_rows(folder: Path, n: int, proc, timeout=60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            if len((folder / "history.csv").read_text().splitlines()) > n:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"no {n} generations: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}")


@pytest.fixture(scope="module")
def done_run(tmp_path_factory):
    """A finished 3-generation run (copied by the tests that change it)."""
    folder = tmp_path_factory.mktemp("runs") / "done"
    assert main(["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--generations", "3", "--out", str(folder)]) == 0
    return folder


@pytest.fixture
def run_copy(done_run, tmp_path):
    import shutil

    dst = tmp_path / "run"
    shutil.copytree(done_run, dst)
    return dst


# -------------------------------------------------------------------------------------------- 1. lock

def test_second_writer_is_refused_naming_the_holder_then_a_killed_holder_never_blocks(tmp_path):
    run = tmp_path / "run"
    args = ["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--generations", "200"]
    proc = spawn(*args, "--out", run, HOSTILE_SLEEP="0.005")
    try:
        wait_rows(run, 2, proc)
        for argv in ([*args, "--out", run], ["evolve", "--resume", run]):
            code, _, err = run_cli(*argv)
            assert code == 2
            assert one_line(err) == (f"neuroevo: error: {run} is in use by another neuroevo process (pid "
                                     f"{proc.pid}); wait for it to end or stop it, or choose another folder")
        code, _, err = run_cli("train", "--method", "random-search", "--env", "CartPole-v1", "--out", run)
        assert code == 2 and "is made by `neuroevo evolve`" in one_line(err)
    finally:
        proc.kill()
        proc.wait()
    assert holder_pid(run / LOCK) is None  # the kernel dropped the lock with the process
    assert main(["evolve", "--resume", str(run), "--generations", "6"]) == 0  # the stale lock does not block


def test_lock_in_the_api(tmp_path):
    from neuroevo.errors import FolderBusyError

    with FolderLock(tmp_path):
        assert holder_pid(tmp_path / LOCK) == os.getpid()
        code = "from neuroevo.runfolder import FolderLock\nFolderLock(%r).acquire()" % str(tmp_path)
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert p.returncode == 1 and f"FolderBusyError: {tmp_path} is in use by another neuroevo process (pid " \
                                      f"{os.getpid()})" in p.stderr
        with pytest.raises(FolderBusyError):
            FolderLock(tmp_path).acquire()  # a second lock in this process is refused too
    FolderLock(tmp_path).acquire().release()


# --------------------------------------------------------------------------------------- 2. ownership

def test_evolve_refuses_a_users_folder_listing_its_content(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.toml").write_text("my = 1\n")
    (mine / "history.csv").write_text("my,data\n")
    before = digest(mine)
    assert main(["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert one_line(err) == (f"neuroevo: error: {mine} is not made by neuroevo and not empty (it holds config.toml, "
                             f"history.csv); `neuroevo evolve` writes only into a new or empty folder or one it "
                             f"made: choose another --out")
    assert digest(mine) == before and not (mine / MARKER).exists()


def test_commands_refuse_each_others_folders(tmp_path, capsys, done_run):
    trained = tmp_path / "trained"
    assert main(["train", "--method", "backprop", "--task", "xor", "--set", "epochs=2", "--out", str(trained)]) == 0
    assert owner(trained) == "train" and owner(done_run) == "evolve"
    capsys.readouterr()
    before = digest(trained), digest(done_run)
    assert main(["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--out", str(trained)]) == 2
    assert "is made by `neuroevo train` and not empty (it holds best.json, best.npz," in capsys.readouterr().err
    assert main(["train", "--method", "backprop", "--task", "xor", "--out", str(done_run)]) == 2
    assert "is made by `neuroevo evolve`" in capsys.readouterr().err
    assert main(["compare", "--task", "xor", "--methods", "backprop", "--seeds", "1", "--budget-steps", "10",
                 "--out", str(trained)]) == 2
    assert "is made by `neuroevo train`" in one_line(capsys.readouterr().err)
    assert (digest(trained), digest(done_run)) == before


def test_empty_folder_and_own_folder_are_taken(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "--method", "backprop", "--task", "xor", "--set", "epochs=2", "--out", str(empty)]) == 0
    assert owner(empty) == "train"
    out = tmp_path / "cmp"
    argv = ["compare", "--task", "xor", "--methods", "backprop", "--seeds", "1", "--budget-steps", "400", "--out",
            str(out)]
    assert main(argv) == 0 and main(argv) == 0  # compare may rewrite its own folder
    assert owner(out) == "compare"


@pytest.mark.parametrize("cmd", [["evolve", "--fitness", f"{HOSTILE}:score", *COMMON],
                                 ["train", "--method", "backprop", "--task", "xor"],
                                 ["compare", "--task", "xor", "--methods", "backprop", "--seeds", "1"]],
                         ids=["evolve", "train", "compare"])
def test_out_that_is_a_file_is_one_line(tmp_path, capsys, cmd):
    f = tmp_path / "file"
    f.write_text("x")
    assert main([*cmd, "--out", str(f)]) == 2
    assert one_line(capsys.readouterr().err) == f"neuroevo: error: cannot use {f} as a folder: it is a file"
    assert main([*cmd, "--out", str(f / "sub")]) == 2
    assert "neuroevo: error: cannot create the folder" in one_line(capsys.readouterr().err)
    assert f.read_text() == "x"


def test_temporary_files_of_killed_writes_are_removed_at_the_next_start(run_copy):
    for name in (".checkpoint.json.abc123.tmp", ".history.csv.x_Y9.tmp"):
        (run_copy / name).write_bytes(b"half")
    assert main(["evolve", "--resume", str(run_copy), "--generations", "4"]) == 0
    assert not list(run_copy.glob(".*.tmp"))


# -------------------------------------------------------------------------------- 3. resume transactions

def test_failed_resume_leaves_the_folder_byte_for_byte(run_copy, capsys):
    before = digest(run_copy)
    cases = [
        (["--backend", "ray", "--address", "127.0.0.1:1"], "cannot reach the Ray cluster at 127.0.0.1:1"),
        (["--backend", "ray", "--address", "not an address"], "is not a Ray cluster address"),
        (["--population", "30"], "--population cannot change when resuming"),
        (["--out", str(run_copy.parent / "elsewhere")], "cannot be combined with --resume"),
        (["--config", "x.toml"], "--config cannot be combined with --resume"),
    ]
    for flags, message in cases:
        assert main(["evolve", "--resume", str(run_copy), *flags]) == 2, flags
        assert message in one_line(capsys.readouterr().err)
        assert digest(run_copy) == before, flags
    assert not (run_copy.parent / "elsewhere").exists()
    assert main(["evolve", "--resume", str(run_copy), "--out", str(run_copy), "--generations", "4"]) == 0


def test_interrupt_during_import_says_nothing_is_resumable(tmp_path):
    run = tmp_path / "run"
    proc = spawn("evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--out", run, HOSTILE_IMPORT_SLEEP="30")
    time.sleep(3)  # inside the import of the fitness module
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert one_line(err) == ("neuroevo: interrupted before the run folder held a checkpoint; nothing to resume: run "
                             "the same command again")
    assert not run.exists()


@pytest.mark.parametrize("when", ["start-up", "first generation"])
def test_interrupt_before_the_first_generation_is_resumable_to_the_clean_result(tmp_path, when):
    args = ["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--generations", "3"]
    assert main([*args, "--out", str(tmp_path / "clean")]) == 0
    run = tmp_path / "run"
    env = {"HOSTILE_SLEEP": "1.0"} if when == "first generation" else {}
    proc = spawn(*args, "--workers", "2", "--out", run, **env)
    deadline = time.time() + 60
    while not (run / "checkpoint.json").exists() and time.time() < deadline:
        time.sleep(0.005)
    if when == "first generation":
        time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run ended before the signal")
    assert proc.returncode == 130
    assert one_line(err) == f"neuroevo: interrupted; the last checkpoint is kept (continue with: neuroevo evolve " \
                            f"--resume {run})"
    assert load_checkpoint(run)[1]["generation"] == 0
    assert main(["evolve", "--resume", str(run)]) == 0
    assert rows(run) == rows(tmp_path / "clean")


def test_fitness_raising_keyboard_interrupt_is_truthful_and_resumable(tmp_path):
    run = tmp_path / "run"
    code, _, err = run_cli("evolve", "--fitness", f"{HOSTILE}:keyboard_interrupt", *COMMON, "--generations", "5",
                           "--out", run, HOSTILE_RUN=str(run), HOSTILE_AFTER="2")
    assert code == 130
    assert one_line(err).endswith(f"(continue with: neuroevo evolve --resume {run})")
    assert load_checkpoint(run)[1]["generation"] == 2
    code, _, err = run_cli("evolve", "--resume", run, "--fitness", f"{HOSTILE}:score")
    assert code == 2 and "--fitness cannot change when resuming" in err


def test_failed_start_leaves_no_run_and_the_same_command_works_again(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["evolve", "--fitness", f"{HOSTILE}:score", *COMMON, "--generations", "2", "--out", str(run)]
    assert main([*args, "--backend", "ray", "--address", "127.0.0.1:1"]) == 2
    assert "cannot reach the Ray cluster" in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in run.iterdir()) == sorted([LOCK, MARKER])
    assert main(args) == 0


def test_edited_config_toml_is_refused_like_the_flag(run_copy, capsys):
    toml = run_copy / "config.toml"
    text = toml.read_text()
    toml.write_text(text.replace("mutation_rate = 0.15", "mutation_rate = 0.3"))
    before = digest(run_copy)
    assert main(["evolve", "--resume", str(run_copy)]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"neuroevo: error: {toml} was edited: [ga] mutation_rate is 0.3 but the run used 0.15, and it cannot "
        f"change when resuming; put it back, or start a new run with --out")
    assert digest(run_copy) == before
    toml.write_text(text.replace("generations = 3", "generations = 5"))  # a resumable setting may be edited
    assert main(["evolve", "--resume", str(run_copy)]) == 0
    assert len(rows(run_copy)) == 6


# ----------------------------------------------------------------------------- 4. validation of read files

def _rewrite_meta(folder: Path, **changes):
    """Change checkpoint.json fields and recompute its SHA-256, so only the content is wrong."""
    path = folder / "checkpoint.json"
    meta = json.loads(path.read_text())
    for k, v in changes.items():
        if v is KeyError:
            meta.pop(k)
        else:
            meta[k] = v
    meta.pop("sha256")
    try:
        meta["sha256"] = _sha256(folder / meta["arrays"], meta)
    except (OSError, TypeError, KeyError):  # a field the digest needs is what the test breaks
        meta["sha256"] = "0" * 64
    path.write_text(json.dumps(meta))


CHECKPOINT_FIELDS = [
    ({"generation": -1}, "field 'generation' must be an integer >= 0, got -1"),
    ({"generation": "3"}, "field 'generation' must be an integer >= 0, got '3'"),
    ({"evaluations": 1.5}, "field 'evaluations' must be an integer >= 0"),
    ({"elapsed": -2.0}, "field 'elapsed' must be a finite number of seconds >= 0"),
    ({"arrays": "../../etc/passwd"}, "field 'arrays' must be a file name checkpoint-NNNNNN.npz"),
    ({"spec": {"sizes": [2, 0, 1], "activations": ["tanh", "linear"]}}, "field 'spec.sizes' must be a list"),
    ({"spec": {"sizes": [2, 4, 1], "activations": ["tanh"]}}, "field 'spec.activations' must be a list of 2"),
    ({"seed": KeyError}, "field 'seed' is missing"),
    ({"last_best": "high"}, "field 'last_best' must be a number or null"),
    ({"format": "something-else"}, "field 'format' must be 'neuroevo-checkpoint'"),
    ({"version": 99}, "has format version 99; this neuroevo reads version 2"),
    ({"version": "2"}, "field 'version' must be an integer >= 1"),
]


@pytest.mark.parametrize("changes,message", CHECKPOINT_FIELDS, ids=[str(c) for c, _ in CHECKPOINT_FIELDS])
def test_checkpoint_json_with_a_right_hash_but_wrong_content_is_one_line(run_copy, capsys, changes, message):
    _rewrite_meta(run_copy, **changes)
    before = digest(run_copy)
    assert main(["evolve", "--resume", str(run_copy)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"neuroevo: error: {run_copy / 'checkpoint.json'}") and message in line, line
    assert digest(run_copy) == before


AGENT_FIELDS = [
    ({"format": "neuroevo-agent", "version": 2}, "has format version 2; this neuroevo reads version 1"),
    ({"format": "other"}, "field 'format' must be 'neuroevo-agent'"),
    ({"format": KeyError}, "field 'format' must be 'neuroevo-agent', got None"),
    ({"spec": [1, 2]}, "field 'spec' must be an object"),
    ({"env_kwargs": [1]}, "field 'env_kwargs' must be an object"),
    ({"env_id": 5}, "field 'env_id' must be a Gymnasium id or null"),
]


@pytest.mark.parametrize("changes,message", AGENT_FIELDS, ids=[str(c) for c, _ in AGENT_FIELDS])
def test_best_json_of_unknown_format_or_bad_field_is_refused(tmp_path, capsys, changes, message):
    folder = tmp_path / "cp"
    assert main(["evolve", "--generations", "1", "--population", "4", "--episodes", "1", "--workers", "1",
                 "--out", str(folder)]) == 0
    path = folder / "best.json"
    meta = json.loads(path.read_text())
    for k, v in changes.items():
        meta.pop(k) if v is KeyError else meta.__setitem__(k, v)
    path.write_text(json.dumps(meta))
    capsys.readouterr()
    for cmd in ("evaluate", "watch"):
        argv = [cmd, str(folder), "--episodes", "1"] + (["--record", str(tmp_path / "x.gif")] if cmd == "watch" else [])
        assert main(argv) == 2
        line = one_line(capsys.readouterr().err)
        assert line.startswith(f"neuroevo: error: {path}") and message in line, line
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("content,message", [
    (b"generation,best\n", "the header must be generation,best,mean,std,min,evaluations,env_steps,elapsed_s"),
    (b"\xff\xfe\x00bad", "is not UTF-8 text (byte 0)"),
    (None, "line 3: field 'best' must be a number, got 'abc'"),
    (b"generation,best,mean,std,min,evaluations,env_steps,elapsed_s\n0,1,2\n", "line 2: 3 fields, expected 8"),
])
def test_bad_history_csv_is_one_line_and_left_alone(run_copy, capsys, content, message):
    path = run_copy / "history.csv"
    if content is None:
        lines = path.read_text().splitlines()
        parts = lines[2].split(",")
        parts[1] = "abc"
        lines[2] = ",".join(parts)
        content = ("\n".join(lines) + "\n").encode()
    path.write_bytes(content)
    before = digest(run_copy)
    assert main(["evolve", "--resume", str(run_copy), "--generations", "5"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"neuroevo: error: {path}") and message in line, line
    assert digest(run_copy) == before


@pytest.mark.parametrize("text,message", [
    ("[ga]\npopulation = 'many'\n", "[ga] population must be an integer, got 'many'"),
    ("[ga]\nbogus = 1\n", "unknown key 'bogus' in [ga]"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("\xff", "is not a text file"),
])
def test_bad_config_toml_on_resume_names_the_file(run_copy, capsys, text, message):
    (run_copy / "config.toml").write_text(text, encoding="latin-1")
    before = digest(run_copy)
    assert main(["evolve", "--resume", str(run_copy)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "config.toml" in line and message in line, line
    assert digest(run_copy) == before


def test_genomes_restored_bit_identically(run_copy, done_run):
    a, _ = load_checkpoint(done_run)
    b, _ = load_checkpoint(run_copy)
    np.testing.assert_array_equal(a["population"], b["population"])
