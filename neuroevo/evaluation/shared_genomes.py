"""A generation's genomes in memory shared with the forked workers, so a chunk is sent as two indices.

Pickling a chunk of genomes through a pipe costs more than its kernel call once the kernels are fast: 500
genomes of a 4-16-2 network (456 KB) take 0.76 ms there and back on a 2-core machine, against ~13 ms to
play their 5,000 CartPole-v1 episodes, and the parent sends the chunks one after another. Here the parent
copies the whole population once per generation into an anonymous shared mapping (``mmap``, ``MAP_SHARED``)
made before the workers are forked, so they inherit it; a chunk's message is ``(start, stop, columns,
dtype)`` and the worker copies its rows out. Only 2-D numeric NumPy arrays go this way; anything else
(a NEAT genome batch) is pickled as before.

The pool maps :data:`RESERVE` bytes before it forks its workers: address space only, since the kernel gives
an anonymous mapping memory page by page as it is first written, so a population of 1,000 4-16-2 genomes
uses 0.9 MB of it. A population that does not fit (more than 8 M float64 numbers) makes the pool kill its
idle workers, map a block twice the size (or the population's) and fork new ones that inherit it.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np

#: Bytes mapped when the pool starts (64 MiB of address space; memory is used only as genomes are written).
RESERVE = 64 * 1024 * 1024

#: The message that stands for rows ``start:stop`` of the shared genomes.
SharedRows = tuple[str, int, int, int, str]


class SharedGenomes:
    """The parent's side: an anonymous shared mapping, the population copied into it per generation."""

    def __init__(self) -> None:
        self.buffer: mmap.mmap | None = None
        self._columns, self._dtype = 0, "<f8"

    @property
    def capacity(self) -> int:
        """Bytes of the mapping (0 before the first :meth:`grow`)."""
        return 0 if self.buffer is None else len(self.buffer)

    @staticmethod
    def shareable(genomes: Any) -> bool:
        """True for a 2-D array of numbers (a flat-genome population), the only kind sent through memory."""
        return isinstance(genomes, np.ndarray) and genomes.ndim == 2 and genomes.dtype.kind in "fiu"

    def grow(self, nbytes: int) -> None:
        """A new, larger mapping (the old one is closed): workers forked from now on inherit it."""
        size = max(int(nbytes), 2 * self.capacity, mmap.PAGESIZE)
        if self.buffer is not None:
            self.buffer.close()
        self.buffer = mmap.mmap(-1, size)

    def write(self, genomes: np.ndarray) -> None:
        """Copy ``genomes`` ((P, n) numeric, at most :attr:`capacity` bytes) to the start of the mapping."""
        if self.buffer is None or genomes.nbytes > self.capacity:
            raise ValueError(f"{genomes.nbytes} bytes of genomes do not fit the shared block of {self.capacity}")
        view = np.frombuffer(self.buffer, dtype=genomes.dtype, count=genomes.size).reshape(genomes.shape)
        view[...] = genomes
        self._columns, self._dtype = genomes.shape[1], genomes.dtype.str

    def rows(self, start: int, stop: int) -> SharedRows:
        """The message for rows ``start:stop`` of the genomes last written."""
        return "shared-genomes", int(start), int(stop), self._columns, self._dtype


def is_shared_rows(message: Any) -> bool:
    """True if a chunk's genomes arrived as :meth:`SharedGenomes.rows` (read them with :func:`read_rows`)."""
    return isinstance(message, tuple) and len(message) == 5 and message[0] == "shared-genomes"


def read_rows(buffer: mmap.mmap, message: SharedRows, copy: bool = True) -> np.ndarray:
    """The worker's side: rows ``start:stop``, a (stop - start, columns) array of its own (copied out of the
    mapping, as unpickling gave: a fitness may write to its genomes), or with ``copy=False`` a view of the
    mapping (for a kernel, which only reads them)."""
    _, start, stop, columns, dtype = message
    item = np.dtype(dtype).itemsize
    rows = np.frombuffer(buffer, dtype=dtype, count=(stop - start) * columns, offset=start * columns * item)
    rows = rows.reshape(stop - start, columns)
    return rows.copy() if copy else rows
