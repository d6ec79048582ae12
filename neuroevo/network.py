"""Feed-forward networks stored as one flat genome vector, with Numba-jitted forward passes.

Genome layout (the contract shared by the GA, the game kernels and the gradient baselines): layer by layer,
``W_l`` of shape ``(n_in, n_out)`` in row-major order, then ``b_l`` of shape ``(n_out,)``. A layer computes
``y = act(x @ W_l + b_l)``.

The kernels here (``forward_into``, ``activate``) are plain ``@njit`` functions that take arrays and scalars
only, so game kernels call them inside their own loops with no Python per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np

from neuroevo.errors import ConfigError

#: Activation names and the integer codes the kernels use.
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "relu": 3, "softsign": 4}


@numba.njit(cache=True, inline="always")
def activate(z, code):
    """Apply activation ``code`` (see :data:`ACTIVATIONS`) to the float64 scalar ``z``."""
    if code == 1:
        # tanh as 1 - 2 / (e^2z + 1): one exp, about 3x faster than libm's tanh; absolute error < 4e-16
        return 1.0 - 2.0 / (np.exp(2.0 * z) + 1.0)
    if code == 2:
        return 1.0 / (1.0 + np.exp(-z))
    if code == 3:
        return z if z > 0.0 else 0.0
    if code == 4:
        return z / (1.0 + abs(z))
    return z


@numba.njit(cache=True)
def forward_into(genome, sizes, codes, x, buf):
    """Forward pass of one network, written into the scratch buffer ``buf``.

    Args:
        genome: (n_params,) float64 flat weights (layout in the module docstring).
        sizes: (L + 1,) int64 layer sizes, inputs first.
        codes: (L,) int64 activation codes of the layers.
        x: (sizes[0],) float input; read before anything is written.
        buf: (2, max(sizes)) float64 scratch.

    Returns:
        A (sizes[-1],) float64 view into ``buf``: valid until the next call with the same buffer.
    """
    src = 0
    for i in range(sizes[0]):
        buf[0, i] = x[i]
    off = 0
    for layer in range(sizes.shape[0] - 1):
        n_in = sizes[layer]
        n_out = sizes[layer + 1]
        dst = 1 - src
        b_off = off + n_in * n_out
        for j in range(n_out):
            buf[dst, j] = genome[b_off + j]
        for i in range(n_in):
            xi = buf[src, i]
            row = off + i * n_out
            for j in range(n_out):
                buf[dst, j] += xi * genome[row + j]
        code = codes[layer]
        for j in range(n_out):
            buf[dst, j] = activate(buf[dst, j], code)
        off = b_off + n_out
        src = dst
    return buf[src, : sizes[sizes.shape[0] - 1]]


@numba.njit(cache=True)
def _forward_many(genomes, sizes, codes, obs, out):
    """Row r of ``obs`` through network ``genomes[r]`` (or ``genomes[0]`` when only one is given)."""
    buf = np.empty((2, sizes.max()), dtype=np.float64)
    one = genomes.shape[0] == 1
    for r in range(obs.shape[0]):
        g = genomes[0] if one else genomes[r]
        y = forward_into(g, sizes, codes, obs[r], buf)
        out[r, :] = y


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes and activations of a feed-forward network, and the layout of its flat genome.

    Args:
        sizes: layer sizes, inputs first, outputs last; at least two, all >= 1.
        activations: one name per layer of weights (``len(sizes) - 1``), from :data:`ACTIVATIONS`.

    Raises:
        ConfigError: on sizes < 1, fewer than two sizes, a count mismatch or an unknown activation.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]

    def __post_init__(self):
        sizes = tuple(int(s) for s in self.sizes)
        acts = tuple(str(a) for a in self.activations)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "activations", acts)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ConfigError(f"network sizes must be two or more positive integers, got {list(sizes)}")
        if len(acts) != len(sizes) - 1:
            raise ConfigError(f"network has {len(sizes) - 1} layers but {len(acts)} activations were given")
        for a in acts:
            if a not in ACTIVATIONS:
                raise ConfigError(f"unknown activation {a!r}; choose from {', '.join(ACTIVATIONS)}")

    @classmethod
    def build(cls, n_in, hidden, n_out, activation="tanh", output_activation="linear"):
        """Spec ``n_in -> hidden... -> n_out`` with ``activation`` on hidden layers."""
        sizes = (n_in, *hidden, n_out)
        return cls(sizes, (activation,) * len(hidden) + (output_activation,))

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @cached_property
    def n_params(self) -> int:
        """Length of the flat genome."""
        return int(sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:])))

    @cached_property
    def kernel_args(self) -> tuple[np.ndarray, np.ndarray]:
        """``(sizes, codes)`` as int64 arrays, the form the Numba kernels take."""
        return (np.asarray(self.sizes, dtype=np.int64),
                np.asarray([ACTIVATIONS[a] for a in self.activations], dtype=np.int64))

    @cached_property
    def layer_offsets(self) -> np.ndarray:
        """(L + 1,) int64: layer ``l`` occupies ``genome[offsets[l]:offsets[l + 1]]`` (its W then b)."""
        blocks = [a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        return np.concatenate([[0], np.cumsum(blocks)]).astype(np.int64)

    @cached_property
    def node_ids(self) -> np.ndarray:
        """(n_params,) int64: the neuron each parameter feeds (column j of W_l and b_l[j] share an id)."""
        ids = np.empty(self.n_params, dtype=np.int64)
        first = 0
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            off = self.layer_offsets[layer]
            ids[off: off + n_in * n_out] = first + np.tile(np.arange(n_out), n_in)
            ids[off + n_in * n_out: off + n_in * n_out + n_out] = first + np.arange(n_out)
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
        ``sqrt(6 / n_in)`` for relu layers (He et al. 2015). Biases start at 0.
        """
        limits = np.zeros(self.n_params)
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            fan = n_in if self.activations[layer] == "relu" else n_in + n_out
            off = self.layer_offsets[layer]
            limits[off: off + n_in * n_out] = np.sqrt(6.0 / fan)
        return limits

    def init_genomes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, n_params) float64 genomes drawn from the per-layer initialiser (:attr:`init_limits`)."""
        return rng.uniform(-1.0, 1.0, size=(n, self.n_params)) * self.init_limits

    def unflatten(self, genome: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W_l (n_in, n_out), b_l (n_out,)), ...]`` views into ``genome``."""
        out = []
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            off = self.layer_offsets[layer]
            w = genome[off: off + n_in * n_out].reshape(n_in, n_out)
            out.append((w, genome[off + n_in * n_out: off + n_in * n_out + n_out]))
        return out

    def to_dict(self) -> dict:
        return {"sizes": list(self.sizes), "activations": list(self.activations)}

    @classmethod
    def from_dict(cls, d: dict) -> "NetworkSpec":
        return cls(tuple(d["sizes"]), tuple(d["activations"]))

    def check_genomes(self, genomes: np.ndarray) -> np.ndarray:
        """``genomes`` as a C-contiguous (P, n_params) float64 array; raises ValueError on a bad shape."""
        g = np.ascontiguousarray(genomes, dtype=np.float64)
        if g.ndim == 1:
            g = g[None, :]
        if g.ndim != 2 or g.shape[1] != self.n_params:
            raise ValueError(f"genomes must have shape (P, {self.n_params}), got {np.shape(genomes)}")
        return g


