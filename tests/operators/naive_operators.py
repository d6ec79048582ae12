"""Plain-Python reference versions of the genetic operators (STUMPY's naive.py style).

Each reference draws from ``rng`` exactly what the real operator draws, in the same order, then does the
rest with explicit loops; the tests compare the two bit for bit on the same seed. The genome layout is
recomputed here from ``spec.sizes`` alone, independently of ``NetworkSpec.layer_ids`` / ``node_ids``.
"""

import numpy as np


def proportional_weights(f):
    lo = min(f)
    assert all(abs(x) < float("inf") for x in f)
    w = [x - lo for x in f] if lo < 0 else list(f)
    return w if sum(w) > 0 else [1.0] * len(f)


def spin(weights, point):
    """Index of the wheel slot holding ``point`` in [0, 1) (fraction of the total)."""
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    x = point * acc
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(weights) - 1


def roulette(f, n, rng):
    w = proportional_weights(list(f))
    return np.array([spin(w, u) for u in rng.random(n)], dtype=np.int64)


def sus(f, n, rng):
    w = proportional_weights(list(f))
    start = rng.random()
    picks = np.array([spin(w, (start + k) / max(n, 1)) for k in range(n)], dtype=np.int64)
    return rng.permutation(picks)


def tournament(f, n, rng, k):
    draws = rng.integers(0, len(f), size=(n, k))
    out = []
    for row in draws:
        best = row[0]
        for j in row[1:]:
            if f[j] > f[best] or (f[j] == f[best] and j < best):
                best = j
        out.append(best)
    return np.array(out, dtype=np.int64)


def rank(f, n, rng):
    order = sorted(range(len(f)), key=lambda i: (f[i], i))  # ascending, ties by index
    ranks = [0.0] * len(f)
    for r, i in enumerate(order):
        ranks[i] = float(r + 1)
    return np.array([spin(ranks, u) for u in rng.random(n)], dtype=np.int64)


def truncation(f, n, rng, fraction):
    order = sorted(range(len(f)), key=lambda i: (-f[i], i))  # best first, ties by index
    top = order[: max(1, round(fraction * len(f)))]
    return np.array([top[j] for j in rng.integers(0, len(top), size=n)], dtype=np.int64)


def units(spec, kind):
    """(n_params,) list: the unit of each parameter, walking the layout W_l (n_in, n_out) then b_l."""
    out, layer_first, neuron_first = [], 0, 0
    for layer, (n_in, n_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
        for i in range(n_in):
            for j in range(n_out):
                out.append(layer if kind == "layer" else neuron_first + j)
        for j in range(n_out):
            out.append(layer if kind == "layer" else neuron_first + j)
        neuron_first += n_out
    return out


def crossover(kind, a, b, spec, rng):
    ca, cb = a.copy(), b.copy()
    if kind == "none":
        return ca, cb
    ids = list(range(spec.n_params)) if kind == "uniform" else units(spec, kind)
    coin = rng.random((a.shape[0], max(ids) + 1)) < 0.5
    for m in range(a.shape[0]):
        for p in range(spec.n_params):
            if coin[m, ids[p]]:
                ca[m, p], cb[m, p] = b[m, p], a[m, p]
    return ca, cb


def mutation(kind, genomes, rate, scale, spec, rng):
    g = genomes.copy()
    mask = rng.random(g.shape) < rate
    count = int(mask.sum())
    draws = {"uniform": lambda: rng.uniform(-scale, scale, count),
             "gaussian": lambda: rng.normal(0.0, scale, count),
             "reset": lambda: rng.uniform(-1.0, 1.0, count),
             "sign_flip": lambda: None}[kind]()
    limits = spec.init_limits
    k = 0
    for m in range(g.shape[0]):
        for p in range(g.shape[1]):
            if not mask[m, p]:
                continue
            if kind in ("uniform", "gaussian"):
                g[m, p] += draws[k]
            elif kind == "reset":
                g[m, p] = draws[k] * limits[p]
            else:
                g[m, p] = -g[m, p]
            k += 1
    return g
