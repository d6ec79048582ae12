"""The centreline projection of :func:`physics.project` over its window in packed registers (LLVM vector IR).

:func:`window_nearest` loads the ``2 * window + 1`` centreline segments after ``j0`` (columns of
:func:`segment_rows`, stored one operand per row and padded past the end with the first segments again, so
a window that wraps round is contiguous too) as ``<16 x double>`` vectors, one plain load per operand
(no gathers), and computes each segment's clamped parameter ``t``
and squared distance with the same IEEE operations in the same order as the scalar loop, then the first
segment of smallest distance (the scalar loop's strict ``<`` keeps the first of equal distances) and its
arc length. Same bits as :func:`physics.project`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

LANES = 16  # vector width; windows of up to 16 segments
ROW = 8  # float64 per segment row
_F64, _I32, _I64 = ir.DoubleType(), ir.IntType(32), ir.IntType(64)
_VF, _VI = ir.VectorType(_F64, LANES), ir.VectorType(_I64, LANES)


def segment_rows(centre: np.ndarray, arc: np.ndarray) -> np.ndarray:
    """(8, N + LANES) float64: for each segment ``i`` of the closed centreline (N, 2) px with arc lengths
    (N + 1,), the column ``(ax, ay, ex, ey, ex*ex + ey*ey, arc[i], arc[i+1] - arc[i], 0)``, the operands of
    :func:`physics.project` (same bits); columns ``N ..`` repeat the first ``LANES`` (column ``N + k`` is
    segment ``k mod N``), so the ``LANES`` columns from any ``j0 < N`` are contiguous."""
    a = np.ascontiguousarray(centre, dtype=np.float64)
    e = np.roll(a, -1, axis=0) - a
    rows = np.zeros((len(a), ROW))
    rows[:, 0:2], rows[:, 2:4] = a, e
    rows[:, 4] = e[:, 0] * e[:, 0] + e[:, 1] * e[:, 1]
    rows[:, 5], rows[:, 6] = arc[:-1], arc[1:] - arc[:-1]
    wrap = np.arange(len(a) + LANES) % max(len(a), 1)
    return np.ascontiguousarray(rows[wrap].T) if len(a) else np.zeros((ROW, 0))


def _splat(builder: Any, x: Any, vt: Any) -> Any:
    v = builder.insert_element(ir.Constant(vt, ir.Undefined), x, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, ir.Constant(vt, ir.Undefined), ir.Constant(ir.VectorType(_I32, LANES), [0] * LANES))


def _tree_min(builder: Any, v: Any, vt: Any, less: Any) -> Any:
    """Element 0 of ``v`` (``<LANES x vt>``) after a halving tree of ``select(less(v, shifted), v, shifted)``:
    the vector's minimum under ``less``."""
    half = LANES // 2
    while half >= 1:
        sh = builder.shuffle_vector(v, ir.Constant(vt, ir.Undefined), ir.Constant(
            ir.VectorType(_I32, LANES), [k + half if k < half else k for k in range(LANES)]))
        v = builder.select(less(v, sh), v, sh)
        half //= 2
    return builder.extract_element(v, ir.Constant(_I32, 0))


def _min_tree(builder: Any, v: Any) -> Any:
    """Smallest element (double) of ``<LANES x double>`` ``v`` (ordered compare)."""
    return _tree_min(builder, v, _VF, lambda a, b: builder.fcmp_ordered("<", a, b))


def _first_lane(builder: Any, ks: Any) -> Any:
    """Smallest element (i32) of ``<LANES x i64>`` ``ks``: the first lane whose distance is the minimum."""
    return builder.trunc(_tree_min(builder, ks, _VI, lambda a, b: builder.icmp_signed("<", a, b)), _I32)


@intrinsic
def _window_nearest(typingctx: Any, rows: Any, j0: Any, n: Any, width: Any, x: Any, y: Any) -> Any:
    """``(i, t, d)`` of the nearest of the ``width`` segments ``j0, j0 + 1, ...`` (mod n, one wrap) to (x, y);
    ``rows`` the C-contiguous :func:`segment_rows` of the ``n`` segments, ``0 <= j0 < n``."""
    sig = types.Tuple((types.int64, types.float64, types.float64))(rows, j0, n, width, x, y)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        rows, j0, n, width, x, y = args
        arr = context.make_array(signature.args[0])(context, builder, rows)
        stride = cgutils.unpack_tuple(builder, arr.strides, 2)[0]
        lane = ir.Constant(_VI, list(range(LANES)))
        idx = builder.add(_splat(builder, j0, _VI), lane)
        idx = builder.select(builder.icmp_signed(">=", idx, _splat(builder, n, _VI)),
                             builder.sub(idx, _splat(builder, n, _VI)), idx)
        valid = builder.icmp_signed("<", lane, _splat(builder, width, _VI))
        first = builder.add(builder.ptrtoint(arr.data, _I64), builder.mul(j0, ir.Constant(_I64, 8)))
        cols = (builder.inttoptr(builder.add(first, builder.mul(stride, ir.Constant(_I64, c))), _VF.as_pointer())
                for c in range(5))
        ax, ay, ex, ey, len2 = (builder.load(col, align=8) for col in cols)
        vx, vy = _splat(builder, x, _VF), _splat(builder, y, _VF)
        t = builder.fdiv(builder.fadd(builder.fmul(builder.fsub(vx, ax), ex), builder.fmul(builder.fsub(vy, ay), ey)), len2)
        zero, one = ir.Constant(_VF, 0.0), ir.Constant(_VF, 1.0)
        t = builder.select(builder.fcmp_ordered(">", zero, t), zero, t)  # max(t, 0.0)
        t = builder.select(builder.fcmp_ordered("<", one, t), one, t)  # min(., 1.0)
        qx = builder.fsub(builder.fadd(ax, builder.fmul(t, ex)), vx)
        qy = builder.fsub(builder.fadd(ay, builder.fmul(t, ey)), vy)
        d = builder.fadd(builder.fmul(qx, qx), builder.fmul(qy, qy))
        d = builder.select(valid, d, ir.Constant(_VF, float("inf")))
        m = _min_tree(builder, d)
        eq = builder.fcmp_ordered("==", d, _splat(builder, m, _VF))
        k = _first_lane(builder, builder.select(eq, lane, ir.Constant(_VI, [LANES] * LANES)))
        out = [builder.extract_element(idx, k), builder.extract_element(t, k), m]
        return context.make_tuple(builder, signature.return_type, out)

    return sig, codegen


#: ``window_nearest(rows, j0, n, width, x, y) -> (i, t, d)`` in jitted code (see ``_window_nearest``).
window_nearest = cast(Callable[..., tuple[int, float, float]], _window_nearest)
