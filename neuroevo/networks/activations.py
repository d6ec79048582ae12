"""Activation functions and helpers shared by every network kernel (one copy, so every kernel gives the same bits)."""

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
from numba.core import types
from numba.extending import intrinsic, overload

from neuroevo.networks.simd import fma

#: Activation names and the integer codes the kernels use.
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "relu": 3, "softsign": 4}

#: Agents stepped together by the lane kernels (one SIMD-friendly block).
LANES = 32

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2
_LN2_LO = 1.90821492927058770002e-10
#: The Taylor coefficients of e**r on |r| <= ln2/2 that :func:`exp` sums in Horner form, highest degree (13)
#: first, the last two the 1/1! and 1/0! terms (one copy: :mod:`neuroevo.networks.simd_tanh` packs the same sums).
EXP_TAYLOR = (1.6059043836821613e-10, 2.08767569878681e-09, 2.505210838544172e-08, 2.755731922398589e-07,
              2.7557319223985893e-06, 2.48015873015873e-05, 0.0001984126984126984, 0.001388888888888889,
              0.008333333333333333, 0.041666666666666664, 0.16666666666666666, 0.5, 1.0, 1.0)
_POW2 = np.ldexp(1.0, np.arange(-1022, 1024))  # 2**k at index k + 1022 (the reference of ``_pow2``)


@intrinsic
def _bits_as_float64_intrinsic(typingctx: Any, bits: Any) -> tuple[Any, Any]:
    """The float64 whose IEEE-754 bit pattern is the int64 ``bits`` (an LLVM bitcast: no memory, vectorises)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


_bits_as_float64 = cast(Callable[[Any], float], _bits_as_float64_intrinsic)


@numba.njit(cache=True, inline="always")
def _pow2(k):
    """2.0**k, exactly, for an integral float64 ``k`` in [-1022, 1023]: the exponent field ``k + 1023``
    (the same bits as ``_POW2[k + 1022]``, without the table's gather)."""
    return _bits_as_float64((np.int64(k) + 1023) << 52)


@numba.njit(cache=True, inline="always")
def exp(y):
    """e**y for a float64 scalar, within 1 ULP of libm's exp over [-708, 708] (clamped outside).

    Written without calls or branches (Cody-Waite range reduction, degree-13 Taylor polynomial on
    |r| <= ln2/2 in Horner form with fused multiply-adds, 2**k from its exponent bits) so that LLVM vectorises it across agents in the lane kernels; every
    forward pass of the project uses it, so a network gives the same bits in every kernel and in Python.
    """
    y = min(max(y, -708.0), 708.0)
    k = np.floor(fma(y, _LOG2E, 0.5))
    r = fma(-k, _LN2_LO, fma(-k, _LN2_HI, y))
    p = EXP_TAYLOR[0]
    p = fma(p, r, EXP_TAYLOR[1])
    p = fma(p, r, EXP_TAYLOR[2])
    p = fma(p, r, EXP_TAYLOR[3])
    p = fma(p, r, EXP_TAYLOR[4])
    p = fma(p, r, EXP_TAYLOR[5])
    p = fma(p, r, EXP_TAYLOR[6])
    p = fma(p, r, EXP_TAYLOR[7])
    p = fma(p, r, EXP_TAYLOR[8])
    p = fma(p, r, EXP_TAYLOR[9])
    p = fma(p, r, EXP_TAYLOR[10])
    p = fma(p, r, EXP_TAYLOR[11])
    p = fma(p, r, EXP_TAYLOR[12])
    p = fma(p, r, EXP_TAYLOR[13])
    return p * _pow2(k)


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


@intrinsic
def _bits_as_float32_intrinsic(typingctx: Any, bits: Any) -> tuple[Any, Any]:
    """The float32 whose IEEE-754 bit pattern is the int32 ``bits`` (an LLVM bitcast, as for float64)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return types.float32(types.int32), codegen


_bits_as_float32 = cast(Callable[[Any], float], _bits_as_float32_intrinsic)

_F32 = np.float32
_EXP32_MIN, _EXP32_MAX = -87.0, 88.0  # 2**k stays a normal float32 (k in [-126, 127])
_LN2_HI32, _LN2_LO32 = 0.693359375, -2.12194440e-4  # Cephes expf's split of ln 2


@numba.njit(cache=True, inline="always")
def exp32(y):
    """e**y for a float32 scalar, in float32 arithmetic throughout (clamped to [-87, 88]).

    Cephes' ``expf`` (Moshier, "Methods and Programs for Mathematical Functions", 1989): Cody-Waite
    reduction with ln 2 split in two, a degree-5 minimax polynomial for e**r - 1 - r on |r| <= ln2/2, and
    2**k from its exponent bits. Within 1 ULP of e**y (against float64 ``exp``, ``tests/test_float32.py``); no
    calls or branches, so LLVM packs it 8 float32 lanes per AVX2 instruction.
    """
    y = min(max(y, _F32(_EXP32_MIN)), _F32(_EXP32_MAX))
    k = np.floor(fma(y, _F32(_LOG2E), _F32(0.5)))
    r = fma(-k, _F32(_LN2_LO32), fma(-k, _F32(_LN2_HI32), y))
    p = _F32(1.9875691500e-4)
    p = fma(p, r, _F32(1.3981999507e-3))
    p = fma(p, r, _F32(8.3334519073e-3))
    p = fma(p, r, _F32(4.1665795894e-2))
    p = fma(p, r, _F32(1.6666665459e-1))
    p = fma(p, r, _F32(5.0000001201e-1))
    p = fma(p, r * r, r) + _F32(1.0)  # Cephes: p z + r + 1, z = r^2
    return p * _bits_as_float32((np.int32(k) + np.int32(127)) << np.int32(23))


@numba.njit(cache=True, inline="always", error_model="numpy")
def activate32(z, code):
    """:func:`activate` in float32 arithmetic (``z`` a float32 scalar), with :func:`exp32`."""
    one, two = _F32(1.0), _F32(2.0)
    if code == 1:
        return one - two / (exp32(two * z) + one)
    if code == 2:
        return one / (one + exp32(-z))
    if code == 3:
        return z if z > _F32(0.0) else _F32(0.0)
    if code == 4:
        return z / (one + abs(z))
    return z


def activate_any(z: float, code: int) -> float:
    """``activate(z, code)`` in the precision of ``z``: :func:`activate32` for a float32 ``z`` (a network
    run with ``dtype="float32"``), else :func:`activate` (float64). Chosen when Numba compiles the caller."""
    return activate32(np.float32(z), code) if isinstance(z, np.float32) else activate(float(z), code)


@overload(activate_any)
def _activate_any(z, code):
    if isinstance(z, types.Float) and z.bitwidth == 32:
        return lambda z, code: activate32(z, code)
    return lambda z, code: activate(z, code)


@numba.njit(cache=True)
def argmax(y):
    """First index of the largest element of a 1-D array (NumPy's ``argmax`` tie rule): a Discrete action."""
    best = 0
    for j in range(1, y.shape[0]):
        if y[j] > y[best]:
            best = j
    return best