def forward(spec: NetworkSpec, genomes: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Outputs of many networks, or of one network on a batch.

    Args:
        spec: the network spec.
        genomes: (P, n_params) float64, or (1, n_params) / (n_params,) for one network.
        obs: (P, n_in) (row r goes through genome r), or (B, n_in) with a single genome.

    Returns:
        (rows, n_out) float64.

    Raises:
        ValueError: on shapes that do not match the spec.
    """
    g = spec.check_genomes(genomes)
    x = np.ascontiguousarray(obs, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.n_inputs:
        raise ValueError(f"observations must have shape (B, {spec.n_inputs}), got {np.shape(obs)}")
    if g.shape[0] not in (1, x.shape[0]):
        raise ValueError(f"{g.shape[0]} genomes for {x.shape[0]} observations")
    out = np.empty((x.shape[0], spec.n_outputs), dtype=np.float64)
    _forward_many(g, *spec.kernel_args, x, out)
    return out


class Network:
    """One network: a spec and its genome, callable on an observation.

    ``net(x)`` with ``x`` of shape (n_in,) returns (n_out,) float64; with (B, n_in) it returns (B, n_out).
    The genome is copied, so later changes to the caller's array do not affect the network.
    """

    def __init__(self, spec: NetworkSpec, genome: np.ndarray):
        self.spec = spec
        self.genome = spec.check_genomes(genome)[0].copy()

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            return forward(self.spec, self.genome, x[None, :])[0]
        return forward(self.spec, self.genome, x)

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W_l, b_l), ...]`` views into the genome."""
        return self.spec.unflatten(self.genome)

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.spec.sizes))
        return f"Network({arch}, {'/'.join(self.spec.activations)}, {self.spec.n_params} params)"
