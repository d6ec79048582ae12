"""Slow, obviously-correct references for the NEAT kernels: one node at a time, in Python dicts."""

import math

from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS

_ACT = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, 5.0 * z)))),
    "tanh": lambda z: math.tanh(max(-60.0, min(60.0, 2.5 * z))),
    "relu": lambda z: max(z, 0.0),
    "identity": lambda z: z,
    "abs": abs,
    "square": lambda z: z * z,
    "clamped": lambda z: max(-1.0, min(1.0, z)),
    "gauss": lambda z: math.exp(-5.0 * max(-3.4, min(3.4, z)) ** 2),
}
_AGG = {
    "sum": lambda x: sum(x),
    "product": lambda x: math.prod(x),
    "max": lambda x: max(x) if x else 0.0,
    "min": lambda x: min(x) if x else 0.0,
    "mean": lambda x: sum(x) / len(x) if x else 0.0,
}
ACT_BY_CODE = {ACTIVATIONS[k]: f for k, f in _ACT.items()}
AGG_BY_CODE = {AGGREGATIONS[k]: f for k, f in _AGG.items()}


def _node(gene, xs):
    bias, resp, act, agg = gene
    return ACT_BY_CODE[act](bias + resp * AGG_BY_CODE[agg](xs))


def _needed(genome, outputs):
    """Nodes an output depends on through enabled connections (hidden and output keys)."""
    need, todo = set(), list(outputs)
    while todo:
        n = todo.pop()
        if n in need or n < 0:
            continue
        need.add(n)
        todo += [a for (a, b), c in genome.conns.items() if b == n and c[2]]
    return need


def feed_forward(genome, inputs, n_out):
    """Outputs of a feed-forward genome: compute any needed node whose sources are all known, until done."""
    values = {-i - 1: float(v) for i, v in enumerate(inputs)}
    need = _needed(genome, range(n_out))
    while need - set(values):
        for n in sorted(need - set(values)):
            srcs = [(a, c[1]) for (a, b), c in genome.conns.items() if b == n and c[2]]
            if all(a in values for a, _ in srcs):
                values[n] = _node(genome.nodes[n], [values[a] * w for a, w in srcs])
    return [values[k] for k in range(n_out)]


def recurrent(genome, sequence, n_out):
    """Outputs of a recurrent genome over a sequence of inputs: every node from the previous step's values
    (nodes without an enabled incoming connection stay 0)."""
    values = {}
    outs = []
    for inputs in sequence:
        prev = dict(values)
        prev.update({-i - 1: float(v) for i, v in enumerate(inputs)})
        new = dict(prev)
        for n, gene in genome.nodes.items():
            srcs = [(a, c[1]) for (a, b), c in genome.conns.items() if b == n and c[2]]
            if srcs:
                new[n] = _node(gene, [prev.get(a, 0.0) * w for a, w in srcs])
        values = new
        outs.append([values.get(k, 0.0) for k in range(n_out)])
    return outs
