"""The dense part of a layer for a block of lanes, in explicit LLVM vector IR (``<8 x double>``: ``zmm``).

:func:`dense_chunks` computes ``dst[j, lane] = b[j] + sum_i src[i, lane] * W[i, j]`` for every lane, the
terms added in the order of ``program._layered_step`` (the bias, then ``i = 0, 1, ...``, each a fused
multiply-add), so each lane's sums keep the bits of the one-network forward pass.

Why explicit vectors: written as Numba loops over the lanes (a run-time trip count of 32, 16 or 8), each
output row was a loop of four iterations entered behind LLVM's run-time alias checks between ``src``,
``dst`` and the weights, with its sum stored and reloaded every four inputs. Here the lanes are walked in
chunks of :data:`VL`, :data:`BLOCK` outputs at a time with their sums in registers: one vector load of the
weights per fused multiply-add and one of the input per :data:`BLOCK`, no alias checks (the IR states what
it reads and writes). The last ``n_out % BLOCK`` outputs are summed one at a time over :data:`BLOCK` chunks
together, so a narrow output layer is :data:`BLOCK` independent sums, not one chain of fused multiply-adds
each waiting for the last (4 cycles apiece). Measured on CartPole-v1's kernel (4-16-2 tanh, 1,000 genomes x
10 episodes, one pinned core, ``benchmarks/_baseline.py``, the same returns): 1.09x the agent-steps per
CPU-second against the loops, then 1.03x for the chunks of the 2 outputs summed together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

#: Lanes per vector (8 float64 = one 512-bit register; float32 blocks use 256-bit ones).
VL = 8
#: Outputs whose sums are kept in registers together.
BLOCK = 4


def _row_ptr(builder: Any, arr: Any, row: Any, col: Any, vec: Any) -> Any:
    """``&arr[row, col]`` as a pointer to a ``vec`` (row stride from the array, unit column stride)."""
    stride = cgutils.unpack_tuple(builder, arr.strides, 2)[0]
    base = builder.ptrtoint(arr.data, ir.IntType(64))
    itemsize = ir.Constant(ir.IntType(64), _size(vec.element))
    addr = builder.add(base, builder.add(builder.mul(row, stride), builder.mul(col, itemsize)))
    return builder.inttoptr(addr, vec.as_pointer())


def _size(t: Any) -> int:
    """Bytes of the float type ``t``."""
    return 8 if isinstance(t, ir.DoubleType) else 4


def _load(builder: Any, arr: Any, row: Any, col: Any, vec: Any) -> Any:
    return builder.load(_row_ptr(builder, arr, row, col, vec), align=_size(vec.element))


def _store(builder: Any, value: Any, arr: Any, row: Any, col: Any, vec: Any) -> None:
    builder.store(value, _row_ptr(builder, arr, row, col, vec), align=_size(vec.element))


def _fma(builder: Any, vec: Any) -> Any:
    """LLVM's ``llvm.fma`` on ``vec`` (one rounding per element: ``vfmadd...pd``)."""
    name = f"llvm.fma.v{VL}f{_size(vec.element) * 8}"
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]), name)


def _outputs(builder: Any, arrays: tuple, ints: tuple, js: list, cols: list, vec: Any) -> None:
    """Outputs ``js`` of the lane chunks at columns ``cols`` (IR values): one sum in a register per (output,
    chunk) pair over every input, each input's vector loaded once per chunk."""
    wt, src, dst = arrays
    off, n_in, n_out, b_off = ints
    accs = []
    for j in js:
        for col in cols:
            slot = cgutils.alloca_once(builder, vec)
            builder.store(_load(builder, wt, builder.add(b_off, j), col, vec), slot)
            accs.append(slot)
    with cgutils.for_range(builder, n_in) as loop:
        i = loop.index
        xs = [_load(builder, src, i, col, vec) for col in cols]
        for a, j in enumerate(js):
            row = builder.add(off, builder.add(builder.mul(i, n_out), j))
            for c, col in enumerate(cols):
                w = _load(builder, wt, row, col, vec)
                slot = accs[a * len(cols) + c]
                builder.store(builder.call(_fma(builder, vec), [xs[c], w, builder.load(slot)]), slot)
    for a, j in enumerate(js):
        for c, col in enumerate(cols):
            _store(builder, builder.load(accs[a * len(cols) + c]), dst, j, col, vec)


