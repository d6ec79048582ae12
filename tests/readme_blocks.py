"""The README's console blocks as data, and running them (tests/test_readme.py, benchmarks/readme_console.py).

A console block is a fenced ``console`` block: lines ``$ COMMAND  # comment`` followed by the output the
command prints (stdout and stderr together). In the expected output, a line ``...`` matches any number of
lines and ``...`` inside a line matches any text; otherwise lines must be equal after :func:`normalise`
(whitespace collapsed; wall-clock seconds and rates replaced).
An HTML comment ``<!-- readme-check: slow -->`` just before a block sends it to the slow script;
``<!-- readme-check: interactive -->`` marks commands that need a person (a window to close, a keyboard),
which are parsed but not run.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@dataclass
class Command:
    line: str  # the command as written (no "$ ", no comment)
    expected: list[str] = field(default_factory=list)
    kind: str = "fast"  # fast, slow or interactive
    block: int = 0


def commands(text: str | None = None) -> list[Command]:
    """Every ``$`` command of the README's console blocks, in order."""
    text = README.read_text() if text is None else text
    out, kind, block = [], "fast", 0
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"<!-- readme-check: (\w+) -->", line.strip())
        if m:
            kind = m.group(1)
        elif line.strip() == "```console":
            block += 1
            i += 1
            while lines[i].strip() != "```":
                if lines[i].startswith("$ "):
                    cmd = lines[i][2:].split("  #")[0].split(" # ")[0].strip()
                    out.append(Command(cmd, [], kind, block))
                elif out and out[-1].block == block:
                    out[-1].expected.append(lines[i])
                i += 1
            kind = "fast"
        i += 1
    return out


def normalise(line: str) -> str:
    """Collapse whitespace; wall seconds and rates become placeholders (they vary from run to run)."""
    line = re.sub(r"[\d,]+(\.\d+)? eval/s", "<rate> eval/s", line)
    line = re.sub(r"\b\d+(\.\d+)? s\b", "<t> s", line)
    return " ".join(line.split())


def matches(expected: list[str], got: list[str]) -> bool:
    """Whether the output lines ``got`` fit the README's ``expected`` lines (see the module docstring)."""
    exp = [normalise(e) for e in expected if e.strip()]
    got = [normalise(g) for g in got if g.strip()]
    pattern = [None if e == "..." else re.compile(".*".join(map(re.escape, e.split("..."))), re.S) for e in exp]

    def fit(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(got)
        if pattern[i] is None:
            return any(fit(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and pattern[i].fullmatch(got[j]) is not None and fit(i + 1, j + 1)

    return fit(0, 0)


def run(command: Command, cwd: Path, timeout: float = 900) -> list[str]:
    """Run a README command in ``cwd`` (headless: SDL's dummy video driver); its output lines."""
    argv = shlex.split(command.line)
    if argv[0] == "neuroevo":
        argv = [sys.executable, "-m", "neuroevo", *argv[1:]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "COLUMNS": "200"}
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.stdout.splitlines()


def workdir(tmp: Path) -> Path:
    """A folder where the README's relative paths work: examples/ and benchmarks/ linked in."""
    for name in ("examples", "benchmarks"):
        if not (tmp / name).exists():
            (tmp / name).symlink_to(ROOT / name)
    (tmp / "docs").mkdir(exist_ok=True)
    return tmp
