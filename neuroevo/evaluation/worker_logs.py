"""Log records made in workers, handed to the run's process's loggers (so they reach ``run.log``).

- Process-pool workers stream their records with multiprocessing-logging (:class:`WorkerLogStream`, one
  queue per worker, made before its fork): a record reaches the parent while the chunk is still running,
  so the last records of a chunk that hangs or whose worker is killed are not lost; one queue per worker
  keeps each worker's records in order.
- Ray actors (other hosts, no fork) keep their records (:class:`RecordCapture`) and send them back with
  each chunk's result; the parent replays them (:func:`replay`).

Every record carries the worker's name (``processName``) and the generation it was scoring
(``generation``, from :func:`install_generation_factory`).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
from collections.abc import Iterable
from multiprocessing.reduction import ForkingPickler
from typing import Any

from multiprocessing_logging import MultiProcessingHandler

#: The generation a worker is scoring (the ``generation`` attribute of its log records).
_CONTEXT: dict[str, int | None] = {"generation": None}


class RecordCapture(logging.Handler):
    """Keeps the log records made while a worker scores a chunk, made picklable, to send with the result."""

    def __init__(self, process_name: str | None = None):
        super().__init__()
        self.process_name = process_name
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if self.process_name:
            record.processName = self.process_name
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        records, self.records = self.records, []
        return records


def replay(records: Iterable[logging.LogRecord]) -> None:
    """Hand log records made in a worker to this process's loggers."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def install_generation_factory() -> None:
    """Log records made in this process get ``record.generation`` from the worker's context."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.generation = _CONTEXT["generation"]
        return record

    logging.setLogRecordFactory(factory)


class _Forward(logging.Handler):
    """The parent's end of a worker's stream: each record goes to this process's logger of its name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


class WorkerLogStream(MultiProcessingHandler):
    """The log records of one forked worker, streamed to the parent (multiprocessing-logging's handler).

    Made in the parent before the worker is forked (its queue and receiving thread live in the parent);
    the worker makes it its only handler (:meth:`attach`). The receiving thread starts with :meth:`start`,
    called by the pool once its workers are forked (no thread is forked with them). A record is written to
    the queue's pipe before ``emit`` returns (not by a feeder thread later, ``multiprocessing.Queue``'s
    way), so a worker killed right after logging loses nothing. :meth:`close` (after the worker ended)
    waits for the queue to drain (at most 5 s) and stops the thread.
    """

    def __init__(self, name: str):  # MultiProcessingHandler.__init__, but the thread is started later
        logging.Handler.__init__(self)
        self.sub_handler = _Forward()
        self.queue = mp.get_context("fork").Queue(-1)
        self._is_closed = False
        self._receive_thread = threading.Thread(target=self._receive, name=name, daemon=True)

    def start(self) -> None:
        """Start taking in the worker's records (in the parent, after the fork)."""
        if not self._receive_thread.is_alive() and self._receive_thread.ident is None:
            self._receive_thread.start()

    def close(self) -> None:
        self.start()  # drain what the worker wrote, even if it was never started
        super().close()

    def attach(self) -> None:
        """In the worker: send every record of this process through this stream, and nowhere else."""
        logging.getLogger().handlers = [self]

    def _send(self, record: logging.LogRecord) -> None:
        # what Queue.put and its feeder thread do, done here at once (with its private parts: not in typeshed)
        q: Any = self.queue
        if not q._sem.acquire(False):
            raise queue.Full
        data = ForkingPickler.dumps(record)
        if q._wlock is None:
            q._writer.send_bytes(data)
        else:
            with q._wlock:
                q._writer.send_bytes(data)
