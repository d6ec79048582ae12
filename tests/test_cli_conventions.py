"""The CLI's conventions: --version, python -m, a bare command, help text, -q/-v, --json, folder names."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuroevo import __version__
from neuroevo.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("evolve", "evaluate", "watch", "show", "envs", "play", "train", "compare", "bench")


def _run(*argv, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "neuroevo", *map(str, argv)], capture_output=True, text=True,
                       env=env, timeout=240, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def test_version_and_python_m():
    code, out, _ = _run("--version")
    assert code == 0 and out.strip() == f"neuroevo {__version__}"


def test_bare_command_prints_the_command_list():
    code, out, err = _run()
    assert code == 0 and not err
    for command in COMMANDS:
        assert command in out


def _help(*argv) -> str:
    p = build_parser()
    with pytest.raises(SystemExit):
        p.parse_args([*argv, "--help"])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_a_description_and_quiet_verbose(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    assert rest.strip() and not rest.startswith("positional") and not rest.startswith("options"), text
    assert "-q, --quiet" in text and "-v, --verbose" in text


def test_evolve_help_shows_defaults_and_choices(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["evolve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--population N" in text and "(default: 100)" in text
    assert "--generations N maximum number of generations (default: 100)" in text
    assert "--selection {roulette,sus,tournament,rank,truncation}" in text
    assert "--backend {auto,serial,process,ray}" in text
    assert "STR" not in text and ".:" not in text  # no STR metavars, no "[task] What is scored.:" titles
    assert "What is scored ([task] in a TOML file):" in text
    # strategy group titles: a common word lower-cased after "--algorithm X:", a name kept as written
    assert "--algorithm ga: the genetic algorithm" in text
    assert "--algorithm cosyne: CoSyNE:" in text and "--algorithm openai-es: OpenAI-ES:" in text


def test_train_help_lists_the_set_keys(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--method {backprop,reinforce,dqn,random-search} the training method" in text
    for key in ("dqn: total_steps [", "learning_rate [", "reinforce:", "random-search: total_steps [200000]"):
        assert key in text, key


def test_json_is_one_object_on_stdout(tmp_path):
    run = tmp_path / "run"
    code, out, err = _run("evolve", "--generations", "2", "--population", "10", "--episodes", "1",
                          "--workers", "1", "--out", run, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["command"] == "evolve" and result["generations"] == 2 and result["folder"] == str(run)
    assert "run folder" in err  # the human lines go to stderr
    code, out, err = _run("evaluate", run, "--episodes", "3", "--json")
    assert code == 0, err
    e = json.loads(out)
    assert e["episodes"] == 3 and e["env_id"] == "CartPole-v1" and "mean_return" in e
    code, out, err = _run("train", "--method", "random-search", "--env", "cartpole", "--set", "total_steps=30000",
                          "--out", tmp_path / "rs", "--json", "-q")
    assert code == 0, err
    assert json.loads(out)["method"] == "random-search" and not err
    code, out, err = _run("compare", "--task", "xor", "--methods", "ga", "--seeds", "1", "--budget-steps", "4000",
                          "--out", tmp_path / "cmp", "--json")
    assert code == 0, err
    c = json.loads(out)
    assert c["summary"][0]["method"] == "ga" and c["budget_steps"] == 4000


def test_quiet_prints_nothing(tmp_path):
    code, out, err = _run("evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--workers", "1",
                          "--out", tmp_path / "run", "-q")
    assert code == 0 and out == "" and err == ""


def test_folders_are_named_after_what_ran_and_suffixed(tmp_path):
    xor = ROOT / "examples" / "xor.py"
    argv = ["evolve", "--fitness", f"{xor}:fitness", "--network", "2,4,1", "--generations", "1", "--population",
            "10", "--workers", "1", "-q"]
    assert _run(*argv, cwd=tmp_path)[0] == 0
    assert _run(*argv, cwd=tmp_path)[0] == 0
    assert (tmp_path / "runs" / "xor-fitness-seed0" / "best.npz").is_file()
    assert (tmp_path / "runs" / "xor-fitness-seed0-2" / "best.npz").is_file()
    cmp = ["compare", "--task", "xor", "--methods", "ga", "--seeds", "1", "--budget-steps", "400", "-q"]
    assert _run(*cmp, cwd=tmp_path)[0] == 0
    assert _run(*cmp, cwd=tmp_path)[0] == 0
    assert (tmp_path / "runs" / "compare-xor" / "summary.md").is_file()
    assert (tmp_path / "runs" / "compare-xor-2" / "summary.md").is_file()


def test_resume_says_what_it_resumes(tmp_path):
    run = tmp_path / "run"
    assert main(["evolve", "--generations", "2", "--population", "10", "--episodes", "1", "--workers", "1",
                 "--target", "1e9", "--out", str(run), "-q"]) == 0
    code, out, err = _run("evolve", "--resume", run, "--generations", "3")
    assert code == 0, err
    assert out.splitlines()[0] == (f"resuming {run} (CartPole-v1, ga, seed 0) after generation 2: to generation 3")


def test_envs_marks_ids_that_cannot_run_here():
    import importlib.util

    code, out, _ = _run("envs", "--all")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("LunarLander-v3"))
    if importlib.util.find_spec("Box2D") is None:
        assert 'cannot run here: needs pip install "gymnasium[box2d]"' in line
    else:
        assert "cannot run here" not in line
    assert "cannot run here" not in next(l for l in out.splitlines() if l.startswith("CartPole-v1"))
