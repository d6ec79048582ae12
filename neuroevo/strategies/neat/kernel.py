"""NEAT genomes as graph programs of the game kernels' policy seam (``neuroevo.networks.program``, kind 1).

One program row per genome: header ``[1, n_in, n_out, n_state, width, n_params]``, then ``n_nodes, n_eval``,
the output node ids, and per computed node ``node, code, bias_idx, response_idx, n_conn, (src, weight_idx)
* n_conn``; the params row holds every bias, response and weight. Node ids are the compiler's slots.

Feed-forward genomes are emitted in topological order. The kernels write node values in place, so for a
recurrent genome (neat-python's RecurrentNetwork: every node from the previous step's values) each computed
node first gets a *shadow*, a linear copy of its last value computed before any real node, and the real
nodes read the shadows. Outputs are the same bits as :class:`~neuroevo.strategies.neat.compile.NEATNetwork`.

Only what the kernels compute can be emitted: activations sigmoid, tanh, relu, identity (scales folded by
the compiler) and sum aggregation; anything else raises ValueError naming the genome (the env loop and
user fitness functions take every neat-python function).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neuroevo.networks.program import Program
    from neuroevo.strategies.neat.batch import NEATGenomes

from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS, KERNEL, KERNEL_ACTIVATIONS

_OK = {c + KERNEL for c, _ in KERNEL_ACTIVATIONS.values()}
_NAMES = {v: k for k, v in ACTIVATIONS.items()}
_AGG_NAMES = {v: k for k, v in AGGREGATIONS.items()}


def _row(prog, p):
    """(ints list, params list) of genome ``p`` of a compiled NEATProgram."""
    n_in, n_out = prog.n_in, prog.n_out
    ne, n_slots = int(prog.n_eval[p]), int(prog.n_slots[p])
    for j in range(ne):
        if prog.act[p, j] not in _OK:
            raise ValueError(f"NEAT genome {p} uses activation {_NAMES[int(prog.act[p, j])]!r}, which the game "
                             f"kernels do not compute (sigmoid, tanh, relu, identity); use those, or --env with "
                             f"the env loop")
        if prog.agg[p, j] != 0:
            raise ValueError(f"NEAT genome {p} uses aggregation {_AGG_NAMES[int(prog.agg[p, j])]!r}; the game "
                             f"kernels compute sum only")
    params = [0.0, 1.0]  # shared constants: index 0 holds 0, index 1 holds 1 (shadow copies)
    body = []
    shadow = {}
    if prog.recurrent:
        for j in range(ne):
            shadow[int(prog.node[p, j])] = n_slots + j
            body += [n_slots + j, 0, 0, 1, 1, int(prog.node[p, j]), 1]
    for j in range(ne):
        a, b = int(prog.ptr[p, j]), int(prog.ptr[p, j + 1])
        params += [float(prog.bias[p, j]), float(prog.resp[p, j])]
        body += [int(prog.node[p, j]), int(prog.act[p, j]) - KERNEL, len(params) - 2, len(params) - 1, b - a]
        for c in range(a, b):
            src = int(prog.src[p, c])
            params.append(float(prog.weight[p, c]))
            body += [shadow.get(src, src), len(params) - 1]
    n_nodes = n_slots + (ne if prog.recurrent else 0)
    head = [1, n_in, n_out, n_nodes, max(n_nodes, n_out), len(params), n_nodes,
            ne * (2 if prog.recurrent else 1), *range(n_in, n_in + n_out)]
    return head + body, params


def graph_program(batch: NEATGenomes) -> Program:
    """The policy :class:`~neuroevo.networks.program.Program` of a :class:`NEATGenomes` batch.

    Returns:
        Program(ints (P, n_int) int64, params (P, n_params) float64), rows zero-padded.

    Raises:
        ValueError: a genome uses an activation or aggregation the kernels do not compute.
    """
    from neuroevo.networks.program import Program

    prog = batch.compiled()
    rows = [_row(prog, p) for p in range(prog.size)]
    n_int = max(len(r) for r, _ in rows)
    n_par = max(len(q) for _, q in rows)
    ints = np.zeros((len(rows), n_int), np.int64)
    params = np.zeros((len(rows), n_par), np.float64)
    for p, (r, q) in enumerate(rows):
        ints[p, :len(r)] = r
        params[p, :len(q)] = q
    return Program(ints, params)
