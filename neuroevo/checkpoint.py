"""Checkpoints of a run: arrays in ``.npz`` + metadata in ``checkpoint.json``; never pickle.

Write order makes every moment resumable: the arrays go to a new ``checkpoint-<generation>.npz`` (written
atomically), then ``checkpoint.json`` (atomically) names that file and the SHA-256 of the arrays and the
metadata together, then older array files are removed. ``checkpoint.json`` is the commit point: a process killed anywhere leaves a consistent pair.
Loading uses ``allow_pickle=False`` and checks the format, version and checksum.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from neuroevo.agent import write_json, write_npz
from neuroevo.errors import CheckpointError
from neuroevo.schema import check_checkpoint_meta, check_format, read_json

FORMAT = "neuroevo-checkpoint"
VERSION = 2  # 2: the SHA-256 covers the metadata too (1: the arrays only; still read)
META_FILE = "checkpoint.json"


def _sha256(path: Path, meta: dict) -> str:
    """Digest of the array file and, from format version 2, of the metadata (so editing either is detected)."""
    h = hashlib.sha256(path.read_bytes())
    if meta["version"] >= 2:
        h.update(json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode())
    return h.hexdigest()


def save_checkpoint(folder: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write a checkpoint of ``arrays`` (name -> array) and JSON-able ``meta`` (must hold "generation")."""
    folder = Path(folder)
    npz = folder / f"checkpoint-{int(meta['generation']):06d}.npz"
    write_npz(npz, **arrays)
    full = {"format": FORMAT, "version": VERSION, "arrays": npz.name, **meta}
    write_json(folder / META_FILE, {**full, "sha256": _sha256(npz, full)})
    for old in folder.glob("checkpoint-*.npz"):
        if old != npz:
            old.unlink(missing_ok=True)
    return npz


def load_checkpoint(folder: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """``(arrays, meta)`` of the checkpoint in ``folder``.

    Raises:
        CheckpointError: if there is no checkpoint, or it is truncated, tampered with, or of a newer format.
    """
    folder = Path(folder)
    meta_path = folder / META_FILE
    if not folder.is_dir():
        raise CheckpointError(f"run folder {folder} does not exist")
    if not meta_path.is_file():
        raise CheckpointError(f"{folder} holds no checkpoint ({META_FILE} missing): not a neuroevo run folder?")
    meta = read_json(meta_path)
    check_format(meta, meta_path, FORMAT, VERSION)
    check_checkpoint_meta(meta, meta_path)
    npz = folder / meta["arrays"]
    if not npz.is_file():
        raise CheckpointError(f"checkpoint arrays {npz} are missing")
    if _sha256(npz, meta) != meta.get("sha256"):
        raise CheckpointError(f"checkpoint in {folder} is corrupted: {npz.name} or {META_FILE} was changed or "
                              f"truncated (SHA-256 mismatch)")
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {k: np.array(data[k]) for k in data.files}
    except Exception as e:  # a checksum match makes this unlikely; still a user-facing error
        raise CheckpointError(f"cannot read {npz}: {type(e).__name__}: {e}") from None
    return arrays, meta
