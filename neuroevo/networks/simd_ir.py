"""The LLVM IR pieces the packed network kernels share: a lane vector's pointer, its load and store, ``llvm.fma``.

:mod:`~neuroevo.networks.simd_dense` and :mod:`~neuroevo.networks.simd_tanh` build their loops from these on
2-D lane blocks (rows of lanes, unit column stride, the row stride read from the array at run time).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import cgutils

#: Lanes per vector (8 float64 = one 512-bit register; float32 blocks use 256-bit ones).
VL = 8


def size(t: Any) -> int:
    """Bytes of the LLVM float type ``t`` (8 for ``double``, 4 for ``float``)."""
    return 8 if isinstance(t, ir.DoubleType) else 4


def row_ptr(builder: Any, arr: Any, row: Any, col: Any, vec: Any) -> Any:
    """``&arr[row, col]`` as a pointer to a ``vec`` (row stride from the array, unit column stride)."""
    stride = cgutils.unpack_tuple(builder, arr.strides, 2)[0]
    base = builder.ptrtoint(arr.data, ir.IntType(64))
    itemsize = ir.Constant(ir.IntType(64), size(vec.element))
    addr = builder.add(base, builder.add(builder.mul(row, stride), builder.mul(col, itemsize)))
    return builder.inttoptr(addr, vec.as_pointer())


def load(builder: Any, arr: Any, row: Any, col: Any, vec: Any) -> Any:
    """The ``vec`` at ``arr[row, col:col + VL]`` (aligned to one element: blocks may be views)."""
    return builder.load(row_ptr(builder, arr, row, col, vec), align=size(vec.element))


def store(builder: Any, value: Any, arr: Any, row: Any, col: Any, vec: Any) -> None:
    """``arr[row, col:col + VL] = value`` (a ``vec``)."""
    builder.store(value, row_ptr(builder, arr, row, col, vec), align=size(vec.element))


def fma(builder: Any, vec: Any) -> Any:
    """LLVM's ``llvm.fma`` on ``vec`` (one rounding per element: ``vfmadd...pd`` / ``ps``)."""
    name = f"llvm.fma.v{VL}f{size(vec.element) * 8}"
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]), name)
