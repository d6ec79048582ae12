"""The (genome, episode) items of a population kernel, claimed from a counter a block at a time.

A lane kernel's lane that finishes an episode takes the next item with ``next_item(counter, block,
n_items)``: from the call's own block of :data:`BLOCK` consecutive items, and when that is used up, a new
block claimed with ``claim(counter, BLOCK)``, an atomic fetch-and-add (``lock xadd``) on ``counter[0]``. A
serial call claims from a counter of its own; the process pool's parent and workers claim from one counter
in shared memory, so they share one generation's items as they free lanes, instead of each scoring a fixed
half (``neuroevo/evaluation/shared_items.py``). An item's return does not depend on which lane or which
process plays it, so the returns are the same bits either way.

Why blocks: one claim per item made the two workers of CartPole-v1 at population 1,000 take the counter's
cache line from each other ~10,000 times per generation, and write returns into the same lines (8 items'
returns to a 64-byte line). A block of 8 items takes the counter 8 times less often and writes whole lines
of returns (the returns start on a line: ``shared_items``' 64-byte header); a worker ends at most one block
after the other (``benchmarks/pool_efficiency.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from neuroevo.networks.program import load_lane_policy

#: Items claimed at once: 8 float64 returns fill one 64-byte cache line.
BLOCK = 8


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


@numba.njit(cache=True, inline="always")
def next_item(counter: np.ndarray, block: np.ndarray, n_items: int) -> int:
    """In jitted code: the next item of the call's block ``block`` ((2,) int64: next, stop; start it at
    ``new_block()``), claiming a new block of :data:`BLOCK` items from ``counter`` when it is used up;
    ``n_items`` or more once every item is taken."""
    if block[0] >= block[1]:
        start = claim(counter, BLOCK)
        block[0], block[1] = start, min(start + BLOCK, n_items)
    item = block[0]
    block[0] += 1
    return item if item < block[1] else n_items


@numba.njit(cache=True)
def new_block() -> np.ndarray:
    """A call's empty block of items for :func:`next_item`: (2,) int64."""
    return np.zeros(2, dtype=np.int64)


def own_counter() -> np.ndarray:
    """A counter for one serial call: (1,) int64, zero."""
    return np.zeros(1, dtype=np.int64)


@numba.njit(cache=True, inline="always")
def load_item(lane, item, ints, genomes, starts, wt, rows, memory, state, t, items):
    """Lane ``lane`` of a lane kernel takes item ``item`` (genome ``p = item // K``, episode or start
    ``item % K`` of the ``(K, n_state)`` ``starts``): the genome's params, program row and a zero memory
    (:func:`~neuroevo.networks.program.load_lane_policy`), the start state into column ``lane`` of
    ``state`` ((n_state, lanes)), step count ``t[lane] = 0`` and ``items[lane] = item``."""
    k = starts.shape[0]
    p = item // k
    load_lane_policy(lane, p, ints, genomes, wt, rows, memory)
    for i in range(starts.shape[1]):
        state[i, lane] = starts[item - p * k, i]
    t[lane], items[lane] = 0, item
