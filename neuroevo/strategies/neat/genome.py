"""NEAT genomes: node and connection genes, their mutations, crossover and compatibility distance.

The algorithm is Stanley & Miikkulainen (2002), "Evolving Neural Networks through Augmenting Topologies",
Evolutionary Computation 10(2); the gene attributes, mutation rates and their order follow neat-python 2.x
(``genome.py``, ``genes.py``, ``attributes.py``), so its config files mean the same here.

Node keys follow neat-python: inputs are -1..-n_in, outputs 0..n_out-1, hidden nodes get ids from the
:class:`~neuroevo.strategies.neat.innovations.InnovationTracker`. Randomness comes from the ``rng``
(a NumPy Generator) passed in; nothing here touches global random state.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from neuroevo.strategies.neat.config import NEATConfig
from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS
from neuroevo.strategies.neat.innovations import InnovationTracker

# node gene: [bias, response, activation code, aggregation code]; connection gene: [innovation, weight, enabled]
BIAS, RESPONSE, ACT, AGG = 0, 1, 2, 3
INNOV, WEIGHT, ENABLED = 0, 1, 2


class Genome:
    """One NEAT genome.

    Attributes:
        key: genome id (unique within a run; ties in fitness are broken by it, as in neat-python).
        nodes: node key -> [bias, response, activation code, aggregation code] for outputs and hidden nodes.
        conns: (source key, target key) -> [innovation, weight, enabled].
        fitness: the last fitness given (None before evaluation).
    """

    __slots__ = ("key", "nodes", "conns", "fitness")

    def __init__(self, key: int, nodes: dict | None = None, conns: dict | None = None,
                 fitness: float | None = None):
        self.key = int(key)
        self.nodes: dict[int, list] = nodes if nodes is not None else {}
        self.conns: dict[tuple[int, int], list] = conns if conns is not None else {}
        self.fitness = fitness

    def copy(self, key: int | None = None) -> "Genome":
        return Genome(self.key if key is None else key, {k: list(v) for k, v in self.nodes.items()},
                      {k: list(v) for k, v in self.conns.items()}, self.fitness)

    def size(self) -> tuple[int, int]:
        """(nodes, enabled connections), as neat-python's ``size``."""
        return len(self.nodes), sum(1 for c in self.conns.values() if c[ENABLED])

    def __repr__(self):
        return f"Genome(key={self.key}, nodes={len(self.nodes)}, conns={len(self.conns)}, fitness={self.fitness})"


# ---------------------------------------------------------------- attributes (neat-python's attributes.py)

def _attr(name: str, cfg: NEATConfig) -> tuple:
    """(init_mean, init_stdev, uniform?, mutate_rate, mutate_power, replace_rate, lo, hi) of attribute ``name``."""
    g = cfg.genome
    return (getattr(g, f"{name}_init_mean"), getattr(g, f"{name}_init_stdev"),
            "uniform" in getattr(g, f"{name}_init_type").lower(), getattr(g, f"{name}_mutate_rate"),
            getattr(g, f"{name}_mutate_power"), getattr(g, f"{name}_replace_rate"),
            getattr(g, f"{name}_min_value"), getattr(g, f"{name}_max_value"))


def _init(a: tuple, rng: np.random.Generator) -> float:
    mean, stdev, uniform, _, _, _, lo, hi = a
    if uniform:
        return float(rng.uniform(max(lo, mean - 2 * stdev), min(hi, mean + 2 * stdev)))
    return max(min(float(mean + stdev * rng.standard_normal()), hi), lo)


def _mutate(v: float, a: tuple, rng: np.random.Generator) -> float:
    rate, power, replace, lo, hi = a[3], a[4], a[5], a[6], a[7]
    r = rng.random()
    if r < rate:
        return max(min(v + power * float(rng.standard_normal()), hi), lo)
    if r < rate + replace:
        return _init(a, rng)
    return v


