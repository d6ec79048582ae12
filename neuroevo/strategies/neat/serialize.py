"""NEAT genomes <-> flat arrays (for ``.npz`` checkpoints and saved agents; never pickle).

A list of genomes becomes CSR-style arrays: ``{prefix}key``, ``{prefix}fitness`` (P,) per genome;
``{prefix}node_offsets`` (P + 1,) and ``node_key``/``node_bias``/``node_resp``/``node_act``/``node_agg`` per
node gene; ``{prefix}conn_offsets`` (P + 1,) and ``conn_src``/``conn_dst``/``conn_innov``/``conn_weight``/
``conn_enabled`` per connection gene. Gene order is kept, so a restored population mutates exactly as the
original would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neuroevo.strategies.neat.genome import Genome

_NODE = ("node_key", "node_bias", "node_resp", "node_act", "node_agg")
_CONN = ("conn_src", "conn_dst", "conn_innov", "conn_weight", "conn_enabled")


def genomes_to_arrays(genomes: list[Genome], prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays of ``genomes`` (see the module docstring); a missing fitness is NaN."""
    nodes = [(k, *v) for g in genomes for k, v in g.nodes.items()]
    conns = [(a, b, *v) for g in genomes for (a, b), v in g.conns.items()]
    out = {
        "key": np.array([g.key for g in genomes], np.int64),
        "fitness": np.array([np.nan if g.fitness is None else g.fitness for g in genomes], np.float64),
        "node_offsets": np.cumsum([0] + [len(g.nodes) for g in genomes]).astype(np.int64),
        "conn_offsets": np.cumsum([0] + [len(g.conns) for g in genomes]).astype(np.int64),
    }
    cols: list[Sequence[object]] = list(zip(*nodes)) if nodes else [[]] * 5
    for name, col, dt in zip(_NODE, cols, (np.int64, np.float64, np.float64, np.int32, np.int32)):
        out[name] = np.array(col, dt)
    cols = list(zip(*conns)) if conns else [[]] * 5
    for name, col, dtype in zip(_CONN, cols, (np.int64, np.int64, np.int64, np.float64, np.bool_)):
        out[name] = np.array(col, dtype)
    return {prefix + k: v for k, v in out.items()}


def arrays_to_genomes(arrays: dict, prefix: str = "") -> list[Genome]:
    """The genomes of :func:`genomes_to_arrays`. Raises ValueError on inconsistent arrays."""
    a = {k[len(prefix):]: np.asarray(v) for k, v in arrays.items() if k.startswith(prefix)}
    try:
        keys, fit, no, co = a["key"], a["fitness"], a["node_offsets"], a["conn_offsets"]
        node_cols = [a[n].tolist() for n in _NODE]
        conn_cols = [a[n].tolist() for n in _CONN]
    except KeyError as e:
        raise ValueError(f"NEAT genome arrays lack {prefix}{e.args[0]}") from None
    P = len(keys)
    if len(no) != P + 1 or len(co) != P + 1 or no[-1] != len(node_cols[0]) or co[-1] != len(conn_cols[0]) \
            or len(fit) != P:
        raise ValueError("NEAT genome arrays are inconsistent (offsets do not match the genes)")
    out = []
    for p in range(P):
        nodes = {int(node_cols[0][i]): [float(node_cols[1][i]), float(node_cols[2][i]), int(node_cols[3][i]),
                                        int(node_cols[4][i])] for i in range(no[p], no[p + 1])}
        conns = {(int(conn_cols[0][i]), int(conn_cols[1][i])): [int(conn_cols[2][i]), float(conn_cols[3][i]),
                                                                bool(conn_cols[4][i])]
                 for i in range(co[p], co[p + 1])}
        f = float(fit[p])
        out.append(Genome(int(keys[p]), nodes, conns, None if np.isnan(f) else f))
    return out
