"""NEAT genomes compiled to flat, padded arrays, and their Numba forward pass.

A population (or chunk) of P genomes becomes a :class:`NEATProgram`: per genome, the nodes to compute in
evaluation order (each with its bias, response, activation and aggregation codes and a range into the
connection list) and the incoming connections as (source slot, weight) lists, padded to the chunk's largest
genome (TensorNEAT's layout, without JAX). Node slots: inputs ``0..n_in-1``, outputs ``n_in..n_in+n_out-1``
(node key k at slot ``n_in + k``), then hidden nodes.

The semantics are neat-python's ``nn.FeedForwardNetwork`` and ``nn.RecurrentNetwork``:

* feed-forward: only nodes an output depends on (through enabled connections) are computed, in topological
  order, each as ``act(bias + response * agg(w_i * x_i))``; such a node with no input gives ``act(bias +
  response * agg([]))``.
* recurrent: every node with an enabled incoming connection that reaches an output (or is reached from one)
  is computed from the previous step's values (one step per activation; state starts at 0); other nodes
  read 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike

from neuroevo.strategies.neat.functions import ACTIVATIONS, KERNEL, KERNEL_ACTIVATIONS, activate, aggregate
from neuroevo.strategies.neat.genome import ACT, AGG, BIAS, ENABLED, RESPONSE, WEIGHT, Genome
from neuroevo.networks.simd import fma

_FIELDS = ("node", "ptr", "act", "agg", "bias", "resp", "src", "weight", "n_eval", "n_slots")


@dataclass
class NEATProgram:
    """Compiled genomes (all arrays C-contiguous).

    Attributes:
        node: (P, E) int32 slot of the j-th computed node; ``ptr``: (P, E + 1) int32 its connections are
            ``ptr[p, j]:ptr[p, j + 1]``; ``act``, ``agg``: (P, E) int32 function codes (``functions.activate``:
            kernel-compatible activations folded, their scale in ``bias`` and ``resp``); ``bias``, ``resp``:
            (P, E) float64.
        src: (P, C) int32 source slot of each connection; ``weight``: (P, C) float64.
        n_eval: (P,) int32 computed nodes; ``n_slots``: (P,) int32 slots used; ``max_slots``: width of a state.
        n_in, n_out: network inputs and outputs; recurrent: neat-python's RecurrentNetwork semantics.
    """

    node: np.ndarray
    ptr: np.ndarray
    act: np.ndarray
    agg: np.ndarray
    bias: np.ndarray
    resp: np.ndarray
    src: np.ndarray
    weight: np.ndarray
    n_eval: np.ndarray
    n_slots: np.ndarray
    n_in: int
    n_out: int
    recurrent: bool

    @property
    def size(self) -> int:
        return len(self.n_eval)

    @property
    def max_slots(self) -> int:
        return int(self.n_slots.max()) if self.size else self.n_in + self.n_out

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              np.ndarray, np.ndarray]:
        """The arrays in kernel argument order (node, ptr, act, agg, bias, resp, src, weight, n_eval)."""
        return self.node, self.ptr, self.act, self.agg, self.bias, self.resp, self.src, self.weight, self.n_eval

    def take(self, index: slice | np.ndarray) -> "NEATProgram":
        """The program of genomes ``index`` (a slice or index array)."""
        node, ptr, act, agg, bias, resp, src, weight, n_eval, n_slots = (
            np.ascontiguousarray(getattr(self, f)[index]) for f in _FIELDS)
        return NEATProgram(node, ptr, act, agg, bias, resp, src, weight, n_eval, n_slots, self.n_in, self.n_out,
                           self.recurrent)


def _required(conns: list[tuple[int, int]], outputs: list[int], inputs: set[int]) -> set[int]:
    """Nodes whose value an output needs (neat-python's ``required_for_output``)."""
    required, frontier = set(outputs), set(outputs)
    preds: dict[int, list[int]] = {}
    for a, b in conns:
        preds.setdefault(b, []).append(a)
    while frontier:
        nxt = {a for b in frontier for a in preds.get(b, ()) if a not in inputs and a not in required}
        required |= nxt
        frontier = nxt
    return required


def _plan(g: Genome, n_in: int, n_out: int,
          recurrent: bool) -> tuple[dict[int, int], list[int], dict[int, list[tuple[int, float]]]]:
    """(slots of each node key, computed node keys in order, their incoming (source key, weight) lists)."""
    inputs = set(range(-n_in, 0))
    outputs = list(range(n_out))
    enabled = [(k, c[WEIGHT]) for k, c in g.conns.items() if c[ENABLED]]
    keys = [k for k, _ in enabled]
    incoming: dict[int, list[tuple[int, float]]] = {}
    slot = {-i - 1: i for i in range(n_in)}
    slot.update({k: n_in + k for k in outputs})
    for k in g.nodes:
        if k not in slot:
            slot[k] = len(slot)
    if recurrent:
        required = _required([k for k in g.conns], outputs, inputs)
        order = []
        for (a, b), w in enabled:
            if b in required or a in required:
                if b not in incoming:
                    incoming[b] = []
                    order.append(b)
                incoming[b].append((a, w))
        return slot, order, incoming
    required = _required(keys, outputs, inputs)
    for (a, b), w in enabled:
        if b in required and (a in required or a in inputs):
            incoming.setdefault(b, []).append((a, w))
    # topological order (Kahn) of the required nodes over their incoming connections
    indeg = {n: sum(1 for a, _ in incoming.get(n, ()) if a not in inputs) for n in required}
    succ: dict[int, list[int]] = {}
    for b, lst in incoming.items():
        for a, _ in lst:
            if a not in inputs:
                succ.setdefault(a, []).append(b)
    ready = sorted(n for n, d in indeg.items() if d == 0)
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in succ.get(n, ()):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    if len(order) != len(required):
        raise ValueError(f"genome {g.key} is not feed-forward (a cycle among its enabled connections)")
    return slot, order, incoming


def _fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """(code, input scale) of each NEAT activation code in a compiled program (see ``functions``)."""
    n = len(ACTIVATIONS)
    code, scale = np.arange(n, dtype=np.int32), np.ones(n)
    for a, (c, k) in KERNEL_ACTIVATIONS.items():
        code[a], scale[a] = c + KERNEL, k
    return code, scale


_FOLD_CODE, _FOLD_SCALE = _fold_tables()


def _pack(genomes: list[Genome], n_in: int, n_out: int) -> tuple[np.ndarray, ...]:
    """The genes of ``genomes`` as padded arrays over node *slots* (inputs, outputs, hidden nodes in the
    genome's order) and connections in the genome's order (the order a node sums its inputs in)."""
    P = len(genomes)
    S = n_in + max([len(g.nodes) for g in genomes] + [n_out])
    C = max([len(g.conns) for g in genomes] + [1])
    skey = np.zeros((P, S), np.int64)
    sattr = np.zeros((P, S, 4))
    nslot = np.zeros(P, np.int64)
    csrc, cdst = np.zeros((P, C), np.int64), np.zeros((P, C), np.int64)
    cw, cen = np.zeros((P, C)), np.zeros((P, C), np.bool_)
    nc = np.zeros(P, np.int64)
    for p, g in enumerate(genomes):
        hidden: dict[int, int] = {}
        j = n_in + n_out
        for k, v in g.nodes.items():
            if k < n_out:
                sl = n_in + k
            else:
                sl = hidden[k] = j
                j += 1
            skey[p, sl] = k
            sattr[p, sl] = v
        nslot[p] = j
        nc[p] = len(g.conns)
        for c, ((a, b), gene) in enumerate(g.conns.items()):
            csrc[p, c] = -a - 1 if a < 0 else (n_in + a if a < n_out else hidden[a])
            cdst[p, c] = n_in + b if b < n_out else hidden[b]
            cw[p, c], cen[p, c] = gene[WEIGHT], gene[ENABLED]
    skey[:, :n_in] = -np.arange(1, n_in + 1)
    return skey, sattr, nslot, csrc, cdst, cw, cen, nc


@numba.njit(cache=True)
def _plan_all(n_in, n_out, recurrent, skey, sattr, nslot, csrc, cdst, cw, cen, nc, fold_code, fold_scale,
              node, ptr, act, agg, bias, resp, src, weight, n_eval):
    """Fill the program arrays of every genome (the semantics of :func:`_plan`); returns the index of the
    first feed-forward genome with a cycle among its enabled connections, or -1."""
    for p in range(nslot.shape[0]):
        S, m = nslot[p], nc[p]
        req = np.zeros(S, np.bool_)
        for k in range(n_out):
            req[n_in + k] = True
        changed = True
        while changed:  # nodes an output needs (all connections when recurrent, as neat-python)
            changed = False
            for c in range(m):
                a, b = csrc[p, c], cdst[p, c]
                if (recurrent or cen[p, c]) and req[b] and a >= n_in and not req[a]:
                    req[a] = True
                    changed = True
        order = np.empty(S, np.int64)
        n = 0
        if recurrent:  # nodes by first enabled connection into them that touches a required node
            seen = np.zeros(S, np.bool_)
            for c in range(m):
                a, b = csrc[p, c], cdst[p, c]
                if cen[p, c] and (req[a] or req[b]) and not seen[b]:
                    seen[b] = True
                    order[n] = b
                    n += 1
        else:  # Kahn's topological order of the required nodes, the ready ones by key first
            indeg = np.zeros(S, np.int64)
            for c in range(m):
                a, b = csrc[p, c], cdst[p, c]
                if cen[p, c] and req[b] and a >= n_in and req[a]:
                    indeg[b] += 1
            n_req = 0
            keys = np.empty(S, np.int64)
            cand = np.empty(S, np.int64)
            k0 = 0
            for v in range(S):
                if req[v]:
                    n_req += 1
                    if indeg[v] == 0:
                        cand[k0] = v
                        keys[k0] = skey[p, v]
                        k0 += 1
            first = np.argsort(keys[:k0], kind="mergesort")
            for t in range(k0):
                order[t] = cand[first[t]]
            n = k0
            head = 0
            while head < n:
                v = order[head]
                head += 1
                for c in range(m):
                    a, b = csrc[p, c], cdst[p, c]
                    if a == v and cen[p, c] and req[b]:
                        indeg[b] -= 1
                        if indeg[b] == 0:
                            order[n] = b
                            n += 1
            if n != n_req:
                return p
        cc = 0
        for j in range(n):
            v = order[j]
            code = int(sattr[p, v, 2])
            scale = fold_scale[code]
            node[p, j], act[p, j], agg[p, j] = v, fold_code[code], int(sattr[p, v, 3])
            bias[p, j], resp[p, j] = scale * sattr[p, v, 0], scale * sattr[p, v, 1]
            ptr[p, j] = cc
            for c in range(m):
                a, b = csrc[p, c], cdst[p, c]
                if b == v and cen[p, c] and ((req[a] or req[b]) if recurrent else (req[a] or a < n_in)):
                    src[p, cc], weight[p, cc] = a, cw[p, c]
                    cc += 1
        for j in range(n, ptr.shape[1]):
            ptr[p, j] = cc
        n_eval[p] = n
    return -1


def compile_genomes(genomes: list[Genome], n_in: int, n_out: int, recurrent: bool = False) -> NEATProgram:
    """Compile ``genomes`` to one padded :class:`NEATProgram` (packed in one pass, planned in Numba).

    Raises:
        ValueError: if ``recurrent`` is False and a genome has a cycle among its enabled connections.
    """
    skey, sattr, nslot, csrc, cdst, cw, cen, nc = _pack(genomes, n_in, n_out)
    P, S = skey.shape
    E, C = max(S - n_in, 1), csrc.shape[1]
    node, act, agg = np.zeros((P, E), np.int32), np.zeros((P, E), np.int32), np.zeros((P, E), np.int32)
    ptr = np.zeros((P, E + 1), np.int32)
    bias, resp = np.zeros((P, E)), np.zeros((P, E))
    src, weight = np.zeros((P, C), np.int32), np.zeros((P, C))
    n_eval = np.zeros(P, np.int32)
    bad = _plan_all(n_in, n_out, bool(recurrent), skey, sattr, nslot, csrc, cdst, cw, cen, nc, _FOLD_CODE,
                    _FOLD_SCALE, node, ptr, act, agg, bias, resp, src, weight, n_eval)
    if bad >= 0:
        raise ValueError(f"genome {genomes[bad].key} is not feed-forward (a cycle among its enabled connections)")
    e = max(int(n_eval.max()) if P else 0, 1)
    c = max(int(ptr[:, -1].max()) if P else 0, 1)
    cut = lambda a, w: np.ascontiguousarray(a[:, :w])  # noqa: E731
    return NEATProgram(cut(node, e), cut(ptr, e + 1), cut(act, e), cut(agg, e), cut(bias, e), cut(resp, e),
                       cut(src, c), cut(weight, c), n_eval, nslot.astype(np.int32), n_in, n_out, recurrent)


def compile_genomes_python(genomes: list[Genome], n_in: int, n_out: int, recurrent: bool = False) -> NEATProgram:
    """:func:`compile_genomes` genome by genome in Python (the reference the tests compare it with).

    Raises:
        ValueError: if ``recurrent`` is False and a genome has a cycle among its enabled connections.
    """
    plans = [_plan(g, n_in, n_out, recurrent) for g in genomes]
    P = len(genomes)
    E = max([len(o) for _, o, _ in plans] + [1])
    C = max([sum(len(inc[n]) if n in inc else 0 for n in o) for _, o, inc in plans] + [1])
    node = np.zeros((P, E), np.int32)
    ptr = np.zeros((P, E + 1), np.int32)
    act, agg = np.zeros((P, E), np.int32), np.zeros((P, E), np.int32)
    bias, resp = np.zeros((P, E)), np.zeros((P, E))
    src, weight = np.zeros((P, C), np.int32), np.zeros((P, C))
    n_eval, n_slots = np.zeros(P, np.int32), np.zeros(P, np.int32)
    for p, (g, (slot, order, incoming)) in enumerate(zip(genomes, plans)):
        c = 0
        for j, n in enumerate(order):
            gene = g.nodes[n]
            code, scale = KERNEL_ACTIVATIONS.get(gene[ACT], (gene[ACT] - KERNEL, 1.0))
            node[p, j], act[p, j], agg[p, j] = slot[n], code + KERNEL, gene[AGG]
            bias[p, j], resp[p, j] = scale * gene[BIAS], scale * gene[RESPONSE]
            ptr[p, j] = c
            for a, w in incoming.get(n, ()):
                src[p, c], weight[p, c] = slot[a], w
                c += 1
        ptr[p, len(order):] = c
        n_eval[p], n_slots[p] = len(order), len(slot)
    return NEATProgram(node, ptr, act, agg, bias, resp, src, weight, n_eval, n_slots, n_in, n_out, recurrent)


@numba.njit(cache=True)
def neat_step(node, ptr, act, agg, bias, resp, src, weight, n_eval, p, obs, state, scratch, recurrent, out):
    """One activation of genome ``p``: ``obs`` (n_in,) -> ``out`` (n_out,), both float64.

    ``state`` (>= n_slots,) float64 holds the node values: for a recurrent genome it carries them from step
    to step (zero it to reset); ``scratch`` (>= n_slots + max fan-in,) float64 is work space.
    """
    n_in, n_out = obs.shape[0], out.shape[0]
    ne = n_eval[p]
    for i in range(n_in):
        state[i] = obs[i]
    values = state
    if recurrent:  # new values from the old ones, into scratch, then copied back
        values = scratch
        for i in range(n_in):
            scratch[i] = obs[i]
    buf = scratch[state.shape[0]:] if recurrent else scratch
    for j in range(ne):
        a, b = ptr[p, j], ptr[p, j + 1]
        code = agg[p, j]
        if code == 0:
            s = 0.0
            for c in range(a, b):
                s = fma(state[src[p, c]], weight[p, c], s)
        else:
            for c in range(a, b):
                buf[c - a] = state[src[p, c]] * weight[p, c]
            s = aggregate(buf, b - a, code)
        values[node[p, j]] = activate(fma(resp[p, j], s, bias[p, j]), act[p, j])
    if recurrent:
        for j in range(ne):
            state[node[p, j]] = scratch[node[p, j]]
    for k in range(n_out):
        out[k] = state[n_in + k]


@numba.njit(cache=True)
def _population_outputs(node, ptr, act, agg, bias, resp, src, weight, n_eval, n_slots, X, n_out, recurrent):
    P, B = n_eval.shape[0], X.shape[0]
    width = n_slots.max() if P else X.shape[1] + n_out
    res = np.zeros((P, B, n_out))
    state = np.zeros(width)
    scratch = np.zeros(2 * width + src.shape[1])
    for p in range(P):
        state[:] = 0.0
        for t in range(B):
            neat_step(node, ptr, act, agg, bias, resp, src, weight, n_eval, p, X[t], state, scratch, recurrent,
                      res[p, t])
    return res


def population_outputs(program: NEATProgram, X: np.ndarray) -> np.ndarray:
    """Outputs of every compiled genome on the rows of ``X``.

    Args:
        program: P compiled genomes.
        X: (B, n_in) inputs. Feed-forward: B independent inputs. Recurrent: a sequence of B steps from a
            zero state.

    Returns:
        (P, B, n_out) float64. Raises ValueError if X is not (B, n_in).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != program.n_in:
        raise ValueError(f"inputs must have shape (B, {program.n_in}), got {X.shape}")
    return _population_outputs(*program.arrays(), program.n_slots, X, program.n_out, program.recurrent)


class NEATNetwork:
    """A NEAT genome as a callable network, like :class:`neuroevo.network.Network`.

    Args:
        genome: the genome; n_in, n_out: network inputs and outputs; recurrent: neat-python's
            RecurrentNetwork semantics (the state persists between calls; :meth:`reset` zeroes it).

    Calling it on an (n_in,) observation gives (n_out,) float64 outputs; on (B, n_in) it gives (B, n_out):
    independent rows for a feed-forward network, B successive steps for a recurrent one.
    """

    def __init__(self, genome: Genome, n_in: int, n_out: int, recurrent: bool = False):
        self.genome = genome
        self.program = compile_genomes([genome], n_in, n_out, recurrent)
        self.n_in, self.n_out, self.recurrent = n_in, n_out, recurrent
        width = self.program.max_slots
        self._state = np.zeros(width)
        self._scratch = np.zeros(2 * width + self.program.src.shape[1])

    def reset(self) -> None:
        self._state[:] = 0.0

    def __call__(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1:] != (self.n_in,) or x.ndim > 2:
            raise ValueError(f"NEAT network input must have shape ({self.n_in},) or (B, {self.n_in}), "
                             f"got {x.shape}")
        rows = np.ascontiguousarray(x.reshape(-1, self.n_in))
        out = np.zeros((len(rows), self.n_out))
        arrays = self.program.arrays()
        for t in range(len(rows)):
            if not self.recurrent:
                self._state[:] = 0.0
            neat_step(*arrays, 0, rows[t], self._state, self._scratch, self.recurrent, out[t])
        return out[0] if x.ndim == 1 else out
