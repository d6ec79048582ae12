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

#: Agents stepped together by the lane kernels (one SIMD-friendly block).
LANES = 32

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2
_LN2_LO = 1.90821492927058770002e-10
_POW2 = np.ldexp(1.0, np.arange(-1022, 1024))  # 2**k at index k + 1022


@numba.njit(cache=True, inline="always")
def exp(y):
    """e**y for a float64 scalar, within 1 ULP of libm's exp over [-708, 708] (clamped outside).

    Written without calls or branches (Cody-Waite range reduction, degree-13 Taylor polynomial on
    |r| <= ln2/2, 2**k from a table) so that LLVM vectorises it across agents in the lane kernels; every
    forward pass of the project uses it, so a network gives the same bits in every kernel and in Python.
    """
    y = min(max(y, -708.0), 708.0)
    k = np.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = 1.6059043836821613e-10
    p = p * r + 2.08767569878681e-09
    p = p * r + 2.505210838544172e-08
    p = p * r + 2.755731922398589e-07
    p = p * r + 2.7557319223985893e-06
    p = p * r + 2.48015873015873e-05
    p = p * r + 0.0001984126984126984
    p = p * r + 0.001388888888888889
    p = p * r + 0.008333333333333333
    p = p * r + 0.041666666666666664
    p = p * r + 0.16666666666666666
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _POW2[np.int64(k) + 1022]


@numba.njit(cache=True, inline="always", error_model="numpy")
def activate(z, code):
    """Apply activation ``code`` (see :data:`ACTIVATIONS`) to the float64 scalar ``z``.

    tanh is computed as ``1 - 2 / (e^2z + 1)`` and sigmoid as ``1 / (1 + e^-z)`` with :func:`exp`:
    absolute error below 5e-16 against NumPy's ``tanh``, exact saturation to +-1. No denominator can be
    zero; callers compile with ``error_model="numpy"`` so the divisions carry no Python zero-check and
    the lane loops vectorise.
    """
    if code == 1:
        return 1.0 - 2.0 / (exp(2.0 * z) + 1.0)
    if code == 2:
        return 1.0 / (1.0 + exp(-z))
    if code == 3:
        return z if z > 0.0 else 0.0
    if code == 4:
        return z / (1.0 + abs(z))
    return z


@numba.njit(cache=True)
def argmax(y):
    """First index of the largest element of a 1-D array (NumPy's ``argmax`` tie rule): a Discrete action."""
    best = 0
    for j in range(1, y.shape[0]):
        if y[j] > y[best]:
            best = j
    return best


@numba.njit(cache=True, error_model="numpy")
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
    src, dst = buf[0], buf[1]
    for i in range(sizes[0]):
        src[i] = x[i]
    off = 0
    for layer in range(sizes.shape[0] - 1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        b_off = off + n_in * n_out
        code = codes[layer]
        for j in range(n_out):
            s = genome[b_off + j]
            for i in range(n_in):
                s += src[i] * genome[off + i * n_out + j]
            dst[j] = activate(s, code)
        off = b_off + n_out
        src, dst = dst, src
    return src[: sizes[sizes.shape[0] - 1]]


@numba.njit(cache=True, inline="always")
def _activate_block(block, rows, code):
    """``activate`` on ``block[:rows, :]`` in place, one loop per activation so each loop vectorises."""
    lanes = block.shape[1]
    if code == 1:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate(block[j, lane], 1)
    elif code == 2:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate(block[j, lane], 2)
    elif code == 3:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate(block[j, lane], 3)
    elif code == 4:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate(block[j, lane], 4)


@numba.njit(cache=True, error_model="numpy")
def forward_lanes(wt, sizes, codes, x, buf_a, buf_b):
    """Forward pass of ``LANES`` networks at once, vectorised across the lanes (the last axis).

    Same operations in the same order as :func:`forward_into`, so each lane's output has the same bits.

    Args:
        wt: (n_params, LANES) float64: column ``l`` is lane ``l``'s genome.
        sizes, codes: as in :func:`forward_into`.
        x: (sizes[0], LANES) float64 inputs.
        buf_a, buf_b: (max(sizes), LANES) float64 scratch.

    Returns:
        (sizes[-1], LANES) view into one of the scratch buffers.
    """
    lanes = wt.shape[1]
    for i in range(sizes[0]):
        for lane in range(lanes):
            buf_a[i, lane] = x[i, lane]
    src, dst = buf_a, buf_b
    off = 0
    for layer in range(sizes.shape[0] - 1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        b_off = off + n_in * n_out
        code = codes[layer]
        for j in range(n_out):
            for lane in range(lanes):
                dst[j, lane] = wt[b_off + j, lane]
            for i in range(n_in):
                row = off + i * n_out + j
                for lane in range(lanes):
                    dst[j, lane] += src[i, lane] * wt[row, lane]
        _activate_block(dst, n_out, code)
        off = b_off + n_out
        src, dst = dst, src
    return src[: sizes[sizes.shape[0] - 1]]


@numba.njit(cache=True, error_model="numpy")
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
        """Spec ``n_in -> hidden... -> n_out`` with ``activation`` on hidden layers.

        Raises:
            ConfigError: on a size < 1 or an unknown activation name.
        """
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
    The genome ((n_params,) or (1, n_params) float64) is copied, so later changes to the caller's array do
    not affect the network. Raises ValueError on a genome of the wrong length or several genomes.
    """

    def __init__(self, spec: NetworkSpec, genome: np.ndarray):
        g = spec.check_genomes(genome)
        if g.shape[0] != 1:
            raise ValueError(f"a Network takes one genome, got {g.shape[0]} (use forward() for a population)")
        self.spec, self.genome = spec, g[0].copy()

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
