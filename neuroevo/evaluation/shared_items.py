"""One generation's (genome, episode) items, claimed by the process pool's parent and workers from one counter.

With fixed chunks, each of two workers scores its half of the population and the generation waits for the
slower half; on CartPole-v1 at population 1,000 (~7 ms of kernel per worker and generation) that wait and
the hand-off left the pool at 80-92 % of two independent processes (``benchmarks/pool_efficiency.py``).
Here the parent and ``workers - 1`` workers each run the kernel over the whole generation, and each lane
that finishes an episode takes the next item from a block of 8 claimed from a counter in memory they share
(:mod:`games.items`, an atomic fetch-and-add), so they finish within an episode of each other. Each return
is written once, into a (P, K) block of the same mapping; the parent reads the fitness from it. An item's
return does not depend on the lane or the process that plays it, so the fitness has the same bits as a
serial run.

Used for kernels whose module has ``shared_returns`` and ``fitness_of_returns``
(:meth:`~neuroevo.evaluation.tasks.KernelTask.shared_kernel`: CartPole-v1 today); the layout is
``[counter: int64 | padding to 64 bytes | returns: P * K float64]`` in an anonymous ``MAP_SHARED`` mapping
made before the workers are forked.
"""

from __future__ import annotations

import mmap
import traceback
from typing import Any

import numpy as np

#: Items the mapping holds when the pool starts (address space only until written: 8 MiB).
RESERVE_ITEMS = 1 << 20
_HEADER = 64  # bytes before the returns: the counter, alone in its cache line

#: The message a worker gets: ``(tag, generation, genome rows, seeds)``.
ITEMS_TAG = "shared-items"


class SharedItems:
    """The parent's side: the mapping, its counter zeroed and its returns set to NaN per generation."""

    def __init__(self) -> None:
        self.buffer: mmap.mmap | None = None

    @property
    def capacity(self) -> int:
        """Items the mapping can hold (0 before :meth:`grow`)."""
        return 0 if self.buffer is None else (len(self.buffer) - _HEADER) // 8

    def grow(self, n_items: int) -> None:
        """A mapping for at least ``n_items`` items; workers forked from now on inherit it."""
        if self.buffer is not None:
            self.buffer.close()
        self.buffer = mmap.mmap(-1, _HEADER + 8 * max(int(n_items), 1))

    def reset(self, n_genomes: int, n_episodes: int) -> np.ndarray:
        """Zero the counter, fill the (n_genomes, n_episodes) returns with NaN and return them (a view)."""
        if self.buffer is None or n_genomes * n_episodes > self.capacity:
            raise ValueError(f"{n_genomes} x {n_episodes} items do not fit the shared block of {self.capacity}")
        counter, returns = views(self.buffer, n_genomes, n_episodes)
        counter[0] = 0
        returns[...] = np.nan
        return returns


def views(buffer: mmap.mmap, n_genomes: int, n_episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(counter (1,) int64, returns (n_genomes, n_episodes) float64)``: views of the mapping."""
    counter = np.frombuffer(buffer, dtype=np.int64, count=1)
    returns = np.frombuffer(buffer, dtype=np.float64, count=n_genomes * n_episodes, offset=_HEADER)
    return counter, returns.reshape(n_genomes, n_episodes)


def is_items_message(message: Any) -> bool:
    """True for the message of a generation scored through the shared items."""
    return isinstance(message, tuple) and len(message) == 4 and message[0] == ITEMS_TAG


def score_items(shared_returns: Any, spec: Any, genomes: np.ndarray, seeds: np.ndarray, buffer: mmap.mmap,
                env_kwargs: dict) -> tuple:
    """In a worker or the parent: claim and play items until none is left; ``("ok", None, env_steps)``, or
    ``("error", -1, detail, traceback)`` (never raises for a failing kernel)."""
    try:
        counter, returns = views(buffer, len(genomes), len(seeds))
        return "ok", None, int(shared_returns(spec, genomes, seeds, counter, returns, **env_kwargs))
    except Exception as e:
        return "error", -1, f"scoring the generation raised {type(e).__name__}: {e}", traceback.format_exc()
