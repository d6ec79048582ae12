"""Errors raised for user mistakes.

Every error here carries a one-line message that names what is wrong and, where it can, what would be
right. The CLI prints that line and exits with status 2, without a traceback.
"""

from __future__ import annotations

from neuroevo._typing import StrPath


class NeuroevoError(Exception):
    """Base class of every user-facing error of neuroevo."""


class ConfigError(NeuroevoError, ValueError):
    """A configuration value, flag or TOML file is invalid."""


class TaskError(NeuroevoError):
    """The task (environment id, fitness module or function) cannot be built."""


class FitnessError(NeuroevoError):
    """A fitness function raised, returned a non-finite value or the wrong shape.

    Attributes:
        traceback: set on an error raised in a worker: the original traceback as text.
    """

    traceback: str


class GenomeFitnessError(FitnessError):
    """Scoring one genome failed.

    Attributes:
        index: the genome's index in the population (or in its chunk, inside a worker).
        detail: one line: the original error type and message.
        traceback: the original traceback as text ("" if none).
    """

    def __init__(self, index: int, detail: str, traceback: str = ""):
        super().__init__(f"fitness of genome {index} failed: {detail}")
        self.index, self.detail, self.traceback = int(index), detail, traceback

    def __reduce__(self):  # survives pickling between processes
        return (type(self), (self.index, self.detail, self.traceback))

    def shifted(self, offset: int) -> "GenomeFitnessError":
        """The same error with the index moved from a chunk to the population."""
        return type(self)(self.index + offset, self.detail, self.traceback)


class CheckpointError(NeuroevoError):
    """A run folder, checkpoint or saved agent is missing, truncated, corrupted or incompatible."""


class OutputError(NeuroevoError):
    """A file or folder cannot be written (read-only, full disk, a file where a folder is expected...).

    The message names the path and the reason; what was written before is left intact.
    """


def output_error(path: StrPath, error: OSError, doing: str = "write") -> OutputError:
    """The one-line :class:`OutputError` of an ``OSError`` met while doing ``doing`` to ``path``."""
    reason = error.strerror or str(error) or type(error).__name__
    return OutputError(f"cannot {doing} {path}: {reason}")


class FolderBusyError(NeuroevoError):
    """Another process holds the run folder's lock."""


class FolderOwnershipError(NeuroevoError):
    """A folder was not made by the command that wants to write into it."""


class WorkerLostError(FitnessError):
    """A worker (process or Ray actor) died while scoring a chunk, on every one of its attempts."""


class EvalTimeoutError(FitnessError):
    """A generation's evaluation took longer than the evaluation timeout (``--eval-timeout``)."""