def _rest_outputs(builder: Any, arrays: tuple, ints: tuple, first: Any, chunks: Any, vec: Any) -> None:
    """Outputs ``first .. n_out - 1`` (fewer than :data:`BLOCK`) one at a time, :data:`BLOCK` chunks of lanes
    together: independent sums, so the fused multiply-adds of a narrow output layer are not one chain
    waiting on each other's latency (CartPole's 2 outputs over 16 inputs)."""
    i64 = ir.IntType(64)
    c = ir.Constant
    quads = builder.udiv(chunks, c(i64, BLOCK))
    with cgutils.for_range(builder, builder.sub(ints[2], first)) as rest:
        j = builder.add(first, rest.index)
        with cgutils.for_range(builder, quads) as q:
            cols = [builder.mul(builder.add(builder.mul(q.index, c(i64, BLOCK)), c(i64, k)), c(i64, VL))
                    for k in range(BLOCK)]
            _outputs(builder, arrays, ints, [j], cols, vec)
        with cgutils.for_range(builder, builder.sub(chunks, builder.mul(quads, c(i64, BLOCK)))) as left:
            col = builder.mul(builder.add(builder.mul(quads, c(i64, BLOCK)), left.index), c(i64, VL))
            _outputs(builder, arrays, ints, [j], [col], vec)


@intrinsic
def _dense_chunks(typingctx: Any, wt: Any, off: Any, n_in: Any, n_out: Any, b_off: Any, src: Any, dst: Any,
                  chunks: Any) -> Any:
    """``dst[j, :VL * chunks] = b[j] + sum_i src[i] * W[i, j]`` (see the module docstring).

    ``wt`` (n_params, lanes), ``src`` (>= n_in, lanes), ``dst`` (>= n_out, lanes): 2-D arrays of one float
    dtype whose rows are contiguous (unit column stride; the caller checks); ``off`` the row of ``W[0, 0]``,
    ``b_off`` the row of ``b[0]``; ``chunks`` = lanes // VL.
    """
    if not (isinstance(wt, types.Array) and wt.dtype == src.dtype == dst.dtype and wt.ndim == src.ndim == dst.ndim == 2
            and isinstance(wt.dtype, types.Float)):
        return None
    sig = types.none(wt, off, n_in, n_out, b_off, src, dst, chunks)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        a_wt, a_off, a_in, a_out, a_b, a_src, a_dst, a_chunks = args
        arrays = tuple(context.make_array(t)(context, builder, v)
                       for t, v in ((signature.args[0], a_wt), (signature.args[5], a_src), (signature.args[6], a_dst)))
        vec = ir.VectorType(context.get_value_type(signature.args[0].dtype), VL)
        i64 = ir.IntType(64)
        ints = (a_off, a_in, a_out, a_b)
        n_blocks = builder.udiv(a_out, ir.Constant(i64, BLOCK))
        with cgutils.for_range(builder, a_chunks) as chunk:
            col = builder.mul(chunk.index, ir.Constant(i64, VL))
            with cgutils.for_range(builder, n_blocks) as blk:
                j = builder.mul(blk.index, ir.Constant(i64, BLOCK))
                _outputs(builder, arrays, ints, [builder.add(j, ir.Constant(i64, k)) for k in range(BLOCK)], [col],
                         vec)
        _rest_outputs(builder, arrays, ints, builder.mul(n_blocks, ir.Constant(i64, BLOCK)), a_chunks, vec)
        return context.get_dummy_value()

    return sig, codegen


#: ``dense_chunks(wt, off, n_in, n_out, b_off, src, dst, chunks)`` in jitted code (see ``_dense_chunks``).
dense_chunks = cast(Callable[..., None], _dense_chunks)


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
        lanes = wt.shape[1]
        size = wt.itemsize
        if lanes % VL or wt.strides[1] != size or src.strides[1] != size or dst.strides[1] != size:
            return False
        dense_chunks(wt, off, n_in, n_out, b_off, src, dst, lanes // VL)
        return True

    return impl
