"""One sensor ray against ``TIER`` candidate walls in packed (``zmm``) registers: explicit LLVM vector IR.

:func:`candidates_min` is a Numba intrinsic: it gathers ``TIER`` walls of a :mod:`ray_index` list into
``<TIER x double>`` vectors (structure of arrays) and evaluates :func:`physics.ray_hit` on all of them at once,
with the same IEEE operations in the same order per wall (``fsub``/``fmul``/``fdiv``, no fused or
reassociated arithmetic), so each wall's distance has the bits of the scalar ``ray_hit``. The division is
done for every wall, and the walls that fail the division-free part of the test (the ray's line does not cross
them) are masked after it: a branch on "does any wall pass" cost more in its mispredictions, which discard the
next rays in flight, than the division (without the branch the car kernel ran 1.06-1.24x as fast,
``benchmarks/_baseline.py``).
The minimum over the ``TIER`` distances is the minimum of the scalar loop except for the sign of a zero distance
(callers recompute a 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from games.car_track.ray_index import TIER as K  # the vector width here

_F64 = ir.DoubleType()
_I32 = ir.IntType(32)
_VEC = ir.VectorType(_F64, K)


def _splat(builder: Any, x: Any) -> Any:
    v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), x, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined), ir.Constant(ir.VectorType(_I32, K), [0] * K))


def _gather(context: Any, builder: Any, signature: Any, walls4: Any, lists: Any, e: Any) -> list:
    """The four ``<K x double>`` columns ``(ax, ay, ex, ey)`` of the walls ``lists[e : e + K]`` (one
    ``llvm.masked.gather`` per column: ``vgatherqpd`` on AVX-512)."""
    w = context.make_array(signature.args[4])(context, builder, walls4)
    li = context.make_array(signature.args[5])(context, builder, lists)
    i64 = ir.IntType(64)
    vi64 = ir.VectorType(i64, K)
    p = builder.bitcast(builder.gep(li.data, [e]), ir.VectorType(ir.IntType(16), K).as_pointer())
    idx = builder.sext(builder.load(p, align=2), vi64)
    base = builder.ptrtoint(w.data, i64)
    rows = builder.add(builder.mul(idx, ir.Constant(vi64, [32] * K)), _splat_i64(builder, base))
    ptr_vec = ir.VectorType(_F64.as_pointer(), K)
    fnty = ir.FunctionType(_VEC, [ptr_vec, _I32, ir.VectorType(ir.IntType(1), K), _VEC])
    gather = cgutils.get_or_insert_function(builder.module, fnty, f"llvm.masked.gather.v{K}f64.v{K}p0")
    mask = ir.Constant(ir.VectorType(ir.IntType(1), K), [1] * K)
    cols = []
    for j in range(4):
        ptrs = builder.inttoptr(builder.add(rows, ir.Constant(vi64, [8 * j] * K)), ptr_vec)
        cols.append(builder.call(gather, [ptrs, ir.Constant(_I32, 8), mask, ir.Constant(_VEC, ir.Undefined)]))
    return cols


def _splat_i64(builder: Any, x: Any) -> Any:
    vt = ir.VectorType(x.type, K)
    v = builder.insert_element(ir.Constant(vt, ir.Undefined), x, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, ir.Constant(vt, ir.Undefined), ir.Constant(ir.VectorType(_I32, K), [0] * K))


def _min_tree(builder: Any, v: Any) -> Any:
    """Smallest element of ``v`` (pairwise halves; no NaN in ``v``)."""
    half = K // 2
    while half >= 1:
        sh = builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined),
                                    ir.Constant(ir.VectorType(_I32, K), [k + half if k < half else k for k in range(K)]))
        v = builder.select(builder.fcmp_ordered("<", v, sh), v, sh)
        half //= 2
    return builder.extract_element(v, ir.Constant(_I32, 0))


@intrinsic
def _candidates_min(typingctx: Any, px: Any, py: Any, dx: Any, dy: Any, walls4: Any, lists: Any, e: Any,
                   best: Any) -> Any:
    """``min(best, ray_hit(p, d, wall) for the TIER walls lists[e : e + TIER])`` (float64, px).

    ``walls4`` (M + 1, 4) float64 C-contiguous rows ``(ax, ay, bx - ax, by - ay)``; ``lists`` int16
    indices into it; ``e`` int64 offset; ``(dx, dy)`` a unit vector. A zero result may carry the other
    sign than the scalar loop's.
    """
    sig = types.float64(px, py, dx, dy, walls4, lists, e, best)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        px, py, dx, dy, walls4, lists, e, best = args
        xs, ys, exs, eys = _gather(context, builder, signature, walls4, lists, e)
        vpx, vpy, vdx, vdy = (_splat(builder, v) for v in (px, py, dx, dy))
        zero = ir.Constant(_VEC, 0.0)
        denom = builder.fsub(builder.fmul(vdx, eys), builder.fmul(vdy, exs))  # d x e
        wx, wy = builder.fsub(xs, vpx), builder.fsub(ys, vpy)  # w = a - p
        sg = builder.select(builder.fcmp_ordered(">", denom, zero), ir.Constant(_VEC, 1.0), ir.Constant(_VEC, -1.0))
        nu = builder.fmul(builder.fsub(builder.fmul(wx, vdy), builder.fmul(wy, vdx)), sg)
        num = builder.fsub(builder.fmul(wx, eys), builder.fmul(wy, exs))  # w x e
        absden = builder.select(builder.fcmp_ordered("<", denom, zero), builder.fsub(zero, denom), denom)
        ok = builder.and_(builder.fcmp_unordered("!=", denom, zero), builder.fcmp_ordered(">=", nu, zero))
        ok = builder.and_(ok, builder.fcmp_ordered("<=", nu, absden))
        t = builder.fdiv(num, denom)  # every wall's, masked below: no branch, so rays overlap in flight
        hit = builder.and_(ok, builder.fcmp_ordered(">=", t, zero))
        m = _min_tree(builder, builder.select(hit, t, ir.Constant(_VEC, float("inf"))))
        return builder.select(builder.fcmp_ordered("<", m, best), m, best)

    return sig, codegen


#: ``candidates_min(px, py, dx, dy, walls4, lists, e, best) -> float`` in jitted code (see ``_candidates_min``).
candidates_min = cast(Callable[..., float], _candidates_min)
