"""``sin`` and ``cos`` written so LLVM packs them across lanes (no calls, no branches), within 1 ULP of libm.

Source: FreeBSD msun (fdlibm, Sun Microsystems 1993): the argument reduction of ``e_rem_pio2.c`` (its
"medium" Cody-Waite case, pi/2 split in three 33-bit parts, every round always taken, so no branch) and the
kernels ``k_sin.c`` / ``k_cos.c`` (degree-13 and degree-14 minimax polynomials on |r| <= pi/4, FreeBSD's
branch-free ``__kernel_cos``), then the quadrant selected with ``where``-style selects. Valid for
|x| <= ``REDUCTION_LIMIT`` (2^20 pi/2); :func:`sin_cos_lanes` hands larger, infinite or NaN arguments to
libm in a scalar pass after the packed loop, so every finite float64 is accepted.

Accuracy (``tests/games/test_trig.py``, against CPython's ``math.sin``/``math.cos``, i.e. glibc's
correctly-rounded-in-practice libm): at most 1 ULP over [-REDUCTION_LIMIT, REDUCTION_LIMIT]; on
CartPole's |theta| <= 0.3 about 99 % of results have the same bits as libm.
"""

import math

import numba
import numpy as np

REDUCTION_LIMIT = 1647099.3291652855  # 2**20 * pi / 2: beyond it the three-part reduction loses bits

_INV_PIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00  # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11  # next 33 bits
_PIO2_2T = 2.02226624879595063154e-21  # pi/2 - (_PIO2_1 + _PIO2_2)
_PIO2_3 = 2.02226624871116645580e-21  # third 33 bits
_PIO2_3T = 8.47842766036889956997e-32  # pi/2 - (_PIO2_1 + _PIO2_2 + _PIO2_3)
_ROUND = 6755399441055744.0  # 1.5 * 2**52: x + _ROUND - _ROUND rounds x to the nearest integer

_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11


@numba.njit(cache=True, inline="always")
def _kernel_sin(x, y):
    """sin(x + y) for |x + y| <= pi/4, ``y`` the tail of the reduced argument (``k_sin.c``, iy = 1)."""
    z = x * x
    w = z * z
    r = _S2 + z * (_S3 + z * _S4) + z * w * (_S5 + z * _S6)
    v = z * x
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


@numba.njit(cache=True, inline="always")
def _kernel_cos(x, y):
    """cos(x + y) for |x + y| <= pi/4 (FreeBSD's branch-free ``k_cos.c``)."""
    z = x * x
    w = z * z
    r = z * (_C1 + z * (_C2 + z * _C3)) + w * w * (_C4 + z * (_C5 + z * _C6))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@numba.njit(cache=True, inline="always")
def sin_cos(x):
    """``(sin(x), cos(x))`` of a float64 scalar with |x| <= :data:`REDUCTION_LIMIT`, within 1 ULP of libm.

    No calls and no branches: inside a loop over lanes LLVM packs it (8 lanes per ``zmm`` instruction).
    Outside the limit the result is not meaningful; use :func:`sin_cos_lanes` for arbitrary input.
    """
    fn = (x * _INV_PIO2 + _ROUND) - _ROUND
    r = x - fn * _PIO2_1
    w = fn * _PIO2_2
    t = r
    r = t - w
    w = fn * _PIO2_2T - ((t - r) - w)
    t = r
    w = fn * _PIO2_3
    r = t - w
    w = fn * _PIO2_3T - ((t - r) - w)
    y0 = r - w
    y1 = (r - y0) - w
    s = _kernel_sin(y0, y1)
    c = _kernel_cos(y0, y1)
    q = fn - 4.0 * np.floor(fn * 0.25)  # the quadrant, 0.0 to 3.0 (float selects: LLVM packs them)
    odd = (q == 1.0) | (q == 3.0)
    sin_r = c if odd else s
    cos_r = s if odd else c
    sin_x = -sin_r if q >= 2.0 else sin_r
    cos_x = -cos_r if (q == 1.0) | (q == 2.0) else cos_r
    return sin_x, cos_x


@numba.njit(cache=True, inline="always")
def sin_cos_lanes(x, sin_out, cos_out):
    """``sin_out[i], cos_out[i] = sin(x[i]), cos(x[i])`` for 1-D float64 arrays of one length.

    The packed loop of :func:`sin_cos`, then a scalar pass giving libm's result where
    |x| > :data:`REDUCTION_LIMIT` or x is not finite (never in CartPole: a lane's |theta| stays below 0.3).
    """
    n = x.shape[0]
    for i in range(n):
        sin_out[i], cos_out[i] = sin_cos(x[i])
    for i in range(n):
        if not abs(x[i]) <= REDUCTION_LIMIT:
            sin_out[i], cos_out[i] = math.sin(x[i]), math.cos(x[i])
