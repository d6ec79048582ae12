"""Supervised datasets for backprop: the built-in ``xor`` and ``sin`` tasks and user CSV / ``.npz`` files.

A dataset is ``(inputs (N, n_in) float64, targets (N, n_out) float64)``.

- ``xor``: the 4 rows of the XOR truth table, targets 0/1.
- ``sin``: 256 points evenly spaced on [-pi, pi] (radians), targets sin(x).
- CSV: numbers separated by commas, an optional header row; the last ``n_targets`` columns are targets.
- ``.npz``: arrays ``inputs`` and ``targets`` (or ``x`` and ``y``); 1-D arrays become one column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from neuroevo.errors import TaskError

BUILTIN = ("xor", "sin")


def load_dataset(task: str, n_targets: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs, targets)`` of a built-in task name or a file path.

    Raises:
        TaskError: unknown name, missing or unreadable file, non-numeric values, wrong shapes.
    """
    if task == "xor":
        x: np.ndarray = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        return x, np.array([[0], [1], [1], [0]], dtype=np.float64)
    if task == "sin":
        x = np.linspace(-np.pi, np.pi, 256)[:, None]
        return x, np.sin(x)
    path = Path(task)
    if not path.is_file():
        raise TaskError(f"task {task!r} is neither {' nor '.join(BUILTIN)} nor an existing CSV or .npz file")
    x, y = _read_npz(path) if path.suffix == ".npz" else _read_csv(path, n_targets)
    return _check(path, x, y)


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            for a, b in (("inputs", "targets"), ("x", "y"), ("X", "y")):
                if {a, b} <= keys:
                    return np.asarray(data[a], dtype=np.float64), np.asarray(data[b], dtype=np.float64)
    except (OSError, ValueError) as e:
        raise TaskError(f"cannot read {path} as .npz: {e}") from None
    raise TaskError(f"{path} must hold arrays 'inputs' and 'targets' (or 'x' and 'y'), it has {sorted(keys)}")


def _read_csv(path: Path, n_targets: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as e:
        raise TaskError(f"cannot read {path} as CSV: {e}") from None
    if rows and not _numeric(rows[0]):
        rows = rows[1:]  # header
    if not rows:
        raise TaskError(f"{path} has no data rows")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise TaskError(f"{path}: rows have different numbers of columns {sorted(widths)}")
    for i, r in enumerate(rows):
        if not _numeric(r):
            raise TaskError(f"{path}: data row {i + 1} is not all numbers: {r}")
    data = np.array(rows, dtype=np.float64)
    if not 1 <= n_targets < data.shape[1]:
        raise TaskError(f"{path} has {data.shape[1]} columns: n_targets must be in [1, {data.shape[1] - 1}]")
    return data[:, :-n_targets], data[:, -n_targets:]


def _numeric(row: list[str]) -> bool:
    try:
        [float(c) for c in row]
        return True
    except ValueError:
        return False


def _check(path, x, y):
    x = x[:, None] if x.ndim == 1 else x
    y = y[:, None] if y.ndim == 1 else y
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or len(x) == 0:
        raise TaskError(f"{path}: inputs {x.shape} and targets {y.shape} must be 2-D with the same rows (>0)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise TaskError(f"{path} contains NaN or infinite values")
    return x, y
