"""One sensor ray against ``TIER`` candidate walls in packed (``zmm``) registers: explicit LLVM vector IR.

:func:`candidates_min` is a Numba intrinsic: it loads the ``TIER`` walls of a :mod:`ray_index` list tier (each
wall's 32-byte row in one load) and transposes them into ``<TIER x double>`` vectors (structure of arrays) by
shuffles, which ran 1.01-1.09x as fast as four ``vgatherqpd`` (``benchmarks/_baseline.py``, median of 11-15
paired rounds), and evaluates :func:`physics.ray_hit` on all of them at once,
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
    """The four ``<K x double>`` columns ``(ax, ay, ex, ey)`` of the walls ``lists[e : e + K]``: each wall's
    row loaded whole (``<4 x double>``), the ``K`` rows transposed by shuffles (no gather)."""
    assert K == 8, "the transpose below is written for tiers of 8 walls"
    w = context.make_array(signature.args[4])(context, builder, walls4)
    li = context.make_array(signature.args[5])(context, builder, lists)
    i64 = ir.IntType(64)
    v4 = ir.VectorType(_F64, 4)
    base = builder.bitcast(w.data, v4.as_pointer())
    rows = []
    for k in range(K):
        idx = builder.sext(builder.load(builder.gep(li.data, [builder.add(e, ir.Constant(i64, k))]), align=2), i64)
        rows.append(builder.load(builder.gep(base, [idx]), align=8))

    def shuf(a: Any, b: Any, mask: list) -> Any:
        return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, len(mask)), mask))

    pairs = [shuf(rows[2 * k], rows[2 * k + 1], list(range(8))) for k in range(K // 2)]  # (K/2) x <8>: row 2k | 2k+1
    lo = [shuf(pairs[0], pairs[1], [0, 4, 8, 12, 1, 5, 9, 13]), shuf(pairs[2], pairs[3], [0, 4, 8, 12, 1, 5, 9, 13])]
    hi = [shuf(pairs[0], pairs[1], [2, 6, 10, 14, 3, 7, 11, 15]), shuf(pairs[2], pairs[3], [2, 6, 10, 14, 3, 7, 11, 15])]
    first, second = [0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15]
    return [shuf(lo[0], lo[1], first), shuf(lo[0], lo[1], second), shuf(hi[0], hi[1], first),
            shuf(hi[0], hi[1], second)]


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
