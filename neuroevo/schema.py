"""Validation of every file neuroevo reads back from a run folder.

``checkpoint.json``, ``best.json``, ``history.csv`` (and ``config.toml`` through ``neuroevo.config``) are
checked field by field before anything is built from them, so a file whose content is wrong (edited by
hand, written by another program or version) gives a one-line :class:`~neuroevo.errors.CheckpointError`
naming the file and the field, never a traceback or a silently wrong run. Unknown formats and newer
versions are refused.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neuroevo._typing import StrPath
from neuroevo.errors import CheckpointError

AGENT_FORMAT, AGENT_VERSION = "neuroevo-agent", 1
HISTORY_COLUMNS = ("generation", "best", "mean", "std", "min", "evaluations", "env_steps", "elapsed_s")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bad(path: StrPath, field: str, what: str, value: object) -> CheckpointError:
    text = repr(value)
    return CheckpointError(f"{path}: field {field!r} must be {what}, got {text[:80]}{'...' if len(text) > 80 else ''}")


def need(doc: dict, path: StrPath, field: str, what: str, ok: Callable[[Any], bool], optional: bool = False) -> Any:
    """``doc[field]`` if ``ok(value)``; else a CheckpointError naming ``path`` and ``field``."""
    if field not in doc:
        if optional:
            return None
        raise CheckpointError(f"{path}: field {field!r} is missing")
    value = doc[field]
    if not ok(value):
        raise _bad(path, field, what, value)
    return value


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; CheckpointError if it is not UTF-8 JSON holding an object."""
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise CheckpointError(f"{path} is not UTF-8 text (byte {e.start})") from None
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{path} is not valid JSON: {str(e)[:120]}") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def check_format(doc: dict, path: StrPath, fmt: str, version: int) -> int:
    """The ``version`` of a document of format ``fmt``; CheckpointError for another format or a newer version."""
    if doc.get("format") != fmt:
        raise CheckpointError(f"{path}: field 'format' must be {fmt!r}, got {doc.get('format')!r} (not a file "
                              f"neuroevo wrote?)")
    v = need(doc, path, "version", "an integer >= 1", lambda v: _is_int(v) and v >= 1)
    if v > version:
        raise CheckpointError(f"{path} has format version {v}; this neuroevo reads version {version} or older "
                              f"(upgrade neuroevo)")
    return v


def check_spec(spec: object, path: StrPath, field: str = "spec") -> None:
    """A network spec dict: ``sizes`` (two or more integers >= 1) and one activation name per layer."""
    from neuroevo.network import ACTIVATIONS

    if not isinstance(spec, dict):
        raise _bad(path, field, "an object", spec)
    sizes = spec.get("sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(_is_int(s) and s >= 1 for s in sizes)):
        raise _bad(path, f"{field}.sizes", "a list of two or more integers >= 1", sizes)
    acts = spec.get("activations")
    if not (isinstance(acts, list) and len(acts) == len(sizes) - 1 and all(a in ACTIVATIONS for a in acts)):
        raise _bad(path, f"{field}.activations", f"a list of {len(sizes) - 1} names from {', '.join(ACTIVATIONS)}",
                   acts)


_ARRAYS = re.compile(r"^checkpoint-\d{6,}\.npz$")


def check_checkpoint_meta(meta: dict, path: StrPath) -> None:
    """The fields of ``checkpoint.json`` that a resume uses (other fields belong to the strategy's state)."""
    nonneg_int = (lambda v: _is_int(v) and v >= 0)
    need(meta, path, "arrays", "a file name checkpoint-NNNNNN.npz", lambda v: isinstance(v, str) and bool(_ARRAYS.match(v)))
    need(meta, path, "sha256", "64 hexadecimal digits", lambda v: isinstance(v, str) and bool(re.fullmatch(r"[0-9a-f]{64}", v)))
    for key in ("generation", "evaluations", "env_steps", "seed"):
        need(meta, path, key, "an integer >= 0", nonneg_int)
    need(meta, path, "elapsed", "a finite number of seconds >= 0",
         lambda v: _is_number(v) and math.isfinite(v) and v >= 0)
    need(meta, path, "best_fitness", "a number", lambda v: _is_number(v) and not math.isnan(v), optional=True)
    need(meta, path, "last_best", "a number or null", lambda v: v is None or (_is_number(v) and not math.isnan(v)),
         optional=True)
    need(meta, path, "config", "an object", lambda v: isinstance(v, dict), optional=True)
    if "spec" not in meta:
        raise CheckpointError(f"{path}: field 'spec' is missing")
    check_spec(meta["spec"], path)


def check_agent_meta(meta: dict, path: StrPath) -> None:
    """The fields of ``best.json``: format, version, spec, env id and env keyword arguments."""
    check_format(meta, path, AGENT_FORMAT, AGENT_VERSION)
    if "spec" not in meta:
        raise CheckpointError(f"{path}: field 'spec' is missing")
    check_spec(meta["spec"], path)
    need(meta, path, "env_id", "a Gymnasium id or null", lambda v: v is None or (isinstance(v, str) and v != ""),
         optional=True)
    need(meta, path, "env_kwargs", "an object", lambda v: v is None or isinstance(v, dict), optional=True)


def read_history(path: Path) -> list[list[str]]:
    """Rows (without the header) of a ``history.csv``, each checked: an integer generation and numbers.

    Raises:
        CheckpointError: not UTF-8, another header, a row of the wrong length or with a non-number.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckpointError(f"{path} is not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise CheckpointError(f"{path} is not a CSV file: {e}") from None
    if not rows:
        return []
    if tuple(rows[0]) != HISTORY_COLUMNS:
        raise CheckpointError(f"{path}: the header must be {','.join(HISTORY_COLUMNS)}, got {','.join(rows[0])[:80]!r}")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(HISTORY_COLUMNS):
            raise CheckpointError(f"{path} line {line}: {len(row)} fields, expected {len(HISTORY_COLUMNS)}")
        for name, value in zip(HISTORY_COLUMNS, row):
            ok = value.isdigit() if name in ("generation", "evaluations", "env_steps") else _float_ok(value)
            if not ok:
                raise CheckpointError(f"{path} line {line}: field {name!r} must be a number, got {value[:40]!r}")
        out.append(row)
    return out


def _float_ok(text: str) -> bool:
    try:
        return not math.isnan(float(text))
    except ValueError:
        return False
