"""A memory estimate made before allocating, so a population or network that cannot fit is refused in one
line instead of failing (or swapping the machine to a halt) half-way through a run."""

from __future__ import annotations

import os
from collections.abc import Sequence

from neuroevo.errors import ConfigError

#: Copies of the population alive at once at the peak of a generation (population, the evaluated copy,
#: parents, offspring before and after crossover and mutation, the elites, the workers' chunks).
POPULATION_COPIES = 8


def available_bytes() -> int:
    """Memory available to a new allocation: ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free
    physical pages; a cgroup limit lower than that counts."""
    avail = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return 1 << 62
    try:
        limit = int(open("/sys/fs/cgroup/memory.max").read().strip())
        used = int(open("/sys/fs/cgroup/memory.current").read().strip())
        avail = min(avail, max(0, limit - used))
    except (OSError, ValueError):
        pass
    return avail


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def check_population(population: int, sizes: Sequence[int], available: int | None = None) -> int:
    """Bytes a run of ``population`` genomes of the network ``sizes`` needs; ConfigError if more than available.

    Args:
        population: genomes per generation.
        sizes: layer sizes (inputs, hidden..., outputs).
        available: bytes available (default :func:`available_bytes`).
    """
    sizes = [int(s) for s in sizes]
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    need = POPULATION_COPIES * int(population) * n_params * 8 + 64 * max(sizes) * 8
    available = available_bytes() if available is None else int(available)
    if need > available:
        raise ConfigError(f"--population {population} of networks {'-'.join(map(str, sizes))} ({n_params:,} "
                          f"weights each) needs about {_gib(need)} of memory, more than the {_gib(available)} "
                          f"available; use a smaller --population or network")
    return need
