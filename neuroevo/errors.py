"""Errors raised for user mistakes.

Every error here carries a one-line message that names what is wrong and, where it can, what would be
right. The CLI prints that line and exits with status 2, without a traceback.
"""


class NeuroevoError(Exception):
    """Base class of every user-facing error of neuroevo."""


class ConfigError(NeuroevoError, ValueError):
    """A configuration value, flag or TOML file is invalid."""


class TaskError(NeuroevoError):
    """The task (environment id, fitness module or function) cannot be built."""


class FitnessError(NeuroevoError):
    """A fitness function raised, returned a non-finite value or the wrong shape."""


class CheckpointError(NeuroevoError):
    """A run folder, checkpoint or saved agent is missing, truncated, corrupted or incompatible."""