def init_float(name: str, cfg: NEATConfig, rng: np.random.Generator) -> float:
    """A new value of float attribute ``name`` (bias, response, weight): gaussian (clamped) or uniform."""
    return _init(_attr(name, cfg), rng)


def mutate_float(v: float, name: str, cfg: NEATConfig, rng: np.random.Generator) -> float:
    """Perturb (``mutate_rate``, gaussian of ``mutate_power``, clamped), replace (``replace_rate``) or keep ``v``."""
    return _mutate(v, _attr(name, cfg), rng)


def _init_choice(name: str, cfg: NEATConfig, rng: np.random.Generator) -> int:
    table = ACTIVATIONS if name == "activation" else AGGREGATIONS
    default = getattr(cfg.genome, f"{name}_default")
    if default.lower() in ("random", "none"):
        opts = getattr(cfg, f"{name}_options")()
        return table[opts[int(rng.integers(len(opts)))]]
    return table[default]


def _mutate_choice(code: int, name: str, cfg: NEATConfig, rng: np.random.Generator) -> int:
    rate = getattr(cfg.genome, f"{name}_mutate_rate")
    if rate > 0 and rng.random() < rate:
        table = ACTIVATIONS if name == "activation" else AGGREGATIONS
        opts = getattr(cfg, f"{name}_options")()
        return table[opts[int(rng.integers(len(opts)))]]
    return code


def new_node(cfg: NEATConfig, rng: np.random.Generator) -> list:
    return [init_float("bias", cfg, rng), init_float("response", cfg, rng), _init_choice("activation", cfg, rng),
            _init_choice("aggregation", cfg, rng)]


def _init_enabled(cfg: NEATConfig, rng: np.random.Generator) -> bool:
    d = cfg.genome.enabled_default.lower()
    if d in ("random", "none"):
        return bool(rng.random() < 0.5)
    return d in ("1", "on", "yes", "true")


def new_conn(innovation: int, cfg: NEATConfig, rng: np.random.Generator) -> list:
    return [innovation, init_float("weight", cfg, rng), _init_enabled(cfg, rng)]


# ---------------------------------------------------------------- the first genomes

def input_keys(cfg: NEATConfig) -> list[int]:
    return [-i - 1 for i in range(cfg.genome.num_inputs)]


def output_keys(cfg: NEATConfig) -> list[int]:
    return list(range(cfg.genome.num_outputs))


def _initial_pairs(cfg: NEATConfig, hidden: list[int], direct: bool) -> list[tuple[int, int]]:
    """neat-python's ``compute_full_connections``."""
    ins, outs = input_keys(cfg), output_keys(cfg)
    pairs = []
    if hidden:
        pairs += [(i, h) for i in ins for h in hidden] + [(h, o) for h in hidden for o in outs]
    if direct or not hidden:
        pairs += [(i, o) for i in ins for o in outs]
    if not cfg.genome.feed_forward:
        pairs += [(n, n) for n in outs + hidden]
    return pairs


def initial_genome(key: int, cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker) -> Genome:
    """A genome of the first generation, connected as ``initial_connection`` says (neat-python's
    ``configure_new``). Every first genome has the same hidden node ids and the same innovation numbers
    for the same connection, so they line up in crossover from the start."""
    g = Genome(key)
    outs = output_keys(cfg)
    hidden = list(range(cfg.genome.num_outputs, cfg.genome.num_outputs + cfg.genome.num_hidden))
    tracker.next_node = max(tracker.next_node, cfg.genome.num_outputs + cfg.genome.num_hidden)
    for n in outs + hidden:
        g.nodes[n] = new_node(cfg, rng)
    kind = cfg.initial_connection_kind
    if kind.startswith("fs_neat"):
        src = input_keys(cfg)[int(rng.integers(cfg.genome.num_inputs))]
        targets = outs + hidden if kind == "fs_neat_hidden" else outs
        pairs = [(src, t) for t in targets]
    elif kind.startswith("full") or kind.startswith("partial"):
        direct = kind.endswith("_direct") or (kind in ("full", "partial") and not hidden)
        pairs = _initial_pairs(cfg, hidden, direct)
        if kind.startswith("partial"):
            order = rng.permutation(len(pairs))
            keep = int(round(len(pairs) * cfg.connection_fraction))
            pairs = [pairs[i] for i in order[:keep]]
    else:
        pairs = []
    for src, dst in pairs:
        g.conns[(src, dst)] = new_conn(tracker.connection(src, dst), cfg, rng)
    return g


