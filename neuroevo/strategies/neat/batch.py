"""A chunk of NEAT genomes behind the Strategy seam's GenomeBatch interface (see
:class:`neuroevo.strategies.base.GenomeBatch`): sliced into chunks for workers, pickled as plain lists and
arrays, scored through callable networks (user fitness, env loop) or compiled arrays (batch fitness,
game kernels)."""

from __future__ import annotations

import math

from typing import TYPE_CHECKING

import numpy as np

from neuroevo.strategies.neat.compile import NEATNetwork, NEATProgram, compile_genomes, population_outputs
from neuroevo.strategies.neat.genome import ENABLED, WEIGHT, Genome
from neuroevo.strategies.neat.serialize import arrays_to_genomes, genomes_to_arrays

if TYPE_CHECKING:
    from neuroevo.networks.program import Program
    from neuroevo.networks.spec import NetworkSpec
    from neuroevo.strategies.base import Genomes


class NEATGenomes:
    """NEAT genomes of one generation (or a chunk of it).

    Args:
        genomes: the genomes; n_in, n_out: network inputs and outputs; recurrent: neat-python's
            RecurrentNetwork semantics instead of feed-forward.

    ``len()``, ``batch[a:b]`` (a NEATGenomes), ``batch[i]`` for an int (a batch of one), :meth:`network`,
    :meth:`compiled` (the padded arrays of :mod:`~neuroevo.strategies.neat.compile`), :meth:`outputs`
    (every genome on a set of inputs), :meth:`program` (the game kernels' graph program),
    :meth:`to_arrays` / :meth:`from_arrays` (checkpoints and saved agents).
    """

    def __init__(self, genomes: list[Genome], n_in: int, n_out: int, recurrent: bool = False):
        self.genomes = list(genomes)
        self.n_in, self.n_out, self.recurrent = int(n_in), int(n_out), bool(recurrent)
        self._compiled: NEATProgram | None = None

    def __len__(self) -> int:
        return len(self.genomes)

    def __getitem__(self, index: slice | int) -> "NEATGenomes":
        sel = self.genomes[index] if isinstance(index, slice) else [self.genomes[int(index)]]
        return NEATGenomes(sel, self.n_in, self.n_out, self.recurrent)

    def copy(self) -> "NEATGenomes":
        return NEATGenomes([g.copy() for g in self.genomes], self.n_in, self.n_out, self.recurrent)

    def __getstate__(self):
        return {**self.__dict__, "_compiled": None}

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    def check(self) -> None:
        """ValueError naming the first genome with a non-finite weight or bias, or (feed-forward) a cycle."""
        for i, g in enumerate(self.genomes):
            if not all(math.isfinite(c[WEIGHT]) for c in g.conns.values() if c[ENABLED]) or \
                    not all(math.isfinite(v) for n in g.nodes.values() for v in n[:2]):
                raise ValueError(f"NEAT genome {i} has a non-finite weight, bias or response")
        self.compiled()

    def compiled(self) -> NEATProgram:
        """The padded arrays of every genome (cached)."""
        if self._compiled is None:
            self._compiled = compile_genomes(self.genomes, self.n_in, self.n_out, self.recurrent)
        return self._compiled

    def network(self, i: int) -> NEATNetwork:
        """Genome ``i`` as a callable network (``(n_in,) -> (n_out,)``; ``reset()`` for recurrent ones)."""
        return NEATNetwork(self.genomes[i], self.n_in, self.n_out, self.recurrent)

    def outputs(self, X: np.ndarray) -> np.ndarray:
        """(n, B, n_out) outputs of every genome on inputs X (B, n_in): rows independent (feed-forward) or a
        sequence from a zero state (recurrent)."""
        return population_outputs(self.compiled(), X)

    def program(self) -> Program:
        """The game kernels' graph program of these genomes (see :mod:`neuroevo.strategies.neat.kernel`)."""
        from neuroevo.strategies.neat.kernel import graph_program

        return graph_program(self)

    def sizes(self) -> np.ndarray:
        """(n, 2) int64: nodes and enabled connections of each genome."""
        return np.array([g.size() for g in self.genomes], np.int64).reshape(-1, 2)

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = genomes_to_arrays(self.genomes)
        arrays["io"] = np.array([self.n_in, self.n_out, int(self.recurrent)], np.int64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict) -> "NEATGenomes":
        """Raises ValueError on missing or inconsistent arrays."""
        if "io" not in arrays:
            raise ValueError("NEAT genome arrays lack 'io'")
        n_in, n_out, rec = (int(v) for v in np.asarray(arrays["io"]))
        return cls(arrays_to_genomes({k: v for k, v in arrays.items() if k != "io"}), n_in, n_out, bool(rec))


class NEATPolicy:
    """The policy the game kernels take for NEAT genomes: ``program(batch)`` is the batch's graph program.

    Args:
        n_inputs, n_outputs: the networks' sizes (what a kernel checks).
    """

    def __init__(self, n_inputs: int, n_outputs: int):
        self.n_inputs, self.n_outputs = int(n_inputs), int(n_outputs)

    def program(self, genomes: NEATGenomes) -> Program:
        return genomes.program()


def policy_for(spec: NetworkSpec, genomes: Genomes) -> NetworkSpec | NEATPolicy:
    """What a game kernel takes as its policy for ``genomes``: the spec for flat genomes, else a NEATPolicy."""
    if isinstance(genomes, np.ndarray):
        return spec
    return NEATPolicy(spec.n_inputs, spec.n_outputs)
