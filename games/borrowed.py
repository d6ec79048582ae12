"""Borrowed arrays for the hot loops of the lane kernels: the same data, no reference counting.

Every Numba array carries a pointer to its memory's reference count (its "meminfo"). A view (``state[lane]``)
or an array passed into a function that Numba inlines is counted up and down again with atomic
``lock incq`` / ``lock decq`` instructions (about 20 cycles each), and LLVM's reference-count pruning cannot
remove the pairs around a call. In the car kernel that was about 20 pairs per car per step: a third of its
time in ``perf record``. :func:`borrowed` returns the array with a null meminfo: Numba's ``NRT_incref`` /
``NRT_decref`` skip a null pointer, so the counts become a test and a branch.

Only for arrays whose owner outlives every use of the borrowed copy: a jitted function's own arguments,
inside that function (its caller holds them until it returns). Not for arrays the function allocates
itself: Numba frees a local once its last named use is past, which may be the ``borrowed`` call. So each
kernel allocates its lane block in an outer function and borrows it in the loop it calls (``_drive``,
``_run``). A borrowed array must not be returned, stored, or kept past its owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _borrowed(typingctx: Any, a: Any) -> Any:
    """The array ``a`` (any dtype, layout, ndim) with its meminfo and parent pointers null."""
    if not isinstance(a, types.Array):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
        ary.parent = cgutils.get_null_value(ary.parent.type)
        return ary._getvalue()

    return a(a), codegen


#: ``borrowed(a)`` in jitted code: ``a`` without reference counting (see the module docstring).
borrowed = cast(Callable[[Any], Any], _borrowed)
