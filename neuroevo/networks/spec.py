"""Layered networks (feed-forward and Elman recurrent) stored as one flat genome vector.

Genome layout (the contract shared by the strategies, the operators, the game kernels and the gradient
baselines): layer by layer, ``W_l`` of shape ``(n_in, n_out)`` in row-major order; then, for a recurrent
(Elman 1990, "Finding structure in time") layer only, ``U_l`` of shape ``(n_out, n_out)`` row-major, the
weights from the layer's previous output ``h_{t-1}`` (row ``k``: from neuron ``k``); then ``b_l`` of shape
``(n_out,)``. A layer computes ``h_t = act(x_t @ W_l + h_{t-1} @ U_l + b_l)``, with ``h_{-1} = 0`` at the
start of every episode. A feed-forward layer is the same without ``U_l``.

Neuron ``j`` of layer ``l`` owns column ``j`` of ``W_l``, column ``j`` of ``U_l`` (its incoming recurrent
weights) and ``b_l[j]``; node crossover swaps those together, layer crossover the whole ``[W_l, U_l, b_l]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numba
import numpy as np
from numpy.typing import ArrayLike

from neuroevo.errors import ConfigError
from neuroevo.networks.activations import ACTIVATIONS
from neuroevo.networks.program import Program, layered_ints, policy_step


#: Precisions a network computes in (``NetworkSpec.dtype``).
DTYPES = ("float64", "float32")


@numba.njit(cache=True, error_model="numpy")
def _forward_many(ints, genomes, state, obs, out):
    """Row r of ``obs`` through network ``genomes[r]`` with memory ``state[r]`` (or row 0 of both if only one)."""
    buf = np.empty((2, ints[0, 4]), dtype=genomes.dtype)
    one = genomes.shape[0] == 1
    for r in range(obs.shape[0]):
        g = 0 if one else r
        y = policy_step(ints[0], genomes[g], state[g], obs[r], buf)
        out[r, :] = y


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes, activations and recurrent layers of a network, and the layout of its flat genome.

    Args:
        sizes: layer sizes, inputs first, outputs last; at least two, all >= 1.
        activations: one name per layer of weights (``len(sizes) - 1``), from :data:`ACTIVATIONS`.
        recurrent: one bool per layer of weights (Elman layer if True); empty (default): all feed-forward.
        dtype: ``"float64"`` (default) or ``"float32"``: the precision the network computes in, in every
            kernel, the env loop and :class:`Network` (the genomes stay float64: strategies, checkpoints and
            saved agents hold float64; :meth:`program` rounds them to float32 for the forward pass). float32
            runs the dense layers 8 lanes per AVX2 instruction instead of 4; its returns differ from
            float64's wherever a rounded output flips an action.

    Raises:
        ConfigError: on sizes < 1, fewer than two sizes, a count mismatch, an unknown activation or dtype.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    recurrent: tuple[bool, ...] = field(default=())
    dtype: str = "float64"

    def __post_init__(self):
        sizes = tuple(int(s) for s in self.sizes)
        acts = tuple(str(a) for a in self.activations)
        rec = tuple(bool(r) for r in self.recurrent) or (False,) * max(len(sizes) - 1, 0)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "activations", acts)
        object.__setattr__(self, "recurrent", rec)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ConfigError(f"network sizes must be two or more positive integers, got {list(sizes)}")
        if len(acts) != len(sizes) - 1:
            raise ConfigError(f"network has {len(sizes) - 1} layers but {len(acts)} activations were given")
        if len(rec) != len(sizes) - 1:
            raise ConfigError(f"network has {len(sizes) - 1} layers but {len(rec)} recurrent flags were given")
        for a in acts:
            if a not in ACTIVATIONS:
                raise ConfigError(f"unknown activation {a!r}; choose from {', '.join(ACTIVATIONS)}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"unknown network dtype {self.dtype!r}; choose from {', '.join(DTYPES)}")

    @classmethod
    def build(cls, n_in: int, hidden: Sequence[int], n_out: int, activation: str = "tanh",
              output_activation: str = "linear", recurrent: bool | Sequence[bool] = False,
              dtype: str = "float64") -> NetworkSpec:
        """Spec ``n_in -> hidden... -> n_out`` with ``activation`` on hidden layers.

        Args:
            recurrent: True makes every hidden layer an Elman layer; a sequence gives one flag per hidden layer.
            dtype: the precision of the forward pass (class docstring).

        Raises:
            ConfigError: on a size < 1, an unknown activation name or a wrong number of recurrent flags.
        """
        sizes = (n_in, *hidden, n_out)
        flags = (bool(recurrent),) * len(hidden) if isinstance(recurrent, bool) else tuple(recurrent)
        if len(flags) != len(hidden):
            raise ConfigError(f"{len(flags)} recurrent flags for {len(hidden)} hidden layers")
        return cls(sizes, (activation,) * len(hidden) + (output_activation,), (*flags, False), dtype)

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def is_recurrent(self) -> bool:
        return any(self.recurrent)

    @cached_property
    def n_state(self) -> int:
        """Length of the memory carried between steps (the outputs of the recurrent layers)."""
        return int(sum(b for b, r in zip(self.sizes[1:], self.recurrent) if r))

    def _blocks(self):
        """Per layer ``(n_in, n_out, recurrent, block length)``."""
        return [(a, b, r, a * b + (b * b if r else 0) + b)
                for a, b, r in zip(self.sizes[:-1], self.sizes[1:], self.recurrent)]

    @cached_property
    def n_params(self) -> int:
        """Length of the flat genome."""
        return int(sum(n for *_, n in self._blocks()))

    @cached_property
    def kernel_args(self) -> tuple[np.ndarray, np.ndarray]:
        """``(sizes, codes)`` as int64 arrays, the form the feed-forward kernels take (feed-forward specs only)."""
        return (np.asarray(self.sizes, dtype=np.int64),
                np.asarray([ACTIVATIONS[a] for a in self.activations], dtype=np.int64))

    @cached_property
    def program_ints(self) -> np.ndarray:
        """(1, n_int) int64 policy program row shared by every genome (:mod:`neuroevo.networks.program`)."""
        return layered_ints(*self.kernel_args, np.asarray(self.recurrent, dtype=np.int64))

    def program(self, genomes: np.ndarray) -> Program:
        """The policy program of ``genomes`` ((P, n_params) float64) for the game kernels; its params are
        float32 (rounded to nearest) for a float32 spec.

        Raises:
            ValueError: on a genome shape mismatch.
        """
        return Program(self.program_ints, self.params(genomes))

    def params(self, genomes: np.ndarray) -> np.ndarray:
        """``genomes`` checked (:meth:`check_genomes`) and in the spec's ``dtype``: what the forward pass reads."""
        g = self.check_genomes(genomes)
        return g if self.dtype == "float64" else g.astype(np.float32)

    @cached_property
    def layer_offsets(self) -> np.ndarray:
        """(L + 1,) int64: layer ``l`` occupies ``genome[offsets[l]:offsets[l + 1]]`` (its W, U, then b)."""
        return np.concatenate([[0], np.cumsum([n for *_, n in self._blocks()])]).astype(np.int64)

    @cached_property
    def node_ids(self) -> np.ndarray:
        """(n_params,) int64: the neuron each parameter feeds (column j of W_l and U_l, and b_l[j], share an id)."""
        ids = np.empty(self.n_params, dtype=np.int64)
        first = 0
        for layer, (n_in, n_out, rec, _) in enumerate(self._blocks()):
            off = self.layer_offsets[layer]
            n_w = (n_in + (n_out if rec else 0)) * n_out  # W then U, both (rows, n_out) row-major
            ids[off: off + n_w] = first + np.tile(np.arange(n_out), n_w // n_out)
            ids[off + n_w: off + n_w + n_out] = first + np.arange(n_out)
            first += n_out
        return ids

    @cached_property
    def layer_ids(self) -> np.ndarray:
        """(n_params,) int64: the layer each parameter belongs to."""
        return np.repeat(np.arange(len(self.sizes) - 1), np.diff(self.layer_offsets))

    @cached_property
    def init_limits(self) -> np.ndarray:
        """(n_params,) float64 half-width of the uniform initialiser of each parameter.

        Weights: Glorot/Xavier uniform ``sqrt(6 / (n_in + n_out))`` (Glorot & Bengio 2010), or He uniform
        ``sqrt(6 / n_in)`` for relu layers (He et al. 2015); recurrent weights ``U_l`` the same with
        ``n_in = n_out``. Biases start at 0.
        """
        limits = np.zeros(self.n_params)
        for layer, (n_in, n_out, rec, _) in enumerate(self._blocks()):
            relu = self.activations[layer] == "relu"
            off = self.layer_offsets[layer]
            limits[off: off + n_in * n_out] = np.sqrt(6.0 / (n_in if relu else n_in + n_out))
            if rec:
                u = off + n_in * n_out
                limits[u: u + n_out * n_out] = np.sqrt(6.0 / (n_out if relu else 2 * n_out))
        return limits

    def init_genomes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, n_params) float64 genomes drawn from the per-layer initialiser (:attr:`init_limits`)."""
        return rng.uniform(-1.0, 1.0, size=(n, self.n_params)) * self.init_limits

    def unflatten(self, genome: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        """Views into ``genome``: ``[(W_l, b_l), ...]``, ``(W_l, U_l, b_l)`` for a recurrent layer."""
        out: list[tuple[np.ndarray, ...]] = []
        for layer, (n_in, n_out, rec, _) in enumerate(self._blocks()):
            off = self.layer_offsets[layer]
            w = genome[off: off + n_in * n_out].reshape(n_in, n_out)
            off += n_in * n_out
            if rec:
                u = genome[off: off + n_out * n_out].reshape(n_out, n_out)
                off += n_out * n_out
                out.append((w, u, genome[off: off + n_out]))
            else:
                out.append((w, genome[off: off + n_out]))
        return out

    def to_dict(self) -> dict:
        d = {"sizes": list(self.sizes), "activations": list(self.activations)}
        if self.is_recurrent:  # feed-forward specs keep the first round's file format
            d["recurrent"] = list(self.recurrent)
        if self.dtype != "float64":
            d["dtype"] = self.dtype
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "NetworkSpec":
        return cls(tuple(d["sizes"]), tuple(d["activations"]), tuple(d.get("recurrent", ())),
                   str(d.get("dtype", "float64")))

    def check_genomes(self, genomes: np.ndarray) -> np.ndarray:
        """``genomes`` as a C-contiguous (P, n_params) float64 array; raises ValueError on a bad shape."""
        g = np.ascontiguousarray(genomes, dtype=np.float64)
        if g.ndim == 1:
            g = g[None, :]
        if g.ndim != 2 or g.shape[1] != self.n_params:
            raise ValueError(f"genomes must have shape (P, {self.n_params}), got {np.shape(genomes)}")
        return g


def forward(spec: NetworkSpec, genomes: np.ndarray, obs: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
    """Outputs of many networks, or of one network on a batch, for one time step.

    Args:
        spec: the network spec.
        genomes: (P, n_params) float64, or (1, n_params) / (n_params,) for one network.
        obs: (P, n_in) (row r goes through genome r), or (B, n_in) with a single genome.
        state: (P, n_state) memory of recurrent networks in the spec's dtype, updated in place (one row per
            genome); None: zeros (the first step of an episode). Ignored by feed-forward specs.

    Returns:
        (rows, n_out) float64 (a float32 network's outputs, widened exactly).

    Raises:
        ValueError: on shapes that do not match the spec.
    """
    g = spec.params(genomes)
    x = np.ascontiguousarray(obs, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.n_inputs:
        raise ValueError(f"observations must have shape (B, {spec.n_inputs}), got {np.shape(obs)}")
    if g.shape[0] not in (1, x.shape[0]):
        raise ValueError(f"{g.shape[0]} genomes for {x.shape[0]} observations")
    if state is None:
        state = np.zeros((g.shape[0], spec.n_state), dtype=spec.dtype)
    elif state.shape != (g.shape[0], spec.n_state) or state.dtype != spec.dtype:
        raise ValueError(f"state must be a {spec.dtype} array of shape ({g.shape[0]}, {spec.n_state}), "
                         f"got {state.dtype} {state.shape}")
    if spec.is_recurrent and g.shape[0] == 1 and x.shape[0] > 1:
        raise ValueError("a recurrent network steps one observation at a time (use Network for a sequence)")
    out = np.empty((x.shape[0], spec.n_outputs), dtype=np.float64)
    _forward_many(spec.program_ints, g, state, x, out)
    return out


class Network:
    """One network: a spec and its genome, callable on an observation, holding its memory between calls.

    ``net(x)`` with ``x`` of shape (n_in,) returns (n_out,) float64 and advances the memory of a recurrent
    network by one step; with (T, n_in) it returns (T, n_out): the rows as T consecutive steps (for a
    feed-forward network, a batch). ``reset()`` clears the memory (call it at each episode start). The
    genome ((n_params,) or (1, n_params) float64) is copied. Raises ValueError on a genome of the wrong
    length or several genomes.
    """

    def __init__(self, spec: NetworkSpec, genome: np.ndarray):
        g = spec.check_genomes(genome)
        if g.shape[0] != 1:
            raise ValueError(f"a Network takes one genome, got {g.shape[0]} (use forward() for a population)")
        self.spec, self.genome = spec, g[0].copy()
        self.state = np.zeros((1, spec.n_state), dtype=spec.dtype)

    def reset(self) -> None:
        """Clear the recurrent memory (the state at an episode start)."""
        self.state[:] = 0.0

    def __call__(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            return forward(self.spec, self.genome, x[None, :], self.state)[0]
        if not self.spec.is_recurrent:
            return forward(self.spec, self.genome, x)
        return np.stack([forward(self.spec, self.genome, row[None, :], self.state)[0] for row in x])

    @property
    def layers(self) -> list[tuple[np.ndarray, ...]]:
        """``[(W_l, b_l), ...]`` (``(W_l, U_l, b_l)`` for recurrent layers): views into the genome."""
        return self.spec.unflatten(self.genome)

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.spec.sizes))
        rec = (", recurrent" if self.spec.is_recurrent else "") + (", float32" if self.spec.dtype == "float32" else "")
        return f"Network({arch}, {'/'.join(self.spec.activations)}{rec}, {self.spec.n_params} params)"
