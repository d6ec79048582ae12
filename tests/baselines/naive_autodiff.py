"""Slow reference versions for the baselines' maths: finite differences and per-example loops."""

import numpy as np

from neuroevo.network import forward


def numeric_gradient(f, params: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function ``f(params)``."""
    grad = np.empty_like(params)
    for i in range(params.size):
        p = params.copy()
        p[i] += h
        up = f(p)
        p[i] -= 2 * h
        grad[i] = (up - f(p)) / (2 * h)
    return grad


def network_loss(spec, x, weights_out):
    """``genome -> sum(weights_out * network(x))``: a linear functional of the outputs."""
    return lambda g: float(np.sum(weights_out * forward(spec, g, x)))


def adam_reference(params, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam as printed in Kingma & Ba (2015), Algorithm 1, one scalar at a time."""
    p = params.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        for i in range(p.size):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            p[i] -= lr * (m[i] / (1 - b1 ** t)) / (np.sqrt(v[i] / (1 - b2 ** t)) + eps)
    return p


def huber(x, delta=1.0):
    """Huber loss of each element (Huber 1964): quadratic within ``delta``, linear beyond."""
    a = np.abs(x)
    return np.where(a <= delta, 0.5 * x * x, delta * (a - 0.5 * delta))
