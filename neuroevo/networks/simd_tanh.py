"""tanh of a block of lanes in explicit LLVM vector IR, four vectors interleaved: the bits of ``activate``.

:func:`tanh_fast` computes ``block[j, lane] = activate(block[j, lane], 1)`` (``1 - 2 / (e^2z + 1)`` with
:func:`~neuroevo.networks.activations.exp`) for the rows ``j < rows`` of a float64 (rows, lanes) block: the
same IEEE operations in the same order per element (the clamps as the same compare-and-selects, one
``llvm.fma`` per fused multiply-add, ``llvm.floor``, 2**k from its exponent bits, a correctly rounded
division), so every element keeps the bits of the scalar function (``tests/test_simd_tanh.py``).

Why: written as a Numba loop over the lanes, LLVM packed the tanh 8 lanes per ``zmm`` instruction but one
vector per iteration, a single chain of about 30 dependent instructions (roughly 120 cycles by the
instruction latencies) ending in a division; a scheduler of about 100 entries (the Sapphire Rapids-class
CPU it was first measured on) then holds about three such chains at once and the loop runs at the chains'
latency, not at the floating-point units' rate (the estimate, not a counter reading: that virtual machine
had no hardware counters). Here the :data:`GROUP` vectors of a row (its 32
lanes) are evaluated together, each step emitted for all four before the next, so four independent chains
are in flight in the order the scheduler sees them. With the dense sums of
:func:`~neuroevo.networks.simd_dense.dense_tanh_fast`, CartPole-v1's kernel (4-16-2 tanh, one pinned
core) ran 1.22x the agent-steps per CPU-second of the kernel before (``benchmarks/cartpole_against.py``),
with the same returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from neuroevo.networks.activations import _LN2_HI, _LN2_LO, _LOG2E, EXP_TAYLOR
from neuroevo.networks.simd_ir import VL, fma, load, store

#: Vectors evaluated together (their instructions interleaved).
GROUP = 4
_EXP_CLAMP = 708.0  # exp's clamp of its argument


def _splat(value: float) -> Any:
    return ir.Constant(ir.VectorType(ir.DoubleType(), VL), [ir.Constant(ir.DoubleType(), value)] * VL)


def _isplat(value: int) -> Any:
    return ir.Constant(ir.VectorType(ir.IntType(64), VL), [ir.Constant(ir.IntType(64), value)] * VL)


def _exp_vectors(builder: Any, ys: list) -> list:
    """:func:`~neuroevo.networks.activations.exp` of each ``<VL x double>`` in ``ys``, step by step across them."""
    vec = ys[0].type
    fma_ = fma(builder, vec)
    floor = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec]), f"llvm.floor.v{VL}f64")
    lo, hi = _splat(-_EXP_CLAMP), _splat(_EXP_CLAMP)
    ys = [builder.select(builder.fcmp_ordered(">", lo, y), lo, y) for y in ys]  # max(y, -708): y unless -708 > y
    ys = [builder.select(builder.fcmp_ordered("<", hi, y), hi, y) for y in ys]  # min(y, 708): y unless 708 < y
    ks = [builder.call(floor, [builder.call(fma_, [y, _splat(_LOG2E), _splat(0.5)])]) for y in ys]
    rs = [builder.call(fma_, [builder.fneg(k), _splat(_LN2_HI), y]) for k, y in zip(ks, ys)]
    rs = [builder.call(fma_, [builder.fneg(k), _splat(_LN2_LO), r]) for k, r in zip(ks, rs)]
    ps = [_splat(EXP_TAYLOR[0])] * len(ys)
    for c in EXP_TAYLOR[1:]:
        ps = [builder.call(fma_, [p, r, _splat(c)]) for p, r in zip(ps, rs)]
    pow2 = [builder.bitcast(builder.shl(builder.add(builder.fptosi(k, _isplat(0).type), _isplat(1023)), _isplat(52)),
                            vec) for k in ks]
    return [builder.fmul(p, q) for p, q in zip(ps, pow2)]


def _tanh_vectors(builder: Any, zs: list) -> list:
    """``1 - 2 / (exp(2 z) + 1)`` of each vector in ``zs`` (``activate``'s tanh, the same operations)."""
    es = _exp_vectors(builder, [builder.fmul(_splat(2.0), z) for z in zs])
    qs = [builder.fdiv(_splat(2.0), builder.fadd(e, _splat(1.0))) for e in es]
    return [builder.fsub(_splat(1.0), q) for q in qs]


def _tanh_in_place(builder: Any, arr: Any, row: Any, cols: list) -> None:
    vec = ir.VectorType(ir.DoubleType(), VL)
    values = _tanh_vectors(builder, [load(builder, arr, row, col, vec) for col in cols])
    for col, v in zip(cols, values):
        store(builder, v, arr, row, col, vec)


@intrinsic
def _tanh_chunks(typingctx: Any, block: Any, rows: Any, chunks: Any) -> Any:
    """``block[:rows, :VL * chunks] = tanh`` in place, :data:`GROUP` vectors of a row at a time, then the
    row's remaining vectors one by one. ``block`` a 2-D float64 array with unit column stride (the caller
    checks)."""
    if not (isinstance(block, types.Array) and block.ndim == 2 and block.dtype == types.float64):
        return None
    sig = types.none(block, rows, chunks)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        i64 = ir.IntType(64)
        groups = builder.udiv(args[2], ir.Constant(i64, GROUP))
        done = builder.mul(groups, ir.Constant(i64, GROUP))
        with cgutils.for_range(builder, args[1]) as row:
            with cgutils.for_range(builder, groups) as g:
                first = builder.mul(g.index, ir.Constant(i64, GROUP))
                cols = [builder.mul(builder.add(first, ir.Constant(i64, k)), ir.Constant(i64, VL))
                        for k in range(GROUP)]
                _tanh_in_place(builder, arr, row.index, cols)
            with cgutils.for_range(builder, builder.sub(args[2], done)) as left:
                col = builder.mul(builder.add(done, left.index), ir.Constant(i64, VL))
                _tanh_in_place(builder, arr, row.index, [col])
        return context.get_dummy_value()

    return sig, codegen


#: ``tanh_chunks(block, rows, chunks)`` in jitted code (see ``_tanh_chunks``).
tanh_chunks = cast(Callable[..., None], _tanh_chunks)


def tanh_fast(block: Any, rows: int) -> bool:
    """In jitted code: ``activate(z, 1)`` in place on ``block[:rows]`` ((rows, lanes) float64) through
    :func:`tanh_chunks` and ``True`` where it applies (float64, unit column stride, lanes a multiple of
    :data:`VL`), else ``False`` and nothing written (the caller then runs its loop). Not callable from Python."""
    raise NotImplementedError("tanh_fast is for jitted code")


@overload(tanh_fast, inline="always")
def _tanh_fast(block, rows):
    if not (isinstance(block, types.Array) and block.ndim == 2 and block.dtype == types.float64):
        return lambda block, rows: False

    def impl(block, rows):
        lanes = block.shape[1]
        if lanes % VL or block.strides[1] != block.itemsize:
            return False
        tanh_chunks(block, rows, lanes // VL)
        return True

    return impl
