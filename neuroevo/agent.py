"""Saved agents: ``best.npz`` (the genome) beside ``best.json`` (spec, env id, fitness, seed, ...).

Arrays are loaded with ``allow_pickle=False`` and JSON is plain data: loading a file never runs code.
Files are written atomically (a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroevo.errors import CheckpointError, output_error
from neuroevo.network import Network, NetworkSpec
from neuroevo.schema import check_agent_meta, read_json


def atomic_write(path: Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then move it into place.

    Whatever happens (full disk, read-only folder, a signal), ``path`` is either the old file or the new
    one, and the temporary file is removed; a process killed mid-write leaves a ``.<name>.*.tmp`` file that
    the next command taking the folder removes (``neuroevo.runfolder``).

    Raises:
        OutputError: on an OSError, naming ``path`` and the reason.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise output_error(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise output_error(path, e) from None
        raise


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON, atomically."""
    atomic_write(path, lambda f: f.write((json.dumps(data, indent=2) + "\n").encode()))


def write_npz(path: Path, **arrays) -> None:
    """Write arrays to an ``.npz`` file, atomically."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


@dataclass
class Agent:
    """A network and what it was trained on.

    Attributes:
        spec: the network spec.
        genome: (n_params,) float64 flat weights.
        env_id: the Gymnasium id it plays, or None for a user fitness.
        env_kwargs: keyword arguments for ``gymnasium.make``.
        meta: anything else (fitness, seed, generation, method).
    """

    spec: NetworkSpec
    genome: np.ndarray
    env_id: str | None = None
    env_kwargs: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def network(self) -> Network:
        if not isinstance(self.genome, np.ndarray):  # a GenomeBatch of one (NEAT)
            return self.genome.network(0)
        return Network(self.spec, self.genome)

    def save(self, path: str | Path) -> Path:
        """Write ``<stem>.npz`` and ``<stem>.json`` (``path`` may end in .npz or be a stem); returns the .npz.

        A NEAT genome (a GenomeBatch of one) is stored as its arrays, ``genome.<name>``, and ``genome_type``
        "neat" in the JSON."""
        npz = Path(path).with_suffix(".npz")
        extra = {}
        if isinstance(self.genome, np.ndarray):
            write_npz(npz, genome=np.asarray(self.genome, dtype=np.float64))
        else:
            write_npz(npz, **{f"genome.{k}": v for k, v in self.genome.to_arrays().items()})
            extra = {"genome_type": "neat"}
        write_json(npz.with_suffix(".json"), {"format": "neuroevo-agent", "version": 1,
                                              "spec": self.spec.to_dict(), "env_id": self.env_id,
                                              "env_kwargs": self.env_kwargs, **extra, **self.meta})
        return npz


def load_agent(path: str | Path) -> Agent:
    """Load an agent from a run folder (its ``best.npz``) or from an ``.npz``/``.json`` pair.

    Raises:
        CheckpointError: if the files are missing, unreadable, or do not match each other.
    """
    p = Path(path)
    if not p.exists() and not p.with_suffix(".npz").exists():
        raise CheckpointError(f"no run folder or saved agent at {p}")
    if p.is_dir():
        p = p / "best.npz"
    npz, meta_path = p.with_suffix(".npz"), p.with_suffix(".json")
    for f in (npz, meta_path):
        if not f.is_file():
            raise CheckpointError(f"no saved agent at {f} (expected a run folder or a best.npz with its .json)")
    meta = read_json(meta_path)
    check_agent_meta(meta, meta_path)
    try:
        spec = NetworkSpec.from_dict(meta.pop("spec"))
        with np.load(npz, allow_pickle=False) as data:
            if meta.get("genome_type") == "neat":
                from neuroevo.strategies.neat.batch import NEATGenomes

                genome = NEATGenomes.from_arrays({k.partition(".")[2]: np.array(data[k]) for k in data.files
                                                  if k.startswith("genome.")})
            else:
                genome = np.array(data["genome"], dtype=np.float64)
    except CheckpointError:
        raise
    except Exception as e:  # any decoding problem is a corrupted file for the user
        raise CheckpointError(f"cannot read the agent in {npz.parent}: {type(e).__name__}: {e}") from None
    if meta.pop("genome_type", None) == "neat":
        if len(genome) != 1 or (genome.n_in, genome.n_out) != (spec.n_inputs, spec.n_outputs):
            raise CheckpointError(f"{npz} holds a NEAT genome that does not fit its spec")
    elif genome.shape != (spec.n_params,):
        raise CheckpointError(f"{npz} holds {genome.shape} weights but its spec needs ({spec.n_params},)")
    env_id = meta.pop("env_id", None)
    env_kwargs = meta.pop("env_kwargs", {}) or {}
    meta.pop("format", None), meta.pop("version", None)
    return Agent(spec, genome, env_id, env_kwargs, meta)
