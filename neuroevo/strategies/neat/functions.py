"""NEAT node functions: neat-python's activations and aggregations, as Numba scalar kernels with integer codes.

Each function computes what neat-python 2.x's ``activations.py`` / ``aggregations.py`` function of the
same name computes (the same clamps, ``math.exp``), so a network gives the same output here and there.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from neuroevo.network import activate as network_activate

#: Activation names (neat-python's) and their codes in compiled networks.
ACTIVATIONS = {name: i for i, name in enumerate((
    "sigmoid", "tanh", "sin", "gauss", "relu", "elu", "lelu", "selu", "softplus", "identity", "clamped", "inv",
    "log", "exp", "abs", "hat", "square", "cube"))}
#: Aggregation names (neat-python's) and their codes.
AGGREGATIONS = {name: i for i, name in enumerate(("sum", "product", "max", "min", "maxabs", "median", "mean"))}

#: Activations the game kernels' policy programs compute too: NEAT code -> (the networks' code, input scale).
#: ``sigmoid(z) = logistic(5 z)`` and ``tanh(z) = tanh(2.5 z)`` in neat-python; the compiler folds the scale
#: into the node's bias and response and computes ``network_activate(code)`` (code ``KERNEL + code``), so a
#: compiled network gives the same bits here and in every game kernel. (Without neat-python's clamp of the
#: scaled input to [-60, 60]: the outputs differ from neat-python's by less than 1e-25 there.)
KERNEL_ACTIVATIONS = {ACTIVATIONS["sigmoid"]: (2, 5.0), ACTIVATIONS["tanh"]: (1, 2.5),
                      ACTIVATIONS["relu"]: (3, 1.0), ACTIVATIONS["identity"]: (0, 1.0)}
#: Offset of the folded codes.
KERNEL = 100


@numba.njit(cache=True)
def activate(z, code):
    """Activation ``code`` (see :data:`ACTIVATIONS`; ``KERNEL + c``: the networks' activation ``c``) of the
    float64 ``z``, as in neat-python."""
    if code >= KERNEL:
        return network_activate(z, code - KERNEL)
    if code == 0:
        z = max(-60.0, min(60.0, 5.0 * z))
        return 1.0 / (1.0 + math.exp(-z))
    if code == 1:
        return math.tanh(max(-60.0, min(60.0, 2.5 * z)))
    if code == 2:
        return math.sin(max(-60.0, min(60.0, 5.0 * z)))
    if code == 3:
        z = max(-3.4, min(3.4, z))
        return math.exp(-5.0 * z * z)
    if code == 4:
        return z if z > 0.0 else 0.0
    if code == 5:
        return z if z > 0.0 else math.exp(z) - 1.0
    if code == 6:
        return z if z > 0.0 else 0.005 * z
    if code == 7:
        lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
        return lam * z if z > 0.0 else lam * alpha * (math.exp(z) - 1.0)
    if code == 8:
        z = max(-60.0, min(60.0, 5.0 * z))
        return 0.2 * math.log(1.0 + math.exp(z))
    if code == 9:
        return z
    if code == 10:
        return max(-1.0, min(1.0, z))
    if code == 11:
        return 0.0 if z == 0.0 else 1.0 / z
    if code == 12:
        return math.log(max(1e-7, z))
    if code == 13:
        return math.exp(max(-60.0, min(60.0, z)))
    if code == 14:
        return abs(z)
    if code == 15:
        return max(0.0, 1.0 - abs(z))
    if code == 16:
        return z * z
    return z * z * z


@numba.njit(cache=True)
def aggregate(x, n, code):
    """Aggregation ``code`` (see :data:`AGGREGATIONS`) of ``x[:n]`` (float64), as in neat-python.

    An empty input gives 0.0 (1.0 for product), like neat-python's functions on an empty list.
    """
    if code == 1:
        p = 1.0
        for i in range(n):
            p *= x[i]
        return p
    if n == 0:
        return 0.0
    if code == 0 or code == 6:
        s = 0.0
        for i in range(n):
            s += x[i]
        return s if code == 0 else s / n
    if code == 2 or code == 3:
        m = x[0]
        for i in range(1, n):
            if (code == 2 and x[i] > m) or (code == 3 and x[i] < m):
                m = x[i]
        return m
    if code == 4:
        m = x[0]
        for i in range(1, n):
            if abs(x[i]) > abs(m):
                m = x[i]
        return m
    # median2: the mean of the two middle values for an even count; the mean itself when n <= 2
    if n <= 2:
        return (x[0] + x[n - 1]) / 2.0 if n == 2 else x[0]
    v = np.sort(x[:n])
    if n % 2 == 1:
        return v[n // 2]
    return (v[n // 2 - 1] + v[n // 2]) / 2.0
