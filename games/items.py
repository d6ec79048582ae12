"""The (genome, episode) items of a population kernel, claimed one at a time from a counter.

A lane kernel's lane that finishes an episode takes the next item with ``claim(counter, 1)``: an atomic
fetch-and-add (``lock xadd``) on ``counter[0]``. A serial call claims from a counter of its own; the process
pool hands every worker one counter in shared memory, so two workers share one generation's items as they
free lanes, instead of each scoring a fixed half (``neuroevo/evaluation/shared_items.py``). An item's
return does not depend on which lane or which process plays it, so the returns are the same bits either
way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import types
from numba.extending import intrinsic


@intrinsic
def _claim(typingctx: Any, counter: Any, value: Any) -> Any:
    """In jitted code: ``claim(counter, n)`` returns ``counter[0]`` and adds ``n`` to it, atomically across
    threads and processes sharing its memory (``counter``: an int64 array). Not callable from Python."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and isinstance(value, types.Integer)):
        return None
    sig = types.int64(counter, types.int64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", arr.data, args[1], "seq_cst")

    return sig, codegen


#: ``claim(counter, n)`` in jitted code (see ``_claim``).
claim = cast(Callable[[np.ndarray, int], int], _claim)


def own_counter() -> np.ndarray:
    """A counter for one serial call: (1,) int64, zero."""
    return np.zeros(1, dtype=np.int64)
