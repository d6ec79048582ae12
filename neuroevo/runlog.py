"""The run's log file, ``run.log``, and neuroevo's logging rules.

neuroevo's records go through the ``neuroevo`` logger (and its children) only. The library installs no
handler beyond a ``NullHandler`` and changes no logger's level, so an application's own set-up
(``logging.basicConfig(level=logging.WARNING)``, say) decides what it sees. ``run.log`` is written by a
:class:`RunLogHandler`, which the application installs where it likes; the CLI, an application, puts one on
the root logger at its ``-v``/``-q`` level (:func:`cli_logging`), so the records of a user's fitness (any
logger) and of the workers reach ``run.log`` too.

A run announces itself with :class:`RunLog` (its ``run.log`` path and generation). Records made before
:meth:`RunLog.commit` (while a resumed run is still being checked and its workers started) are kept in
memory, so a resume that fails leaves ``run.log`` as it was. A log file that cannot be written (full disk)
never prints a traceback: its records are dropped and the run goes on. Outside a run, a ``RunLogHandler``
drops every record. From Python::

    logging.getLogger("neuroevo").setLevel(logging.INFO)
    logging.getLogger("neuroevo").addHandler(neuroevo.runlog.RunLogHandler())
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

LOGGER = "neuroevo"
FORMAT = "%(asctime)s %(processName)s gen %(generation)s %(levelname)s %(name)s: %(message)s"
MAX_PENDING = 100_000  # records kept per handler before a run is committed

logging.getLogger(LOGGER).addHandler(logging.NullHandler())

_CURRENT: dict[str, RunLog | None] = {"run": None}
_HANDLERS: weakref.WeakSet[RunLogHandler] = weakref.WeakSet()


class _QuietFileHandler(logging.FileHandler):
    """A file handler that drops a record it cannot write instead of printing a traceback to stderr."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed = True


class RunLog:
    """The run in progress, for the :class:`RunLogHandler` s: ``with RunLog(path, generation) as log``.

    Args:
        path: the run's log file (appended to).
        generation: a function returning the generation being evolved (the records' ``generation``).
    """

    def __init__(self, path: str | Path, generation: Callable[[], int | None]):
        self.path, self.generation = Path(path), generation
        self.committed = False
        self._previous: RunLog | None = None

    def __enter__(self) -> RunLog:
        self._previous, _CURRENT["run"] = _CURRENT["run"], self
        return self

    def commit(self) -> None:
        """The run has started: run.log is created (even if no record reaches it) and gets the records kept
        so far, then every new one."""
        if self.committed:
            return
        self.committed = True
        handlers = list(_HANDLERS)
        if handlers:
            try:
                open(self.path, "a").close()
            except OSError:
                pass  # an unwritable log never stops the run
        for handler in handlers:
            handler.flush_pending(self)

    def __exit__(self, *exc: object) -> None:
        _CURRENT["run"] = self._previous
        for handler in list(_HANDLERS):
            handler.close_file()


class RunLogHandler(logging.Handler):
    """Writes records to the ``run.log`` of the run in progress (none: the record is dropped).

    Records without a ``generation`` attribute (those made in this process) get the run's current one.
    The file is made like any ``open`` (mode 0666 less the umask) and closed when the run ends.
    """

    def __init__(self, level: int = logging.NOTSET):
        super().__init__(level)
        self.setFormatter(logging.Formatter(FORMAT))
        self._file: _QuietFileHandler | None = None
        self._pending: list[logging.LogRecord] = []
        _HANDLERS.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        run = _CURRENT["run"]
        if run is None:
            return
        if getattr(record, "generation", None) is None:
            record.generation = run.generation()
        if not run.committed:
            if len(self._pending) < MAX_PENDING:
                self._pending.append(record)
            return
        self._open(run.path).emit(record)

    def flush_pending(self, run: RunLog) -> None:
        """Write the records kept before ``run`` was committed."""
        pending, self._pending = self._pending, []
        for record in pending:
            self._open(run.path).emit(record)

    def _open(self, path: Path) -> _QuietFileHandler:
        if self._file is None or self._file.baseFilename != os.path.abspath(path):
            self.close_file()
            self._file = _QuietFileHandler(path, delay=True)
            self._file.setFormatter(self.formatter)
        return self._file

    def close_file(self) -> None:
        """Close the run.log file and drop records kept for an uncommitted run."""
        self._pending = []
        if self._file is not None:
            self._file.close()
            self._file = None

    def close(self) -> None:
        self.close_file()
        _HANDLERS.discard(self)
        super().close()


@contextlib.contextmanager
def cli_logging(level: int = logging.INFO) -> Iterator[RunLogHandler]:
    """The CLI's logging for one command: a :class:`RunLogHandler` on the root logger at ``level``
    (``logging.DEBUG`` for ``-v``, ``WARNING`` for ``-q``), numba's compiler chatter held at INFO or above;
    everything put back when the block ends."""
    root, numba = logging.getLogger(), logging.getLogger("numba")
    levels = root.level, numba.level
    handler = RunLogHandler(level)
    root.addHandler(handler)
    root.setLevel(level)
    numba.setLevel(max(level, logging.INFO))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        numba.setLevel(levels[1])
        handler.close()
