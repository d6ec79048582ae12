"""The README's console blocks, run: every fast command prints what the README shows (normalised), so the
README cannot drift from the program. Slow blocks: ``python benchmarks/readme_console.py``."""

import pytest

from tests.readme_blocks import commands, matches, run, workdir

COMMANDS = commands()


def test_the_readme_has_console_blocks_of_every_kind():
    kinds = {c.kind for c in COMMANDS}
    assert {"fast", "slow", "interactive"} <= kinds, kinds
    assert len([c for c in COMMANDS if c.kind == "fast"]) >= 10


def test_matching_rules():
    assert matches(["a 1.5 s", "...", "z"], ["a  9.0 s", "b", "c", "z"])
    assert matches(["gen 1 ..."], ["gen 1 best 3"]) and not matches(["gen 1"], ["gen 2"])
    assert matches(["error: x (...); y"], ["error: x (long detail); y"])
    assert not matches(["a", "b"], ["a"])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return workdir(tmp_path_factory.mktemp("readme"))


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.kind == "fast"], ids=lambda c: c.line[:70])
def test_readme_command_prints_what_the_readme_shows(command, folder):
    got = run(command, folder)
    if command.expected:
        assert matches(command.expected, got), "\n".join(["README:", *command.expected, "got:", *got])
    else:
        assert not any("Traceback" in line or "error:" in line for line in got), "\n".join(got)


def test_python_snippets_run():
    """The README's Python API snippets run as written (the first one ended in a NameError)."""
    import re
    import subprocess
    import sys

    from tests.readme_blocks import README, ROOT

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    api = [b for b in blocks if "neuroevo." in b and not b.lstrip().startswith("# examples/")]
    assert len(api) >= 2
    code = "import neuroevo\n" + "\n".join(api)
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr


def test_no_merge_conflict_markers_in_the_sources_and_docs():
    """A merge left unresolved shows its markers in the README or a module; none may land."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    names = subprocess.run(["git", "ls-files", "*.py", "*.md", "*.toml", "*.cfg"], cwd=root, capture_output=True,
                           text=True).stdout.split()
    if not names:
        pytest.skip("not a git checkout")
    markers = ("<<<<<<< ", ">>>>>>> ")
    found = [f"{n}:{i}" for n in names if (root / n).is_file()
             for i, line in enumerate((root / n).read_text(errors="replace").splitlines(), 1)
             if line.startswith(markers)]
    assert found == []
