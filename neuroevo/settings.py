"""Config dataclass fields with one-line help (read by the CLI for ``--help``) and shared checks."""

from __future__ import annotations

import math
from dataclasses import MISSING, Field, field
from typing import Any

from neuroevo.errors import ConfigError


def setting(default: Any, help: str, **kw: Any) -> Any:
    """A config dataclass field with its one-line ``help`` (read by the CLI for ``--help``); ``cli=False``
    keeps it out of the flags."""
    if isinstance(default, (list, dict)):
        container: list[Any] | dict[Any, Any] = default
        return field(default_factory=lambda: type(container)(container), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


def default_of(f: Field) -> Any:
    """The default value of a dataclass field (``default``, or a new one from ``default_factory``)."""
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise TypeError(f"field {f.name!r} has no default")


def flag(key: str) -> str:
    """The CLI flag of a config key: ``mutation_rate`` -> ``--mutation-rate``."""
    return f"--{key.replace('_', '-')}"


def positive(obj: object, key: str) -> None:
    """ConfigError unless ``obj.key >= 1``."""
    if getattr(obj, key) < 1:
        raise ConfigError(f"{flag(key)} must be at least 1, got {getattr(obj, key)}")


def finite_positive(obj: object, key: str, allow_zero: bool = False) -> None:
    """ConfigError unless ``obj.key`` is a finite number > 0 (>= 0 with ``allow_zero``)."""
    v = getattr(obj, key)
    if not (math.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
        raise ConfigError(f"{flag(key)} must be a finite number {'>=' if allow_zero else '>'} 0, got {v}")


def in_range(obj: object, key: str, lo: float, hi: float, open_lo: bool = False) -> None:
    """ConfigError unless ``lo <= obj.key <= hi`` (``lo < obj.key`` with ``open_lo``)."""
    v = getattr(obj, key)
    ok = (lo < v if open_lo else lo <= v) and v <= hi
    if not ok:
        raise ConfigError(f"{flag(key)} must be in {'(' if open_lo else '['}{lo:g}, {hi:g}], got {v}")
