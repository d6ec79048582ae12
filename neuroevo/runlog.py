"""The run's log file, ``run.log``: set up at the start of a run, written only once the run has started.

Records made before :meth:`RunLog.commit` (while a resumed run is still being checked and its workers
started) are kept in memory, so a resume that fails leaves ``run.log`` as it was. A log file that cannot
be written (full disk) never prints a traceback: its records are dropped and the run goes on (the files
that matter, checkpoints, are written atomically and report their own errors).
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

#: Level of run.log (``neuroevo -v``: DEBUG, ``-q``: WARNING); see :func:`set_log_level`.
_LEVEL = {"level": logging.INFO}
FORMAT = "%(asctime)s %(processName)s gen %(generation)s %(levelname)s %(name)s: %(message)s"


def set_log_level(level: int) -> None:
    """Set the level of the run's log file (``logging.DEBUG``, ``INFO`` (default), ``WARNING``...)."""
    _LEVEL["level"] = int(level)


class _QuietFileHandler(logging.FileHandler):
    """A file handler that drops a record it cannot write instead of printing a traceback to stderr."""

    failed = False

    def handleError(self, record):
        self.failed = True


class _GenerationFilter(logging.Filter):
    """Records made in this process get the generation being evolved (workers set their own)."""

    def __init__(self, generation):
        super().__init__()
        self.generation = generation

    def filter(self, record):
        if getattr(record, "generation", None) is None:
            record.generation = self.generation()
        return True


class RunLog:
    """run.log of a run: this process's records and its workers' (see ``neuroevo.evaluation.pool``).

    Args:
        path: the log file (appended to).
        generation: a function returning the generation being evolved (for the records' ``generation``).
    """

    def __init__(self, path: Path, generation):
        self.path, self.level = Path(path), _LEVEL["level"]
        self.filter = _GenerationFilter(generation)
        self.buffer = logging.handlers.MemoryHandler(capacity=10**6, flushLevel=logging.CRITICAL + 10)
        self.buffer.setLevel(self.level)
        self.buffer.addFilter(self.filter)
        self.file: logging.Handler | None = None
        self._previous = None

    def __enter__(self) -> "RunLog":
        root = logging.getLogger()
        root.addHandler(self.buffer)
        self._previous = root.level  # put back when the run ends
        root.setLevel(min(root.level or logging.WARNING, self.level))
        logging.getLogger("numba").setLevel(max(self.level, logging.INFO))  # DEBUG: compiler internals
        return self

    def commit(self) -> None:
        """The run has started: open run.log and write the records kept so far, then every new one."""
        if self.file is not None:
            return
        try:
            open(self.path, "a").close()  # run.log exists even when no record reaches it (-q)
        except OSError:
            pass  # an unwritable log never stops the run
        handler = _QuietFileHandler(self.path, delay=True)
        handler.setLevel(self.level)
        handler.setFormatter(logging.Formatter(FORMAT))
        self.file = handler
        self.buffer.setTarget(handler)
        self.buffer.flush()
        root = logging.getLogger()
        root.removeHandler(self.buffer)
        handler.addFilter(self.filter)
        root.addHandler(handler)

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        for h in (self.buffer, self.file):
            if h is not None:
                root.removeHandler(h)
                h.close()
        self.buffer.buffer.clear()
        root.setLevel(self._previous)
