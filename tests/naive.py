"""Slow, plain-NumPy reference versions of the project's kernels (STUMPY's tests/naive.py style)."""

import math

import numpy as np

NAIVE_ACT = {
    "linear": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
}


def forward(sizes, activations, genome, x):
    """y = act(x @ W + b) layer by layer, W (n_in, n_out) row-major then b, read straight from the genome."""
    off = 0
    h = np.asarray(x, dtype=np.float64)
    for n_in, n_out, act in zip(sizes[:-1], sizes[1:], activations):
        w = genome[off: off + n_in * n_out].reshape(n_in, n_out)
        b = genome[off + n_in * n_out: off + n_in * n_out + n_out]
        h = NAIVE_ACT[act](h @ w + b)
        off += n_in * n_out + n_out
    return h


def cartpole_step(state, action):
    """Gymnasium CartPole-v1's step written out in plain Python floats; returns (state, terminated)."""
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass, pml = masspole + masscart, masspole * length
    x, x_dot, theta, theta_dot = state
    force = force_mag if action == 1 else -force_mag
    c, s = math.cos(theta), math.sin(theta)
    temp = (force + pml * theta_dot**2 * s) / total_mass
    thetaacc = (gravity * s - c * temp) / (length * (4.0 / 3.0 - masspole * c**2 / total_mass))
    xacc = temp - pml * thetaacc * c / total_mass
    new = (x + tau * x_dot, x_dot + tau * xacc, theta + tau * theta_dot, theta_dot + tau * thetaacc)
    done = abs(new[0]) > 2.4 or abs(new[2]) > 12 * 2 * math.pi / 360
    return new, done


def recurrent_forward(sizes, activations, recurrent, genome, xs):
    """Outputs (T, n_out) of a layered network over the sequence ``xs`` (T, n_in), memory zero at t = 0.

    Layer l: ``h_t = act(x_t @ W + h_{t-1} @ U + b)`` with W (n_in, n_out), then U (n_out, n_out) for a
    recurrent layer, then b read straight from the genome (Elman 1990).
    """
    blocks, off = [], 0
    for n_in, n_out, rec in zip(sizes[:-1], sizes[1:], recurrent):
        w = genome[off: off + n_in * n_out].reshape(n_in, n_out)
        off += n_in * n_out
        u = None
        if rec:
            u = genome[off: off + n_out * n_out].reshape(n_out, n_out)
            off += n_out * n_out
        blocks.append((w, u, genome[off: off + n_out]))
        off += n_out
    memory = [np.zeros(b.shape[0]) for _, _, b in blocks]
    out = []
    for x in np.asarray(xs, dtype=np.float64):
        h = x
        for layer, ((w, u, b), act) in enumerate(zip(blocks, activations)):
            z = h @ w + b if u is None else h @ w + memory[layer] @ u + b
            h = NAIVE_ACT[act](z)
            memory[layer] = h
        out.append(h)
    return np.array(out)


def graph_step(n_in, nodes, outputs, values, x):
    """One step of a NEAT-style graph: ``nodes`` is the evaluation order of
    ``(node, act, bias, response, [(src, weight), ...])``; ``values`` (n_nodes,) persist between steps (zero
    at t = 0) and are updated in place, so a link from a node evaluated later reads last step's value."""
    values[:n_in] = x
    for node, act, bias, response, links in nodes:
        values[node] = NAIVE_ACT[act](bias + response * sum(w * values[s] for s, w in links))
    return values[list(outputs)].copy()


def double_pole_advance(state, u, poles=2):
    """One decision of double-pole balancing in plain Python floats, transcribed from the ``CartPole`` class
    of ``experiments.cpp`` (Stanley's NEAT): two RK4 steps of 0.01 s; returns (state list, failed)."""
    mup, g, mc, m1, l1, m2, l2, tau = 0.000002, -9.8, 1.0, 0.1, 0.5, 0.01, 0.05, 0.01

    def deriv(st):
        force = u * 10.0
        c1, s1, c2, s2 = math.cos(st[2]), math.sin(st[2]), math.cos(st[4]), math.sin(st[4])
        ml1, ml2 = l1 * m1, l2 * m2
        t1, t2 = mup * st[3] / ml1, mup * st[5] / ml2
        fi1 = (ml1 * st[3] * st[3] * s1) + (0.75 * m1 * c1 * (t1 + g * s1))
        fi2 = (ml2 * st[5] * st[5] * s2) + (0.75 * m2 * c2 * (t2 + g * s2)) if poles == 2 else 0.0
        mi1 = m1 * (1 - (0.75 * c1 * c1))
        mi2 = m2 * (1 - (0.75 * c2 * c2)) if poles == 2 else 0.0
        xacc = (force + fi1 + fi2) / (mi1 + mi2 + mc)
        a1 = -0.75 * (xacc * c1 + g * s1 + t1) / l1
        a2 = -0.75 * (xacc * c2 + g * s2 + t2) / l2 if poles == 2 else 0.0
        return [st[1], xacc, st[3], a1, st[5], a2]

    y = list(state)
    for _ in range(2):
        k1 = deriv(y)
        yt = [y[i] + tau * 0.5 * k1[i] for i in range(6)]
        k2 = deriv(yt)
        yt = [y[i] + tau * 0.5 * k2[i] for i in range(6)]
        k3 = deriv(yt)
        yt = [y[i] + tau * k3[i] for i in range(6)]
        mid = [k3[i] + k2[i] for i in range(6)]
        k4 = deriv(yt)
        y = [y[i] + tau / 6.0 * (k1[i] + k4[i] + 2.0 * mid[i]) for i in range(6)]
    bound = 0.628329
    failed = abs(y[0]) > 2.4 or abs(y[2]) > bound or abs(y[4]) > bound
    return y, failed


def gruau_fitness(lengths_jiggle):
    """Gruau's damping fitness from the per-step ``|x|+|x'|+|t1|+|t1'|`` of an episode of at most 1,000
    steps (the last one failing if fewer): 0.1 t / 1000 + 0.9 * 0.75 / (sum of the 100 steps before the end)."""
    n = len(lengths_jiggle)
    balanced = n if n >= 1000 else n - 1
    f = 0.1 * balanced / 1000
    if balanced > 100:
        window = lengths_jiggle[n - 100: n] if n >= 1000 else lengths_jiggle[n - 101: n - 1]
        f += 0.9 * 0.75 / sum(window)
    return f
