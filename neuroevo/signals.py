"""SIGINT and SIGTERM during a run: stop cleanly, at once while genomes are being scored, and leave a
resumable checkpoint."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from neuroevo.callbacks import Callback, GenerationRecord


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT or SIGTERM).

    Attributes:
        signum: the signal number (the CLI exits with 128 + signum).
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


class SignalGuard(Callback):
    """SIGINT and SIGTERM stop the run: at once while :attr:`interruptible` (genomes being scored, workers
    starting: the population being scored is checkpointed, unchanged), else after the current generation's
    callbacks (so history.csv and the checkpoint always agree)."""

    def __init__(self):
        self.signum, self.interruptible, self._old = None, False, {}

    def install(self) -> None:
        """Handle SIGINT and SIGTERM (again after ``ray.init``, whose core replaces the SIGTERM handler)."""
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                old = signal.signal(s, self._handle)
                self._old.setdefault(s, old)

    @property
    def installed(self) -> bool:
        return bool(self._old)

    def uninstall(self) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)
        self._old = {}

    def _handle(self, signum, frame):
        self.signum = signum
        if self.interruptible and not _in_callback(frame):
            self.interruptible = False  # a second signal during the clean-up does not cut it short
            raise Interrupted(signum)

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal arrived while not interruptible."""
        if self.signum:
            raise Interrupted(self.signum)

    def on_generation_end(self, record: GenerationRecord) -> bool | None:
        return False if self.signum else None


#: ``os.register_at_fork`` hooks of the standard library's ``logging`` (3.10-3.13): a worker forked while a
#: signal arrives runs them, and an exception raised in them is printed ("Exception ignored in ...") and
#: dropped by ``os.fork``.
_FORK_HOOKS = frozenset({"_acquireLock", "_releaseLock", "_prepareFork", "_afterFork",
                         "_after_at_fork_child_reinit_locks"})


def _in_callback(frame: FrameType | None) -> bool:
    """True in a Python function that C code calls back, where an exception raised would be printed and
    dropped, not propagated: llvmlite's object-cache hook while Numba compiles (ctypes drops it) and
    ``logging``'s fork hooks while a worker is forked (``os.fork`` drops it). The signal then waits for
    :meth:`check`."""
    if frame is None:
        return False
    module = str(frame.f_globals.get("__name__", ""))
    return module.startswith("llvmlite") or (module == "logging" and frame.f_code.co_name in _FORK_HOOKS)
