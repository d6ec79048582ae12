"""The policy seam: one compiled interface through which every game kernel steps its agents' networks.

A *policy program* is two arrays, so Numba compiles each game kernel once for every network type:

- ``ints``: (R, n_int) int64, one program per row. R = 1 when every agent shares one architecture (the
  layered networks of :class:`~neuroevo.networks.spec.NetworkSpec`, whatever their weights), or R = P (one
  row per genome, e.g. NEAT graphs). Rows shorter than ``n_int`` are padded with zeros (never read).
- ``params``: (P, n_params) float64, one row per agent: its genome (padded with zeros to the chunk's
  longest for variable-size programs). float32 params (a ``NetworkSpec(..., dtype="float32")``) run the
  layered networks in float32 arithmetic in every kernel (8 lanes per AVX2 instruction instead of 4);
  kernels allocate their policy scratch in the params' precision (:func:`lane_buffers`).

Every row starts with the header ``[kind, n_in, n_out, n_state, width, n_params]``:

- ``kind`` :data:`KIND_LAYERED` (0): then ``L``, ``sizes`` (L + 1), activation ``codes`` (L) and
  ``recurrent`` flags (L). Layer ``l`` reads ``params[off:]`` as ``W_l`` (n_in x n_out, row-major), then
  ``U_l`` (n_out x n_out, row-major) if recurrent, then ``b_l`` (n_out); it computes
  ``h_t = act(x @ W_l + h_{t-1} @ U_l + b_l)`` (Elman 1990). The state holds ``h_{t-1}`` of the recurrent
  layers in order.
- ``kind`` :data:`KIND_GRAPH` (1, for NEAT): then ``n_nodes``, ``n_eval``, the ``n_out`` output node ids,
  then per evaluated node in order ``node, code, bias_idx, response_idx, n_conn`` and ``n_conn`` pairs
  ``(src_node, weight_idx)``. Nodes ``0..n_in-1`` are the inputs. The state is the value of every node
  (``n_state = n_nodes``): node ``v = act(params[bias_idx] + params[response_idx] * sum w * value[src])``
  written in place, so a connection from a node evaluated later (or itself) reads last step's value — a
  recurrent connection — and one from a node evaluated earlier reads this step's (neat-python's
  ``FeedForwardNetwork`` order with ``RecurrentNetwork``'s memory).

Per episode: the kernel calls :func:`policy_reset` (zero state) when an agent starts an episode. Scratch:
``buf`` (2, width) for :func:`policy_step`, ``(width, LANES)`` pairs for :func:`policy_step_lanes`, where
``width`` is the maximum over the chunk's rows (:func:`max_header`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numba
import numpy as np
from numpy.typing import ArrayLike

from neuroevo.networks.activations import LANES, activate, activate_any
from neuroevo.networks.simd import fma
from neuroevo.networks.feedforward import activate_rows
from neuroevo.networks.simd_dense import dense_fast, dense_tanh_fast

KIND_LAYERED, KIND_GRAPH = 0, 1
#: Header slots of every program row.
KIND, N_IN, N_OUT, N_STATE, WIDTH, N_PARAMS = range(6)
HEADER = 6


@dataclass(frozen=True)
class Program:
    """A population's policy program (module docstring): what the game kernels take.

    Attributes:
        ints: (R, n_int) int64, R = 1 (shared) or P (one row per genome).
        params: (P, n_params) float64 (or float32 for a float32 network), C-contiguous.
    """

    ints: np.ndarray
    params: np.ndarray

    @property
    def n_inputs(self) -> int:
        return int(self.ints[0, N_IN])

    @property
    def n_outputs(self) -> int:
        return int(self.ints[0, N_OUT])


class Policy(Protocol):
    """A policy type the game kernels run: ``program(genomes)`` gives a :class:`Program` or ``(ints, params)``
    (:class:`~neuroevo.networks.spec.NetworkSpec` is one)."""

    def program(self, genomes: Any) -> Program | tuple[np.ndarray, np.ndarray]: ...


def _params_array(params: Any) -> np.ndarray:
    """C-contiguous params: float32 kept (a float32 network), anything else as float64."""
    dtype = np.float32 if getattr(params, "dtype", None) == np.float32 else np.float64
    return np.ascontiguousarray(params, dtype=dtype)


def as_program(policy: Policy, genomes: Any) -> Program:
    """The program of a population for any policy type: ``genomes.program()`` for a strategy's
    ``GenomeBatch`` (NEAT graphs), else ``policy.program(genomes)`` (a ``NetworkSpec`` and a (P, n_params)
    array). Either may return a :class:`Program` or an ``(ints, params)`` tuple.

    Raises:
        ValueError: on genomes that do not fit the policy.
    """
    if not isinstance(genomes, np.ndarray) and callable(getattr(genomes, "program", None)):
        prog = genomes.program()
    else:
        prog = policy.program(genomes)
    if isinstance(prog, tuple):
        prog = Program(np.ascontiguousarray(prog[0], dtype=np.int64), _params_array(prog[1]))
    if prog.ints.shape[0] not in (1, prog.params.shape[0]):
        raise ValueError(f"a program has 1 or P rows of ints, got {prog.ints.shape[0]} for {prog.params.shape[0]}")
    return prog


@numba.njit(cache=True)
def max_header(ints, slot):
    """Largest value of header ``slot`` over the program rows (buffer sizes of a chunk)."""
    best = 0
    for r in range(ints.shape[0]):
        best = max(best, ints[r, slot])
    return best


@numba.njit(cache=True)
def policy_reset(ints, state):
    """Start of an episode: zero the first ``n_state`` entries of ``state`` (1-D view)."""
    for i in range(ints[N_STATE]):
        state[i] = 0.0


@numba.njit(cache=True, inline="always")
def _layer_layout(ints, layer):
    n_layers = ints[HEADER]
    n_in, n_out = ints[HEADER + 1 + layer], ints[HEADER + 2 + layer]
    code = ints[HEADER + 2 + n_layers + layer]
    rec = ints[HEADER + 2 + 2 * n_layers + layer]
    return n_in, n_out, code, rec


@numba.njit(cache=True, error_model="numpy")
def _layered_step(ints, params, state, x, buf):
    src, dst = buf[0], buf[1]
    for i in range(ints[N_IN]):
        src[i] = x[i]
    off, soff = 0, 0
    for layer in range(ints[HEADER]):
        n_in, n_out, code, rec = _layer_layout(ints, layer)
        u_off = off + n_in * n_out
        b_off = u_off + n_out * n_out if rec else u_off
        for j in range(n_out):
            s = params[b_off + j]
            for i in range(n_in):
                s = fma(src[i], params[off + i * n_out + j], s)
            if rec:
                for k in range(n_out):
                    s = fma(state[soff + k], params[u_off + k * n_out + j], s)
            dst[j] = activate_any(s, code)
        if rec:
            for j in range(n_out):
                state[soff + j] = dst[j]
            soff += n_out
        off = b_off + n_out
        src, dst = dst, src
    return src[: ints[N_OUT]]


@numba.njit(cache=True, error_model="numpy")
def _graph_step(ints, params, state, x, out):
    n_in, n_out = ints[N_IN], ints[N_OUT]
    for i in range(n_in):
        state[i] = x[i]
    n_eval = ints[HEADER + 1]
    pos = HEADER + 2 + n_out
    for _ in range(n_eval):
        node, code, b_idx, r_idx, n_conn = ints[pos], ints[pos + 1], ints[pos + 2], ints[pos + 3], ints[pos + 4]
        pos += 5
        s = 0.0
        for c in range(n_conn):
            s = fma(params[ints[pos + 2 * c + 1]], state[ints[pos + 2 * c]], s)
        pos += 2 * n_conn
        state[node] = activate(fma(params[r_idx], s, params[b_idx]), code)
    for j in range(n_out):
        out[j] = state[ints[HEADER + 2 + j]]
    return out[:n_out]


@numba.njit(cache=True, error_model="numpy")
def policy_step(ints, params, state, x, buf):
    """One decision of one agent.

    Args:
        ints: (n_int,) int64 the agent's program row. params: (n_params,) float64 its genome.
        state: (>= n_state,) float64 its memory, updated in place. x: (n_in,) float64 observation.
        buf: (2, >= width) float64 scratch.

    Returns:
        (n_out,) float64 view into ``buf``, valid until the next call with the same buffer.
    """
    if ints[KIND] == KIND_GRAPH:
        return _graph_step(ints, params, state, x, buf[0])
    return _layered_step(ints, params, state, x, buf)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _dense_lanes(wt, off, n_in, n_out, b_off, src, dst):
    """``dst[j] = b[j] + sum_i src[i] * W[i, j]`` for every lane (the feed-forward part of a layer).

    The terms are added in the order of ``_layered_step`` (bias, then ``i = 0, 1, ...``), four inputs per
    pass over the lanes, so each row of ``dst`` is loaded and stored once per four terms, not per term.
    Blocks of whole vectors (every lane kernel's) take the explicit-vector :func:`~neuroevo.networks.
    simd_dense.dense_chunks` instead: the same operations in the same order, so the same bits.
    """
    if dense_fast(wt, off, n_in, n_out, b_off, src, dst):
        return
    lanes = wt.shape[1]
    for j in range(n_out):
        i = 0
        if n_in >= 4:
            r0 = off + j
            r1, r2, r3 = r0 + n_out, r0 + 2 * n_out, r0 + 3 * n_out
            for lane in range(lanes):
                s = fma(src[0, lane], wt[r0, lane], wt[b_off + j, lane])
                s = fma(src[1, lane], wt[r1, lane], s)
                s = fma(src[2, lane], wt[r2, lane], s)
                dst[j, lane] = fma(src[3, lane], wt[r3, lane], s)
            i = 4
        else:
            for lane in range(lanes):
                dst[j, lane] = wt[b_off + j, lane]
        while i + 4 <= n_in:
            r0 = off + i * n_out + j
            r1, r2, r3 = r0 + n_out, r0 + 2 * n_out, r0 + 3 * n_out
            for lane in range(lanes):
                s = fma(src[i, lane], wt[r0, lane], dst[j, lane])
                s = fma(src[i + 1, lane], wt[r1, lane], s)
                s = fma(src[i + 2, lane], wt[r2, lane], s)
                dst[j, lane] = fma(src[i + 3, lane], wt[r3, lane], s)
            i += 4
        while i < n_in:
            row = off + i * n_out + j
            for lane in range(lanes):
                dst[j, lane] = fma(src[i, lane], wt[row, lane], dst[j, lane])
            i += 1


@numba.njit(cache=True, error_model="numpy")
def _recurrent_lanes(wt, u_off, n_out, state, soff, dst):
    """``dst[j] += sum_k h[k] * U[k, j]`` for every lane (after the input terms, as in ``_layered_step``)."""
    lanes = wt.shape[1]
    for j in range(n_out):
        for k in range(n_out):
            row = u_off + k * n_out + j
            for lane in range(lanes):
                dst[j, lane] = fma(state[soff + k, lane], wt[row, lane], dst[j, lane])


@numba.njit(cache=True, inline="always", error_model="numpy")
def _layered_lanes(ints, wt, state, x, buf_a, buf_b):
    lanes = wt.shape[1]
    for i in range(ints[N_IN]):
        for lane in range(lanes):
            buf_a[i, lane] = x[i, lane]
    src, dst = buf_a, buf_b
    off, soff = 0, 0
    for layer in range(ints[HEADER]):
        n_in, n_out, code, rec = _layer_layout(ints, layer)
        u_off = off + n_in * n_out
        b_off = u_off + n_out * n_out if rec else u_off
        if rec or code != 1 or not dense_tanh_fast(wt, off, n_in, n_out, b_off, src, dst):
            _dense_lanes(wt, off, n_in, n_out, b_off, src, dst)
            if rec:
                _recurrent_lanes(wt, u_off, n_out, state, soff, dst)
            activate_rows(dst, n_out, code)
        if rec:
            for j in range(n_out):
                for lane in range(lanes):
                    state[soff + j, lane] = dst[j, lane]
            soff += n_out
        off = b_off + n_out
        src, dst = dst, src
    return src[: ints[N_OUT]]


@numba.njit(cache=True, inline="always", error_model="numpy")
def policy_step_lanes(ints, rows, wt, state, x, buf_a, buf_b):
    """One decision of ``LANES`` agents at once, vectorised across the lanes for layered programs.

    Same operations in the same order as :func:`policy_step`, so each lane's output has the same bits.

    Args:
        ints: (R, n_int) int64 programs. rows: (LANES,) int64 each lane's row of ``ints`` (layered
            programs are shared: row 0 is used).
        wt: (n_params, LANES) float64, column ``l`` is lane ``l``'s params.
        state: (n_state, LANES) float64, column per lane, updated in place.
        x: (n_in, LANES) float64 observations.
        buf_a, buf_b: (width, LANES) float64 scratch.

    Returns:
        (n_out, LANES) float64 view into one of the scratch buffers.
    """
    if ints[0, KIND] == KIND_LAYERED:
        return _layered_lanes(ints[0], wt, state, x, buf_a, buf_b)
    for lane in range(wt.shape[1]):
        _graph_lane(ints, rows[lane], wt, state, x, buf_a, lane)
    return buf_a[: ints[0, N_OUT]]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _graph_lane(ints, r, wt, state, x, out, lane):
    """:func:`_graph_step` of lane ``lane`` (program row ``r``) on the (rows, LANES) blocks, indexed in place
    (no per-lane views): the same operations in the same order, so the same bits."""
    n_in, n_out = ints[r, N_IN], ints[r, N_OUT]
    for i in range(n_in):
        state[i, lane] = x[i, lane]
    n_eval = ints[r, HEADER + 1]
    pos = HEADER + 2 + n_out
    for _ in range(n_eval):
        node, code, b_idx, r_idx, n_conn = ints[r, pos], ints[r, pos + 1], ints[r, pos + 2], ints[r, pos + 3], \
            ints[r, pos + 4]
        pos += 5
        s = 0.0
        for c in range(n_conn):
            s = fma(wt[ints[r, pos + 2 * c + 1], lane], state[ints[r, pos + 2 * c], lane], s)
        pos += 2 * n_conn
        state[node, lane] = activate(fma(wt[r_idx, lane], s, wt[b_idx, lane]), code)
    for j in range(n_out):
        out[j, lane] = state[ints[r, HEADER + 2 + j], lane]


#: Byte alignment of the lane blocks' first element (one cache line; one ``zmm`` register).
BLOCK_ALIGN = 64


@numba.njit(cache=True, inline="always")
def block_zeros(rows, lanes, dtype):
    """A zeroed C-contiguous (rows, lanes) array of ``dtype`` whose data starts on a :data:`BLOCK_ALIGN`-byte
    boundary (a view into a slightly longer allocation). Numba aligns its arrays to 32 bytes only, so a lane
    block's 512-bit loads and stores could each straddle two cache lines, depending on where the allocator
    put it; rows of 8, 16 or 32 float64 lanes (or 16 and 32 float32) of an aligned block stay aligned."""
    size = rows * lanes
    flat = np.zeros(size + BLOCK_ALIGN, dtype=dtype)
    skip = ((-flat.ctypes.data) % BLOCK_ALIGN) // flat.itemsize
    return flat[skip:skip + size].reshape((rows, lanes))


@numba.njit(cache=True, inline="always")
def lane_buffers(ints, genomes):
    """The policy scratch of a lane kernel, in the precision of ``genomes`` (float64, or float32 for a
    ``dtype="float32"`` network): ``(wt, rows, memory, buf_a, buf_b)`` = params (n_params, LANES), program
    rows (LANES,) int64, recurrent memory (n_state, LANES) and the two layer buffers (width, LANES), zeroed,
    the blocks 64-byte aligned (:func:`block_zeros`)."""
    width = max_header(ints, WIDTH)
    wt = block_zeros(genomes.shape[1], LANES, genomes.dtype)
    memory = block_zeros(max_header(ints, N_STATE), LANES, genomes.dtype)
    buf_a = block_zeros(width, LANES, genomes.dtype)
    buf_b = block_zeros(width, LANES, genomes.dtype)
    return wt, np.zeros(LANES, dtype=np.int64), memory, buf_a, buf_b


@numba.njit(cache=True)
def reset_lane(ints, state, lane):
    """:func:`policy_reset` for lane ``lane`` of a (n_state, LANES) state block."""
    for i in range(ints[N_STATE]):
        state[i, lane] = 0.0


@numba.njit(cache=True, inline="always")
def load_lane_policy(lane, p, ints, genomes, wt, rows, memory):
    """Lane ``lane`` of a lane kernel takes genome ``p``: its parameters into column ``lane`` of ``wt``
    (n_params, LANES), its program row into ``rows[lane]`` (row 0 when all genomes share one program), and a
    zero recurrent memory (column ``lane`` of ``memory``, (n_state, LANES))."""
    for i in range(genomes.shape[1]):
        wt[i, lane] = genomes[p, i]
    rows[lane] = p if ints.shape[0] > 1 else 0
    for i in range(ints[rows[lane], N_STATE]):
        memory[i, lane] = 0.0


def layered_ints(sizes: ArrayLike, codes: ArrayLike, recurrent: ArrayLike) -> np.ndarray:
    """(1, n_int) int64 program row of a layered network (module docstring)."""
    sizes, codes, recurrent = (np.asarray(a, dtype=np.int64) for a in (sizes, codes, recurrent))
    n_state = int(sizes[1:][recurrent.astype(bool)].sum())
    n_params = int(sum(a * b + b + (b * b if r else 0) for a, b, r in zip(sizes[:-1], sizes[1:], recurrent)))
    head = [KIND_LAYERED, sizes[0], sizes[-1], n_state, sizes.max(), n_params, len(codes)]
    return np.concatenate([head, sizes, codes, recurrent]).astype(np.int64)[None, :]


@numba.njit(cache=True)
def tail_width(active, width):
    """The lane-block width a lane kernel narrows to once no work is queued: halved while ``active`` live
    lanes fit in half of it, never below 8 (one ``zmm`` vector of float64). Narrowing keeps each lane's
    arithmetic, so results keep their bits; the idle tail of a call (the last long episodes) then runs on
    a block its own size instead of the full ``LANES``."""
    while width > 8 and active <= width // 2:
        width //= 2
    return width


@numba.njit(cache=True)
def live_first(items, width):
    """(width,) int64 lane indices: the lanes with ``items >= 0`` first, in order, then -1 (empty lanes)."""
    order = np.full(width, -1, dtype=np.int64)
    k = 0
    for lane in range(items.shape[0]):
        if items[lane] >= 0 and k < width:
            order[k] = lane
            k += 1
    return order


@numba.njit(cache=True)
def narrow_block(block, order):
    """(rows, len(order)) copy of the (rows, lanes) ``block``: column ``k`` is ``block[:, order[k]]``, zero
    where ``order[k] < 0``."""
    out = block_zeros(block.shape[0], order.shape[0], block.dtype)
    for k in range(order.shape[0]):
        if order[k] >= 0:
            for i in range(block.shape[0]):
                out[i, k] = block[i, order[k]]
    return out


@numba.njit(cache=True)
def narrow_row(row, order, fill):
    """(len(order),) copy of the (lanes,) ``row``: ``row[order[k]]``, ``fill`` where ``order[k] < 0``."""
    out = np.full(order.shape[0], fill, dtype=row.dtype)
    for k in range(order.shape[0]):
        if order[k] >= 0:
            out[k] = row[order[k]]
    return out
