"""The dense part of a layer for a block of lanes, in explicit LLVM vector IR (``<8 x double>``: ``zmm``).

:func:`dense_chunks` computes ``dst[j, lane] = b[j] + sum_i src[i, lane] * W[i, j]`` for every lane, the
terms added in the order of ``program._layered_step`` (the bias, then ``i = 0, 1, ...``, each a fused
multiply-add), so each lane's sums keep the bits of the one-network forward pass.

Why explicit vectors: written as Numba loops over the lanes (a run-time trip count of 32, 16 or 8), each
output row was a loop of four iterations entered behind LLVM's run-time alias checks between ``src``,
``dst`` and the weights, with its sum stored and reloaded every four inputs. Here the lanes are walked in
chunks of :data:`VL`, :data:`BLOCK` outputs at a time with their sums in registers: one vector load of the
weights per fused multiply-add and one of the input per :data:`BLOCK`, no alias checks (the IR states what
it reads and writes). The lanes go :data:`BLOCK` chunks (32 lanes) at a time: :data:`BLOCK` outputs over
those chunks are 16 independent sums in registers, then the last ``n_out % BLOCK`` outputs together, so
neither CartPole's 4-input hidden layer (4 fused multiply-adds per sum) nor its 2-output layer (16 per sum)
is a few chains each waiting on the last (4 cycles apiece). :func:`dense_tanh_fast` stores the tanh of the
sums instead (:mod:`~neuroevo.networks.simd_tanh`, four vectors interleaved): the same bits as the sums then
``activate_rows``, without storing and reloading the layer. Measured on CartPole-v1's kernel (4-16-2 tanh,
1,000 genomes x 10 episodes, one pinned core, the same returns): 1.09x the agent-steps per CPU-second
against the loops, then 1.03x for a narrow layer's chunks summed together; the 16 sums per pass and the
interleaved, fused tanh together 1.22x at the best rates (``benchmarks/cartpole_against.py`` against
commit ``1a9cb9b``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir  # type: ignore[import-untyped]
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from neuroevo.networks.simd_ir import VL, fma, load, store
from neuroevo.networks.simd_tanh import GROUP, _tanh_vectors

#: Outputs whose sums are kept in registers together.
BLOCK = 4


def _outputs(builder: Any, arrays: tuple, ints: tuple, js: list, cols: list, vec: Any, finish: Callable) -> None:
    """Outputs ``js`` of the lane chunks at columns ``cols`` (IR values): one sum in a register per (output,
    chunk) pair over every input, each input's vector loaded once per chunk; ``finish(builder, sums)`` maps
    the finished sums to what is stored (the identity, or the activation of :func:`dense_tanh_fast`)."""
    wt, src, dst = arrays
    off, n_in, n_out, b_off = ints
    accs = []
    for j in js:
        for col in cols:
            slot = cgutils.alloca_once(builder, vec)
            builder.store(load(builder, wt, builder.add(b_off, j), col, vec), slot)
            accs.append(slot)
    with cgutils.for_range(builder, n_in) as loop:
        i = loop.index
        xs = [load(builder, src, i, col, vec) for col in cols]
        for a, j in enumerate(js):
            row = builder.add(off, builder.add(builder.mul(i, n_out), j))
            for c, col in enumerate(cols):
                w = load(builder, wt, row, col, vec)
                slot = accs[a * len(cols) + c]
                builder.store(builder.call(fma(builder, vec), [xs[c], w, builder.load(slot)]), slot)
    values = finish(builder, [builder.load(slot) for slot in accs])
    for a, j in enumerate(js):
        for c, col in enumerate(cols):
            store(builder, values[a * len(cols) + c], dst, j, col, vec)


def _chunk_group(builder: Any, arrays: tuple, ints: tuple, cols: list, vec: Any, finish: Callable) -> None:
    """Every output of the lane chunks at columns ``cols`` (IR values, up to :data:`BLOCK` chunks): the
    outputs :data:`BLOCK` at a time, then the last ``n_out % BLOCK`` together (a switch on their number),
    so each pass keeps up to ``BLOCK * len(cols)`` independent sums in registers."""
    i64 = ir.IntType(64)
    c = ir.Constant
    n_out = ints[2]
    n_blocks = builder.udiv(n_out, c(i64, BLOCK))
    with cgutils.for_range(builder, n_blocks) as blk:
        j = builder.mul(blk.index, c(i64, BLOCK))
        _outputs(builder, arrays, ints, [builder.add(j, c(i64, k)) for k in range(BLOCK)], cols, vec, finish)
    first = builder.mul(n_blocks, c(i64, BLOCK))
    rest = builder.sub(n_out, first)
    for r in range(1, BLOCK):
        with builder.if_then(builder.icmp_unsigned("==", rest, c(i64, r))):
            _outputs(builder, arrays, ints, [builder.add(first, c(i64, k)) for k in range(r)], cols, vec, finish)


def _dense_codegen(finish: Callable, tanh: bool) -> Any:
    """The intrinsic below, storing ``finish(builder, sums)``; ``tanh``: it types for float64 only."""

    def dense_chunks(typingctx: Any, wt: Any, off: Any, n_in: Any, n_out: Any, b_off: Any, src: Any, dst: Any,
                     chunks: Any) -> Any:
        """``dst[j, :VL * chunks] = b[j] + sum_i src[i] * W[i, j]`` (see the module docstring).

        ``wt`` (n_params, lanes), ``src`` (>= n_in, lanes), ``dst`` (>= n_out, lanes): 2-D arrays of one float
        dtype whose rows are contiguous (unit column stride; the caller checks); ``off`` the row of ``W[0, 0]``,
        ``b_off`` the row of ``b[0]``; ``chunks`` = lanes // VL.
        """
        same = isinstance(wt, types.Array) and wt.dtype == src.dtype == dst.dtype
        if not (same and wt.ndim == src.ndim == dst.ndim == 2 and isinstance(wt.dtype, types.Float)):
            return None
        if tanh and wt.dtype != types.float64:
            return None
        sig = types.none(wt, off, n_in, n_out, b_off, src, dst, chunks)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            a_wt, a_off, a_in, a_out, a_b, a_src, a_dst, a_chunks = args
            arrays = tuple(context.make_array(t)(context, builder, v) for t, v in
                           ((signature.args[0], a_wt), (signature.args[5], a_src), (signature.args[6], a_dst)))
            vec = ir.VectorType(context.get_value_type(signature.args[0].dtype), VL)
            i64 = ir.IntType(64)
            ints = (a_off, a_in, a_out, a_b)
            quads = builder.udiv(a_chunks, ir.Constant(i64, BLOCK))
            with cgutils.for_range(builder, quads) as q:
                cols = [builder.mul(builder.add(builder.mul(q.index, ir.Constant(i64, BLOCK)), ir.Constant(i64, k)),
                                    ir.Constant(i64, VL)) for k in range(BLOCK)]
                _chunk_group(builder, arrays, ints, cols, vec, finish)
            with cgutils.for_range(builder, builder.sub(a_chunks, builder.mul(quads, ir.Constant(i64, BLOCK)))) as left:
                col = builder.add(builder.mul(quads, ir.Constant(i64, BLOCK)), left.index)
                _chunk_group(builder, arrays, ints, [builder.mul(col, ir.Constant(i64, VL))], vec, finish)
            return context.get_dummy_value()

        return sig, codegen

    dense_chunks.__name__ = dense_chunks.__qualname__ = "dense_tanh_chunks" if tanh else "dense_chunks"
    return intrinsic(dense_chunks)


def _tanh_groups(builder: Any, sums: list) -> list:
    """tanh of ``sums``, :data:`~neuroevo.networks.simd_tanh.GROUP` vectors interleaved at a time (more would
    spill registers)."""
    return [v for k in range(0, len(sums), GROUP) for v in _tanh_vectors(builder, sums[k:k + GROUP])]


_dense_chunks = _dense_codegen(lambda builder, sums: sums, tanh=False)
_dense_tanh_chunks = _dense_codegen(_tanh_groups, tanh=True)

#: ``dense_chunks(wt, off, n_in, n_out, b_off, src, dst, chunks)`` in jitted code (see ``_dense_chunks``).
dense_chunks = cast(Callable[..., None], _dense_chunks)


@njit(inline="always")
def _whole_vectors(wt, src, dst):
    """Whether the blocks' lanes are whole vectors and their rows contiguous (the intrinsics' condition)."""
    size = wt.itemsize
    return wt.shape[1] % VL == 0 and wt.strides[1] == size and src.strides[1] == size and dst.strides[1] == size


def dense_fast(wt: Any, off: int, n_in: int, n_out: int, b_off: int, src: Any, dst: Any) -> bool:
    """In jitted code: :func:`dense_chunks` over every lane and ``True`` where it applies (one float dtype,
    unit column strides, lanes a multiple of :data:`VL`), else ``False`` and nothing written (the caller
    then runs its loops). Not callable from Python."""
    raise NotImplementedError("dense_fast is for jitted code")


@overload(dense_fast, inline="always")
def _dense_fast(wt, off, n_in, n_out, b_off, src, dst):
    if not (isinstance(wt, types.Array) and isinstance(wt.dtype, types.Float) and wt.dtype == src.dtype == dst.dtype):
        return lambda wt, off, n_in, n_out, b_off, src, dst: False

    def impl(wt, off, n_in, n_out, b_off, src, dst):
        if not _whole_vectors(wt, src, dst):
            return False
        dense_chunks(wt, off, n_in, n_out, b_off, src, dst, wt.shape[1] // VL)
        return True

    return impl


def dense_tanh_fast(wt: Any, off: int, n_in: int, n_out: int, b_off: int, src: Any, dst: Any) -> bool:
    """In jitted code: :func:`dense_fast` with ``activate(., 1)`` (tanh) applied to each sum in registers before
    it is stored (:mod:`~neuroevo.networks.simd_tanh`'s packed tanh: the same bits as the dense sums followed
    by ``activate_rows``), and ``True``, for float64 blocks of whole vectors; else ``False`` and nothing
    written. The tanh of one pass's sums (up to 16 vectors) runs four vectors interleaved at a time, beside
    the next pass's fused multiply-adds. Not callable from Python."""
    raise NotImplementedError("dense_tanh_fast is for jitted code")


@overload(dense_tanh_fast, inline="always")
def _dense_tanh_fast(wt, off, n_in, n_out, b_off, src, dst):
    if not (isinstance(wt, types.Array) and wt.dtype == types.float64 and src.dtype == dst.dtype == types.float64):
        return lambda wt, off, n_in, n_out, b_off, src, dst: False

    def impl(wt, off, n_in, n_out, b_off, src, dst):
        if not _whole_vectors(wt, src, dst):
            return False
        _dense_tanh_chunks(wt, off, n_in, n_out, b_off, src, dst, wt.shape[1] // VL)
        return True

    return impl
