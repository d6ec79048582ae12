"""Re-run every console block of the README (fast and slow; interactive ones are listed, not run) in a fresh
folder and report, per command, whether its output fits what the README shows and how long it took.

    python benchmarks/readme_console.py [--only-slow] [--keep DIR]

Writes benchmarks/results/readme_console.json. Exit status 1 if a command's output drifted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.readme_blocks import commands, matches, run, workdir  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", help="run in this folder (kept) instead of a temporary one")
    p.add_argument("--only-slow", action="store_true", help="run the slow blocks only (the test suite runs the rest)")
    args = p.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="readme-"))
    folder.mkdir(parents=True, exist_ok=True)
    workdir(folder)
    report, drifted = [], 0
    for c in commands():
        if c.kind == "interactive":
            print(f"[skip: interactive] $ {c.line}")
            report.append({"command": c.line, "kind": c.kind})
            continue
        if args.only_slow and c.kind != "slow":
            continue
        t0 = time.perf_counter()
        got = run(c, folder)
        seconds = time.perf_counter() - t0
        ok = matches(c.expected, got) if c.expected else not any("Traceback" in g or "error:" in g for g in got)
        drifted += not ok
        print(f"[{'ok' if ok else 'DRIFT'} {c.kind} {seconds:.1f} s] $ {c.line}")
        if not ok:
            print("\n".join(["  README:", *("    " + e for e in c.expected), "  got:", *("    " + g for g in got)]))
        report.append({"command": c.line, "kind": c.kind, "ok": ok, "seconds": round(seconds, 2),
                       "output": got[-20:]})
    out = ROOT / "benchmarks" / "results" / "readme_console.json"
    out.write_text(json.dumps({"folder": str(folder), "commands": report}, indent=1) + "\n")
    print(f"{drifted} drifted; report in {out}")
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
