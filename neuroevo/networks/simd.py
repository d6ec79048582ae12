"""A vector-width hint for the lane kernels: let LLVM use the CPU's widest SIMD registers.

On AVX-512 CPUs (Skylake-SP and later) LLVM's default tuning caps automatic vectorisation at 256-bit
(``ymm``) registers (``prefer-vector-width=256``), so a lane loop of float64 runs 4 agents per
instruction; 512-bit (``zmm``) registers run 8. :func:`prefer_wide_vectors`, called first in a kernel,
sets the LLVM function attribute ``"prefer-vector-width"="512"`` on it (LLVM's per-function form of
clang's ``-mprefer-vector-width=512``), so the lane loops inlined into that kernel use ``zmm``.

Only the width of the packed instructions changes: each lane's arithmetic is the same operations in the
same order, so results keep their bits. On CPUs without AVX-512 the hint has no effect; if this llvmlite
cannot carry string attributes the hint is skipped (the kernel is then only slower).
"""

from collections.abc import Callable
from typing import Any, cast

from numba.core import types
from numba.extending import intrinsic

_ATTRIBUTE = '"prefer-vector-width"="512"'


@intrinsic
def _prefer_wide_vectors(typingctx: Any) -> tuple[Any, Any]:
    """No-op at run time; at compile time marks the calling jitted function (see the module docstring)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        try:
            set.add(builder.function.attributes, _ATTRIBUTE)  # llvmlite only lists known names: add the raw one
        except TypeError:  # an llvmlite whose attribute sets are not sets: leave the default width
            pass
        return context.get_dummy_value()

    return types.none(), codegen


#: ``prefer_wide_vectors()``: call it, without arguments, first in a jitted kernel (the module docstring).
prefer_wide_vectors = cast(Callable[[], None], _prefer_wide_vectors)


@intrinsic
def _fma_intrinsic(typingctx: Any, a: Any, b: Any, c: Any) -> tuple[Any, Any] | None:
    """``a * b + c`` rounded once (LLVM's ``llvm.fma``) in the widest of the operands' float types (mixed
    float32/float64 operands are promoted first, as NumPy's arithmetic would)."""
    if not all(isinstance(t, types.Float) for t in (a, b, c)):
        return None
    wide = max((a, b, c), key=lambda t: t.bitwidth)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        x, y, z = (context.cast(builder, v, t, wide) for v, t in zip(args, signature.args))
        return builder.fma(x, y, z)

    return wide(a, b, c), codegen


#: ``fma(a, b, c)``: ``a * b + c`` with one rounding (IEEE 754 fusedMultiplyAdd), the same bits on every
#: machine: one ``vfmadd`` instruction where the CPU has FMA (x86-64 since Haswell, every AArch64), packed
#: across lanes in a vectorised loop; a call to libm's correctly rounded ``fma`` elsewhere. The network
#: kernels use it for every multiply-add (sums and polynomials): half the instructions and one rounding.
fma = cast(Callable[..., Any], _fma_intrinsic)  # float64 or float32 operands