# ---------------------------------------------------------------- crossover

def crossover(parent1: Genome, parent2: Genome, key: int, rng: np.random.Generator) -> Genome:
    """An offspring of two evaluated parents (the paper, p. 108; neat-python's ``configure_crossover``).

    Genes are lined up by innovation number: a matching gene takes each attribute from either parent at
    random, and is disabled with probability 0.75 if either parent's copy is disabled; disjoint and excess
    genes come from the fitter parent (``parent2`` on a tie, like neat-python), so the offspring has the fitter
    parent's structure.
    """
    if parent1.fitness is None or parent2.fitness is None:
        raise ValueError(f"crossover needs evaluated parents (genomes {parent1.key} and {parent2.key})")
    if parent1.fitness > parent2.fitness:
        best, other = parent1, parent2
    else:
        best, other = parent2, parent1
    by_innov = {c[INNOV]: c for c in other.conns.values()}
    child = Genome(key)
    for k, c1 in best.conns.items():
        c2 = by_innov.get(c1[INNOV])
        if c2 is None:
            child.conns[k] = list(c1)
            continue
        w = c1[WEIGHT] if rng.random() > 0.5 else c2[WEIGHT]
        enabled = True
        if not (c1[ENABLED] and c2[ENABLED]):
            enabled = not rng.random() < 0.75
        child.conns[k] = [c1[INNOV], w, enabled]
    for node, n1 in best.nodes.items():
        n2 = other.nodes.get(node)
        child.nodes[node] = list(n1) if n2 is None else [a if rng.random() > 0.5 else b for a, b in zip(n1, n2)]
    return child


# ---------------------------------------------------------------- mutation

def creates_cycle(conns: Iterable[tuple[int, int]], src: int, dst: int) -> bool:
    """Whether adding ``src -> dst`` to the (acyclic) connections ``conns`` makes a cycle."""
    if src == dst:
        return True
    succ: dict[int, list[int]] = {}
    for a, b in conns:
        succ.setdefault(a, []).append(b)
    seen, stack = {dst}, [dst]
    while stack:
        for nxt in succ.get(stack.pop(), ()):
            if nxt == src:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def mutate(g: Genome, cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker) -> None:
    """Mutate ``g`` in place: structural mutations, then every connection's weight and enabled flag, then
    every node's bias, response, activation and aggregation (neat-python's ``DefaultGenome.mutate``)."""
    gc = cfg.genome
    if gc.mutation_mode == "paper":
        _mutate_paper(g, cfg, rng, tracker)
        return
    if gc.single_structural_mutation:
        probs = (gc.node_add_prob, gc.node_delete_prob, gc.conn_add_prob, gc.conn_delete_prob)
        div = max(1.0, sum(probs))
        r, acc = rng.random(), 0.0
        for p, op in zip(probs, (add_node, delete_node, add_connection, delete_connection)):
            acc += p / div
            if r < acc:
                op(g, cfg, rng, tracker)
                break
    else:
        if rng.random() < gc.node_add_prob:
            add_node(g, cfg, rng, tracker)
        if rng.random() < gc.node_delete_prob:
            delete_node(g, cfg, rng, tracker)
        if rng.random() < gc.conn_add_prob:
            add_connection(g, cfg, rng, tracker)
        if rng.random() < gc.conn_delete_prob:
            delete_connection(g, cfg, rng, tracker)
    _mutate_attributes(g, cfg, rng)


