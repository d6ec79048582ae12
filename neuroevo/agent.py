"""Saved agents: ``best.npz`` (the genome) beside ``best.json`` (spec, env id, fitness, seed, ...).

Arrays are loaded with ``allow_pickle=False`` and JSON is plain data: loading a file never runs code.
Files are written atomically (a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

import numpy as np

import gymnasium as gym
from gymnasium.spaces import Space

from neuroevo.errors import CheckpointError, TaskError, output_error
from neuroevo.network import Network, NetworkSpec, forward
from neuroevo.policy import batch_inputs, outputs_to_actions
from neuroevo.schema import check_agent_meta, read_json

if TYPE_CHECKING:
    from neuroevo.strategies.base import GenomeBatch, NetworkFacade


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then move it into place.

    Whatever happens (full disk, read-only folder, a signal), ``path`` is either the old file or the new
    one, and the temporary file is removed; a process killed mid-write leaves a ``.<name>.*.tmp`` file that
    the next command taking the folder removes (``neuroevo.runfolder``). The file gets the mode a plain
    ``open`` would give (0666 less the umask: 0644 under umask 022), not ``mkstemp``'s 0600.

    Raises:
        OutputError: on an OSError, naming ``path`` and the reason.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(path)
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


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` beside ``path``, opened for writing with mode 0666 & ~umask."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON, atomically."""
    atomic_write(path, lambda f: f.write((json.dumps(data, indent=2) + "\n").encode()))


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to an ``.npz`` file, atomically."""
    # numpy's stub types **kwds as ArrayLike but lets them fill `allow_pickle: bool` too
    atomic_write(path, lambda f: np.savez(f, **arrays))  # type: ignore[arg-type]


@dataclass
class Agent:
    """A network and what it was trained on; a policy in Stable-Baselines3's convention (:meth:`predict`).

    Attributes:
        spec: the network spec.
        genome: (n_params,) float64 flat weights, or a NEAT genome (a ``NEATGenomes`` of one).
        env_id: the Gymnasium id it plays, or None for a user fitness.
        env_kwargs: keyword arguments for ``gymnasium.make``.
        meta: anything else (fitness, seed, generation, method).
        observation_space, action_space: the env's spaces (read from :meth:`env` on first use of
            :meth:`predict`; set them to use an agent without its env).
    """

    spec: NetworkSpec
    genome: np.ndarray | GenomeBatch
    env_id: str | None = None
    env_kwargs: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    observation_space: Space | None = field(default=None, repr=False, compare=False)
    action_space: Space | None = field(default=None, repr=False, compare=False)

    @property
    def network(self) -> Network | NetworkFacade:
        if not isinstance(self.genome, np.ndarray):  # a GenomeBatch of one (NEAT)
            return self.genome.network(0)
        return Network(self.spec, self.genome)

    @property
    def n_state(self) -> int:
        """Length of the recurrent memory of one env (0 for a feed-forward network)."""
        return int(getattr(self.spec, "n_state", 0))

    def env(self, **make_kwargs: Any) -> gym.Env:
        """A new instance of the env the agent was trained on: ``gymnasium.make(env_id, **env_kwargs,
        **make_kwargs)`` (``render_mode="rgb_array"``, say) with the built-in games registered.

        Raises:
            TaskError: if the agent was trained on a user fitness or a supervised task (no env id), or
                the env cannot be made.
        """
        if not self.env_id:
            raise TaskError("this agent was trained on a user fitness or a supervised task: it has no env")
        from neuroevo.evaluation.env_task import make_env

        return make_env(self.env_id, self.env_kwargs, **make_kwargs)

    def predict(self, observation: Any, state: np.ndarray | None = None, episode_start: np.ndarray | None = None,
                deterministic: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """The agent's actions, in Stable-Baselines3's ``predict`` convention (``evaluate_policy`` works).

        Args:
            observation: one observation of the observation space's shape, or a batch
                ``(n_envs, *shape)`` (a vector env's), any numeric dtype.
            state: the recurrent memory returned by the previous call, ``(n_envs, n_state)`` float64;
                None: zeros (episode starts). Ignored (and None returned) for a feed-forward network.
            episode_start: ``(n_envs,)`` bool, True where an episode begins: those rows of ``state`` are
                cleared first.
            deterministic: accepted for the convention; the policy is deterministic either way (the
                first argmax for Discrete actions, tanh outputs scaled to a Box; see ``neuroevo.policy``).

        Returns:
            ``(actions, state)``: for a batch, Discrete ``(n_envs,)`` int64 or Box ``(n_envs, *shape)``;
            for one observation, one action (a 0-d int64 array, or an array of the Box's shape). ``state``
            is the new memory ``(n_envs, n_state)`` float64 (a new array), or None for a feed-forward network.

        Raises:
            TaskError: an observation that fits neither shape, an agent without env or spaces, a ``state``
                of the wrong shape.
        """
        obs_space, act_space = self._spaces()
        x, vectorized = batch_inputs(obs_space, observation)
        y, new_state = self._outputs(x, state, episode_start)
        actions = outputs_to_actions(act_space, y)
        return (actions if vectorized else actions[0]), new_state

    def _spaces(self) -> tuple[Space, Space]:
        if self.observation_space is None or self.action_space is None:
            env = self.env()
            self.observation_space, self.action_space = env.observation_space, env.action_space
            env.close()
        return self.observation_space, self.action_space

    def _outputs(self, x: np.ndarray, state: np.ndarray | None,
                 episode_start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Network outputs (B, n_out) for inputs x (B, n_in), and the new recurrent state (or None)."""
        if x.shape[1] != self.spec.n_inputs:
            raise TaskError(f"observations give {x.shape[1]} network inputs, the network takes {self.spec.n_inputs}")
        if not isinstance(self.genome, np.ndarray):  # a NEAT genome: its network, row by row (no state kept)
            net = self.network
            return np.stack([np.asarray(net(row), dtype=np.float64) for row in x]), None
        if not self.n_state:
            return forward(self.spec, self.genome, x), None
        b = x.shape[0]
        s = np.zeros((b, self.n_state)) if state is None else np.array(state, dtype=np.float64)
        if s.shape != (b, self.n_state):
            raise TaskError(f"state must have shape ({b}, {self.n_state}) (n_envs, n_state), got {s.shape}")
        if episode_start is not None:
            s[np.asarray(episode_start, dtype=bool).reshape(b)] = 0.0
        genomes = np.ascontiguousarray(np.broadcast_to(self.genome, (b, self.spec.n_params)))
        return forward(self.spec, genomes, x, s), s

    def save(self, path: str | Path) -> Path:
        """Write ``<stem>.npz`` and ``<stem>.json`` (``path`` may end in .npz or be a stem); returns the .npz.

        A NEAT genome (a GenomeBatch of one) is stored as its arrays, ``genome.<name>``, and ``genome_type``
        "neat" in the JSON."""
        npz = Path(path).with_suffix(".npz")
        extra: dict[str, str] = {}
        if isinstance(self.genome, np.ndarray):
            write_npz(npz, genome=np.asarray(self.genome, dtype=np.float64))
        else:
            write_npz(npz, **{f"genome.{k}": v for k, v in self.genome.to_arrays().items()})
            extra = {"genome_type": "neat"}
        write_json(npz.with_suffix(".json"), {"format": "neuroevo-agent", "version": 1,
                                              "spec": self.spec.to_dict(), "env_id": self.env_id,
                                              "env_kwargs": self.env_kwargs, **extra, **self.meta})
        return npz


def load(path: str | Path) -> Agent:
    """The agent saved in a run folder (its ``best.npz``) or an ``.npz``/``.json`` pair: a policy with
    ``predict(obs, state, episode_start, deterministic) -> (actions, state)`` and ``env()``.

    Raises:
        CheckpointError: if the files are missing, unreadable, or do not match each other.
    """
    return load_agent(path)


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
        genome: np.ndarray | GenomeBatch
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
    meta.pop("genome_type", None)
    if not isinstance(genome, np.ndarray):  # "genome_type": "neat"
        if len(genome) != 1 or (genome.n_in, genome.n_out) != (spec.n_inputs, spec.n_outputs):
            raise CheckpointError(f"{npz} holds a NEAT genome that does not fit its spec")
    elif genome.shape != (spec.n_params,):
        raise CheckpointError(f"{npz} holds {genome.shape} weights but its spec needs ({spec.n_params},)")
    env_id = meta.pop("env_id", None)
    env_kwargs = meta.pop("env_kwargs", {}) or {}
    meta.pop("format", None), meta.pop("version", None)
    return Agent(spec, genome, env_id, env_kwargs, meta)
