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

import numba
import numpy as np

from neuroevo.strategies.neat.compile import NEATProgram

if TYPE_CHECKING:
    from neuroevo.networks.program import Program
    from neuroevo.strategies.neat.batch import NEATGenomes

from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS, KERNEL, KERNEL_ACTIVATIONS

_OK = {c + KERNEL for c, _ in KERNEL_ACTIVATIONS.values()}
_NAMES = {v: k for k, v in ACTIVATIONS.items()}
_AGG_NAMES = {v: k for k, v in AGGREGATIONS.items()}
HEAD = 8  # header (6) + n_nodes, n_eval


def unsupported(prog: NEATProgram) -> str | None:
    """Why the game kernels cannot run the compiled genomes ``prog`` (None: they can)."""
    ne = prog.n_eval
    live = np.arange(prog.act.shape[1])[None, :] < ne[:, None]
    bad_act = live & ~np.isin(prog.act, np.array(sorted(_OK)))
    if bad_act.any():
        p, j = (int(v) for v in np.argwhere(bad_act)[0])
        return (f"NEAT genome {p} uses activation {_NAMES[int(prog.act[p, j])]!r}, which the game kernels do not "
                f"compute (sigmoid, tanh, relu, identity); use those, or --env with the env loop")
    bad_agg = live & (prog.agg != 0)
    if bad_agg.any():
        p, j = (int(v) for v in np.argwhere(bad_agg)[0])
        return f"NEAT genome {p} uses aggregation {_AGG_NAMES[int(prog.agg[p, j])]!r}; the game kernels compute sum only"
    return None


def _row(prog, p):
    """(ints list, params list) of genome ``p`` of a compiled NEATProgram."""
    n_in, n_out = prog.n_in, prog.n_out
    ne, n_slots = int(prog.n_eval[p]), int(prog.n_slots[p])
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


@numba.njit(cache=True)
def _sizes(ptr, n_eval, n_out, recurrent):
    """(P,) int lengths of each genome's ints row and params row."""
    P = n_eval.shape[0]
    n_int, n_par = np.zeros(P, np.int64), np.zeros(P, np.int64)
    for p in range(P):
        ne = n_eval[p]
        conns = ptr[p, ne] - ptr[p, 0]
        n_int[p] = HEAD + n_out + 5 * ne + 2 * conns + (7 * ne if recurrent else 0)
        n_par[p] = 2 + 2 * ne + conns
    return n_int, n_par


@numba.njit(cache=True)
def _emit(node, ptr, act, bias, resp, src, weight, n_eval, n_slots, n_in, n_out, recurrent, ints, params, shadow):
    """Fill ``ints`` (P, n_int) and ``params`` (P, n_params) (zeroed) with each genome's program row."""
    for p in range(n_eval.shape[0]):
        ne, slots = n_eval[p], n_slots[p]
        n_nodes = slots + (ne if recurrent else 0)
        row, par = ints[p], params[p]
        par[1] = 1.0  # shared constants: params[0] = 0, params[1] = 1 (the shadows' bias, response, weight)
        q = 2
        pos = HEAD + n_out
        shadow[:slots] = -1
        if recurrent:
            for j in range(ne):
                shadow[node[p, j]] = slots + j
                row[pos], row[pos + 1], row[pos + 2], row[pos + 3] = slots + j, 0, 0, 1
                row[pos + 4], row[pos + 5], row[pos + 6] = 1, node[p, j], 1
                pos += 7
        for j in range(ne):
            a, b = ptr[p, j], ptr[p, j + 1]
            par[q], par[q + 1] = bias[p, j], resp[p, j]
            row[pos], row[pos + 1], row[pos + 2], row[pos + 3], row[pos + 4] = node[p, j], act[p, j] - KERNEL, q, \
                q + 1, b - a
            q += 2
            pos += 5
            for c in range(a, b):
                s = src[p, c]
                par[q] = weight[p, c]
                row[pos] = shadow[s] if recurrent and shadow[s] >= 0 else s
                row[pos + 1] = q
                q += 1
                pos += 2
        row[0], row[1], row[2], row[3], row[4], row[5] = 1, n_in, n_out, n_nodes, max(n_nodes, n_out), q
        row[6], row[7] = n_nodes, ne * (2 if recurrent else 1)
        for k in range(n_out):
            row[HEAD + k] = n_in + k


def graph_program(batch: NEATGenomes) -> Program:
    """The policy :class:`~neuroevo.networks.program.Program` of a :class:`NEATGenomes` batch.

    Returns:
        Program(ints (P, n_int) int64, params (P, n_params) float64), rows zero-padded.

    Raises:
        ValueError: a genome uses an activation or aggregation the kernels do not compute.
    """
    from neuroevo.networks.program import Program

    prog = batch.compiled()
    why = unsupported(prog)
    if why is not None:
        raise ValueError(why)
    n_int, n_par = _sizes(prog.ptr, prog.n_eval, prog.n_out, prog.recurrent)
    P = prog.size
    ints = np.zeros((P, int(n_int.max()) if P else HEAD), np.int64)
    params = np.zeros((P, int(n_par.max()) if P else 2), np.float64)
    shadow = np.empty(max(prog.max_slots, 1), np.int64)
    _emit(prog.node, prog.ptr, prog.act, prog.bias, prog.resp, prog.src, prog.weight, prog.n_eval, prog.n_slots,
          prog.n_in, prog.n_out, prog.recurrent, ints, params, shadow)
    return Program(ints, params)


def graph_program_python(batch: NEATGenomes) -> Program:
    """:func:`graph_program` row by row in Python (the reference the tests compare it with)."""
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
