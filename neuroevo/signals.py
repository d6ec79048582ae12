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


def _in_callback(frame: FrameType | None) -> bool:
    """True in a Python function that C code calls back (llvmlite's object-cache hook while Numba compiles):
    an exception raised there is printed and dropped by ctypes, so the signal waits for :meth:`check`."""
    return frame is not None and str(frame.f_globals.get("__name__", "")).startswith("llvmlite")
