"""Config dataclass fields with one-line help (read by the CLI for ``--help``) and shared checks."""

from __future__ import annotations

import math
from dataclasses import field

from neuroevo.errors import ConfigError


def setting(default, help: str, **kw):
    """A config dataclass field with its one-line ``help`` (read by the CLI for ``--help``); ``cli=False``
    keeps it out of the flags."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


def flag(key: str) -> str:
    """The CLI flag of a config key: ``mutation_rate`` -> ``--mutation-rate``."""
    return f"--{key.replace('_', '-')}"


def positive(obj, key: str) -> None:
    """ConfigError unless ``obj.key >= 1``."""
    if getattr(obj, key) < 1:
        raise ConfigError(f"{flag(key)} must be at least 1, got {getattr(obj, key)}")


def finite_positive(obj, key: str, allow_zero: bool = False) -> None:
    """ConfigError unless ``obj.key`` is a finite number > 0 (>= 0 with ``allow_zero``)."""
    v = getattr(obj, key)
    if not (math.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
        raise ConfigError(f"{flag(key)} must be a finite number {'>=' if allow_zero else '>'} 0, got {v}")


def in_range(obj, key: str, lo: float, hi: float, open_lo: bool = False) -> None:
    """ConfigError unless ``lo <= obj.key <= hi`` (``lo < obj.key`` with ``open_lo``)."""
    v = getattr(obj, key)
    ok = (lo < v if open_lo else lo <= v) and v <= hi
    if not ok:
        raise ConfigError(f"{flag(key)} must be in {'(' if open_lo else '['}{lo:g}, {hi:g}], got {v}")