def _mutate_paper(g: Genome, cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker) -> None:
    """The paper's scheme (NEAT 1.0's ``Genome::mutate``): an offspring gets an add-node mutation, or else an
    add-connection mutation, or else (with probability ``weight_mutate_genome_prob``) its weights and biases
    mutated gene by gene."""
    gc = cfg.genome
    r = rng.random()
    if r < gc.node_add_prob:
        add_node(g, cfg, rng, tracker)
    elif r < gc.node_add_prob + gc.conn_add_prob:
        add_connection(g, cfg, rng, tracker)
    elif rng.random() < gc.weight_mutate_genome_prob:
        _mutate_attributes(g, cfg, rng)


def _mutate_attributes(g: Genome, cfg: NEATConfig, rng: np.random.Generator) -> None:
    gc = cfg.genome
    to_true, to_false, en_rate = gc.enabled_rate_to_true_add, gc.enabled_rate_to_false_add, gc.enabled_mutate_rate
    weight, bias, response = _attr("weight", cfg), _attr("bias", cfg), _attr("response", cfg)
    for c in g.conns.values():
        c[WEIGHT] = _mutate(c[WEIGHT], weight, rng)
        rate = en_rate + (to_false if c[ENABLED] else to_true)
        if rate > 0 and rng.random() < rate:
            c[ENABLED] = bool(rng.random() < 0.5)
    act, agg = gc.activation_mutate_rate > 0, gc.aggregation_mutate_rate > 0
    for n in g.nodes.values():
        n[BIAS] = _mutate(n[BIAS], bias, rng)
        n[RESPONSE] = _mutate(n[RESPONSE], response, rng)
        if act:
            n[ACT] = _mutate_choice(n[ACT], "activation", cfg, rng)
        if agg:
            n[AGG] = _mutate_choice(n[AGG], "aggregation", cfg, rng)


def add_node(g: Genome, cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker) -> None:
    """Split an enabled connection ``a -> b`` into ``a -> new`` (weight 1) and ``new -> b`` (the old weight);
    the old connection is disabled and the new node starts with bias 0 (the paper, p. 107)."""
    enabled = [k for k, c in g.conns.items() if c[ENABLED]]
    if not enabled:
        if not g.conns and cfg.structural_surer:
            add_connection(g, cfg, rng, tracker)
        return
    src, dst = enabled[int(rng.integers(len(enabled)))]
    old = g.conns[(src, dst)]
    node, inn_in, inn_out = tracker.split(old[INNOV])
    if node in g.nodes:  # this genome already split this connection this generation (cannot happen twice)
        return
    old[ENABLED] = False
    gene = new_node(cfg, rng)
    gene[BIAS] = 0.0
    g.nodes[node] = gene
    c_in, c_out = new_conn(inn_in, cfg, rng), new_conn(inn_out, cfg, rng)
    c_in[WEIGHT], c_in[ENABLED] = 1.0, True
    c_out[WEIGHT], c_out[ENABLED] = old[WEIGHT], True
    g.conns[(src, node)] = c_in
    g.conns[(node, dst)] = c_out


def add_connection(g: Genome, cfg: NEATConfig, rng: np.random.Generator, tracker: InnovationTracker) -> None:
    """Connect a random source (input or non-output node) to a random target node, unless the connection
    exists (then it is re-enabled if ``structural_mutation_surer``), joins two outputs, or (feed-forward)
    makes a cycle."""
    targets = list(g.nodes)
    outs = set(output_keys(cfg))
    sources = input_keys(cfg) + [n for n in g.nodes if n not in outs]
    dst = targets[int(rng.integers(len(targets)))]
    src = sources[int(rng.integers(len(sources)))]
    if (src, dst) in g.conns:
        if cfg.structural_surer:
            g.conns[(src, dst)][ENABLED] = True
        return
    if src in outs and dst in outs:
        return
    if cfg.genome.feed_forward and creates_cycle(g.conns, src, dst):
        return
    g.conns[(src, dst)] = new_conn(tracker.connection(src, dst), cfg, rng)


