"""neuroevo as a good citizen of its user's process: no change to the root logger, matplotlib's backend or
``os.environ``; files made with the umask's mode; Python 3.10's TOML parser declared."""

import io
import logging
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neuroevo.agent import atomic_write
from neuroevo.cli import main
from neuroevo.config import resolve

ROOT = Path(__file__).resolve().parents[1]


def tiny(out) -> dict:
    """Flags of a two-generation CartPole run into ``out``."""
    return {"run": {"generations": 2, "workers": 1, "out": str(out)}, "task": {"episodes": 1},
            "strategy": {"population": 10}}


def python(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with the project importable."""
    environ = {k: v for k, v in os.environ.items() if k not in env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=240, env={**environ, "PYTHONPATH": str(ROOT),
                                            **{k: v for k, v in env.items() if v is not None}})


# ------------------------------------------------------------------------------------------------- logging

@pytest.fixture
def user_logging():
    """A user's ``logging.basicConfig(level=logging.WARNING)`` with a stream to read; put back afterwards."""
    root = logging.getLogger()
    before = root.level, list(root.handlers)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    yield stream
    root.removeHandler(handler)
    root.setLevel(before[0])


def test_run_start_leaves_the_root_logger_and_the_users_level_alone(tmp_path, user_logging):
    from neuroevo import run

    root = logging.getLogger()
    handlers = list(root.handlers)
    result, folder = run.start(resolve(flags=tiny(tmp_path / "run")), show_progress=False)
    assert result.generations == 2
    assert root.level == logging.WARNING and root.handlers == handlers
    assert logging.getLogger("neuroevo").level == logging.NOTSET
    assert "INFO" not in user_logging.getvalue() and "generation 0 best" not in user_logging.getvalue()


def test_the_cli_installs_the_run_log_handler_and_removes_it(tmp_path, user_logging):
    handlers = list(logging.getLogger().handlers)
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--workers", "1",
                 "--out", str(out)]) == 0
    assert "MainProcess gen 1 INFO neuroevo: generation 1 best" in (out / "run.log").read_text()
    assert logging.getLogger().handlers == handlers and logging.getLogger().level == logging.WARNING


def test_a_python_user_gets_run_log_through_the_handler(tmp_path):
    from neuroevo import run
    from neuroevo.runlog import RunLogHandler

    logger = logging.getLogger("neuroevo")
    handler = RunLogHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        _, folder = run.start(resolve(flags=tiny(tmp_path / "run")), show_progress=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        handler.close()
    assert "gen 1 INFO neuroevo: generation 1 best" in (folder / "run.log").read_text()


# ---------------------------------------------------------------------------------------------- matplotlib

def test_plots_keep_the_users_matplotlib_backend_and_pyplot_unloaded(tmp_path):
    csv = tmp_path / "history.csv"
    csv.write_text("generation,best,mean,std,min\n0,1,0.5,0.1,0\n1,2,1,0.2,0.5\n")
    p = python(f"""
        import sys
        import matplotlib
        matplotlib.use("svg")
        from neuroevo.plots import plot_history
        from neuroevo.baselines.run import plot_curve
        from types import SimpleNamespace
        import numpy as np
        plot_history({str(csv)!r}, {str(tmp_path / 'fitness.png')!r})
        result = SimpleNamespace(method="dqn", env_id="CartPole-v1", meta=dict(), threshold=475.0,
                                 columns=("env_steps", "eval_return"), curve=np.array([[0.0, 1.0], [10.0, 5.0]]))
        plot_curve(result, {str(tmp_path / 'curve.png')!r})
        print(matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["svg", "False"]
    for name in ("fitness.png", "curve.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------------------------ environ

def test_importing_neuroevo_and_the_games_writes_no_environment_variable():
    p = python("""
        import os
        import gymnasium  # which sets PYGAME_HIDE_SUPPORT_PROMPT itself, at its import: not ours to change
        os.environ.pop("PYGAME_HIDE_SUPPORT_PROMPT")
        before = dict(os.environ)
        import neuroevo, neuroevo.live, neuroevo.cli, games
        import games.flappy_bird.play, games.car_track.play, games.flappy_bird.render, games.car_track.render
        from neuroevo.live import import_pygame
        import_pygame()
        assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())
        print("ok")
    """, PYGAME_HIDE_SUPPORT_PROMPT=None)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "ok\n"  # pygame's banner is not printed either


# -------------------------------------------------------------------------------------------------- umask

@pytest.fixture
def umask():
    """Set the process umask for a test (``umask(0o022)``); the old one is put back."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_honour_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    atomic_write(tmp_path / "a.json", lambda f: f.write(b"{}"))
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary file left


def test_every_file_of_a_run_folder_is_0644_under_umask_022(tmp_path, umask):
    umask(0o022)
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--workers", "1",
                 "--checkpoint-every", "1", "--out", str(out)]) == 0
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in out.iterdir() if p.is_file()}
    assert {"best.npz", "best.json", "checkpoint.json", "config.toml", "fitness.png", "run.log",
            "history.csv"} <= set(modes)
    assert set(modes.values()) == {"0o644"}, modes


# ---------------------------------------------------------------------------------------- Python versions

def test_tomli_is_a_dependency_where_tomllib_is_missing():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "tomli>=1.1; python_version<'3.11'" in project["dependencies"]
    assert project["requires-python"] == ">=3.10"


def test_config_reads_toml_with_tomli_when_tomllib_is_missing(tmp_path):
    pytest.importorskip("tomli")
    (tmp_path / "run.toml").write_text("[run]\ngenerations = 7\n")
    p = python(f"""
        import sys
        sys.modules["tomllib"] = None  # as on Python 3.10
        from neuroevo.config import resolve
        print(resolve({str(tmp_path / 'run.toml')!r}).run.generations)
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "7"
