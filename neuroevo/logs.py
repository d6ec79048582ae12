"""Logging: neuroevo's records go through the ``neuroevo`` logger (and its children) only.

The library installs no handler beyond a ``NullHandler`` and changes no level, so an application's own
logging set-up (``logging.basicConfig(level=logging.WARNING)``, say) decides what it sees. ``run.log`` is
written by a :class:`RunLogHandler`, which the application installs where it likes; the CLI, which is an
application, puts one on the root logger at its ``-v``/``-q`` level (:func:`cli_logging`), so the records of
a user's fitness (any logger) reach ``run.log`` too. While :mod:`neuroevo.run` runs, it announces its folder
and generation (:func:`running`); a ``RunLogHandler`` writes each record to that folder's ``run.log``
(``<time> <process> gen <generation> <LEVEL> <logger>: <message>``) and drops records made outside a run.

From Python, the same file::

    logging.getLogger("neuroevo").setLevel(logging.INFO)
    logging.getLogger("neuroevo").addHandler(neuroevo.logs.RunLogHandler())
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

logging.getLogger(LOGGER).addHandler(logging.NullHandler())

#: The run in progress in this process: its run.log path and where its generation is read.
_RUN: dict = {"path": None, "generation": lambda: None}
_HANDLERS: "weakref.WeakSet[RunLogHandler]" = weakref.WeakSet()


class RunLogHandler(logging.Handler):
    """Writes records to the ``run.log`` of the run in progress (none: the record is dropped).

    Records without a ``generation`` attribute (those made in this process) get the run's current one.
    The file is opened when the run starts and closed when it ends; it is made like any ``open`` (mode
    0666 less the umask).
    """

    def __init__(self, level: int = logging.NOTSET):
        super().__init__(level)
        self.setFormatter(logging.Formatter(FORMAT))
        self._file: logging.FileHandler | None = None
        _HANDLERS.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        path = _RUN["path"]
        if path is None:
            return
        if getattr(record, "generation", None) is None:
            record.generation = _RUN["generation"]()
        self.open(path).emit(record)

    def open(self, path: str | Path) -> logging.FileHandler:
        """The file handler of ``path`` (created, appending, if it is not the open one)."""
        if self._file is None or self._file.baseFilename != os.path.abspath(path):
            self.close_file()
            self._file = logging.FileHandler(path)
            self._file.setFormatter(self.formatter)
        return self._file

    def close_file(self) -> None:
        """Close the run.log file (the next record of a run opens it again, appending)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def close(self) -> None:
        self.close_file()
        _HANDLERS.discard(self)
        super().close()


@contextlib.contextmanager
def running(folder: str | Path, generation: Callable[[], int | None]) -> Iterator[None]:
    """Announce a run in ``folder`` (records go to ``folder/run.log``); ``generation()`` gives the
    generation being evolved. Installed handlers close their file when the block ends."""
    previous = dict(_RUN)
    _RUN.update(path=Path(folder) / "run.log", generation=generation)
    for handler in list(_HANDLERS):
        handler.open(_RUN["path"])
    try:
        yield
    finally:
        _RUN.update(previous)
        for handler in list(_HANDLERS):
            handler.close_file()


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