def delete_node(g: Genome, cfg: NEATConfig, rng: np.random.Generator,
                tracker: InnovationTracker | None = None) -> None:
    """Remove a random hidden node and its connections."""
    outs = set(output_keys(cfg))
    hidden = [n for n in g.nodes if n not in outs]
    if not hidden:
        return
    node = hidden[int(rng.integers(len(hidden)))]
    for k in [k for k in g.conns if node in k]:
        del g.conns[k]
    del g.nodes[node]


def delete_connection(g: Genome, cfg: NEATConfig, rng: np.random.Generator,
                      tracker: InnovationTracker | None = None) -> None:
    """Remove a random connection."""
    if g.conns:
        keys = list(g.conns)
        del g.conns[keys[int(rng.integers(len(keys)))]]


# ---------------------------------------------------------------- compatibility distance

def distance(a: Genome, b: Genome, cfg: NEATConfig) -> float:
    """Compatibility distance of two genomes (>= 0).

    ``compatibility_mode = "paper"``: ``c1*E/N + c2*D/N + c3*W`` over connection genes (the paper, eq. 1): E
    excess and D disjoint genes by innovation number, W the mean weight difference of matching genes, N the
    larger genome's gene count (1 below 20 genes, as the paper allows). ``"neat-python"``: neat-python's
    ``DefaultGenome.distance`` — node genes too (with ``compatibility_include_node_genes``), attribute
    differences summed and divided by N, ``compatibility_enable_penalty`` for a differing enabled flag.
    """
    g = cfg.genome
    c_d, c_e, c_w = g.compatibility_disjoint_coefficient, cfg.excess_coefficient, g.compatibility_weight_coefficient
    ia = {c[INNOV]: c for c in a.conns.values()}
    ib = {c[INNOV]: c for c in b.conns.values()}
    n = max(len(ia), len(ib))
    conn_d = 0.0
    if n:
        max_a = max(ia) if ia else -1
        max_b = max(ib) if ib else -1
        cutoff = min(max_a, max_b)
        excess = disjoint = 0
        wsum, matching = 0.0, 0
        for k, c in ia.items():
            o = ib.get(k)
            if o is None:
                excess, disjoint = (excess + 1, disjoint) if k > cutoff else (excess, disjoint + 1)
            else:
                matching += 1
                wsum += abs(c[WEIGHT] - o[WEIGHT])
                if g.compatibility_mode != "paper" and c[ENABLED] != o[ENABLED]:
                    wsum += g.compatibility_enable_penalty
        for k in ib:
            if k not in ia:
                excess, disjoint = (excess + 1, disjoint) if k > cutoff else (excess, disjoint + 1)
        if g.compatibility_mode == "paper":
            big = n if n >= 20 else 1
            return (c_e * excess + c_d * disjoint) / big + (c_w * wsum / matching if matching else 0.0)
        conn_d = (c_w * wsum + c_e * excess + c_d * disjoint) / n
    if g.compatibility_mode == "paper":
        return 0.0
    node_d = 0.0
    if g.compatibility_include_node_genes and (a.nodes or b.nodes):
        dis, s = 0, 0.0
        for k, na in a.nodes.items():
            nb = b.nodes.get(k)
            if nb is None:
                dis += 1
            else:
                s += abs(na[BIAS] - nb[BIAS]) + abs(na[RESPONSE] - nb[RESPONSE])
                s += (na[ACT] != nb[ACT]) + (na[AGG] != nb[AGG])
        dis += sum(1 for k in b.nodes if k not in a.nodes)
        node_d = (c_w * s + c_d * dis) / max(len(a.nodes), len(b.nodes))
    return node_d + conn_d
