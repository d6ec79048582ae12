"""Log records made in workers, sent back with each chunk's result and replayed in the run's process.

The parent hands them to its own loggers (:func:`replay`), so they reach the run's log file in order, with
the worker's name and the generation, without a logging thread or queue shared across a fork.
"""

from __future__ import annotations

import logging

#: The generation a worker is scoring (the ``generation`` attribute of its log records).
_CONTEXT = {"generation": None}


class RecordCapture(logging.Handler):
    """Keeps the log records made while a worker scores a chunk, made picklable, to send with the result."""

    def __init__(self, process_name: str | None = None):
        super().__init__()
        self.process_name, self.records = process_name, []

    def emit(self, record):
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if self.process_name:
            record.processName = self.process_name
        self.records.append(record)

    def take(self) -> list:
        records, self.records = self.records, []
        return records


def replay(records) -> None:
    """Hand log records made in a worker to this process's loggers."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def install_generation_factory() -> None:
    """Log records made in this process get ``record.generation`` from the worker's context."""
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.generation = _CONTEXT["generation"]
        return record

    logging.setLogRecordFactory(factory)
