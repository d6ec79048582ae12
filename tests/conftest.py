"""Test-session settings shared by every test.

Ray binds its servers (GCS, raylets, object manager) to the address it guesses as the node's own, which on
this machine is not the loopback. Every Ray cluster the tests start must listen on and be reached at
127.0.0.1 only: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` makes Ray use the loopback address for every node,
as it does on macOS and Windows (``ray._private.services.get_node_ip_address``). Set before any test
imports Ray; subprocesses (the CLI under test, Ray's own processes) inherit it.
"""

import os
import signal

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

# A runner that starts the suite in the background (a non-interactive shell's `&`, nohup) leaves SIGINT
# ignored, and an ignored signal stays ignored across exec: every CLI the tests spawn would ignore the Ctrl-C
# (SIGINT to its process group) that the signal tests send, and run on. Python's own handler again, as in a
# terminal, so spawned processes start with SIGINT at its default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The tests' own jitted helpers (``cache=True``) inline kernels of neuroevo/ and games/: Numba would keep a
# test's cached machine code after only those change, so the tests' cache is refreshed on their sources too.
from pathlib import Path  # noqa: E402

from neuroevo.kernel_cache import refresh  # noqa: E402

_ROOT = Path(__file__).resolve().parents[1]
refresh([_ROOT / "tests", _ROOT / "neuroevo", _ROOT / "games", _ROOT / "benchmarks"])
