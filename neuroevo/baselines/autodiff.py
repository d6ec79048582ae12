"""Backpropagation on the flat genome of a :class:`~neuroevo.network.NetworkSpec`, and optimisers on flat vectors.

The parameters a gradient method trains ARE a genome (layout in ``neuroevo.network``: per layer ``W_l``
of shape ``(n_in, n_out)`` row-major, then ``b_l``), so a trained network is saved, watched and evaluated
exactly like an evolved one.

- :func:`forward` runs a batch through the network and keeps every layer's activations;
- :func:`backward` turns ``dL/d(outputs)`` into ``dL/d(genome)``, a flat vector in the genome layout
  (reverse-mode differentiation of ``y = act(x @ W + b)``, Rumelhart, Hinton & Williams 1986);
- :class:`Adam` (Kingma & Ba 2015) and :class:`SGD` with momentum (Polyak 1964; PyTorch's form) update a
  flat parameter vector in place.

Every activation of the spec is supported; each derivative is written in terms of the layer's output ``y``
(tanh: ``1 - y^2``, sigmoid: ``y (1 - y)``, relu: ``[y > 0]``, softsign: ``(1 - |y|)^2``, linear: 1).
NumPy's ``tanh`` equals the kernels' ``1 - 2 / (e^2z + 1)`` to within 4e-16.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


_ACTIVATE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
}

#: d(activation)/dz as a function of the activation's output y.
_DERIVATIVE: dict[str, Callable[[np.ndarray], Any]] = {
    "linear": lambda y: 1.0,
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "relu": lambda y: (y > 0.0).astype(np.float64),
    "softsign": lambda y: (1.0 - np.abs(y)) ** 2,
}


def forward(spec: NetworkSpec, genome: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    """Batch forward pass keeping every layer's output, for :func:`backward`.

    Args:
        spec: the network spec.
        genome: (n_params,) float64 flat weights.
        x: (B, n_in) float64 inputs.

    Returns:
        ``acts``: ``L + 1`` float64 arrays; ``acts[0]`` is ``x`` and ``acts[l + 1]`` (B, sizes[l + 1]) the
        output of layer ``l``. ``acts[-1]`` is the network's output, equal to ``neuroevo.network.forward``.
    """
    acts = [np.asarray(x, dtype=np.float64)]
    for (w, b), name in zip(spec.unflatten(genome), spec.activations):
        acts.append(_ACTIVATE[name](acts[-1] @ w + b))
    return acts


def backward(spec: NetworkSpec, genome: np.ndarray, acts: list[np.ndarray], grad_out: np.ndarray) -> np.ndarray:
    """Gradient of a loss with respect to the genome, given its gradient with respect to the outputs.

    Args:
        spec: the network spec.
        genome: (n_params,) float64, the weights ``acts`` was computed with.
        acts: the list returned by :func:`forward`.
        grad_out: (B, n_out) float64 ``dL/d(acts[-1])`` (summed over the batch: scale it yourself for a mean).

    Returns:
        (n_params,) float64 ``dL/d(genome)`` in the genome layout.
    """
    grad = np.empty(spec.n_params)
    weights, grads = spec.unflatten(genome), spec.unflatten(grad)
    delta = np.asarray(grad_out, dtype=np.float64)
    for layer in range(len(weights) - 1, -1, -1):
        delta = delta * _DERIVATIVE[spec.activations[layer]](acts[layer + 1])
        gw, gb = grads[layer]
        np.matmul(acts[layer].T, delta, out=gw)
        np.sum(delta, axis=0, out=gb)
        if layer:
            delta = delta @ weights[layer][0].T
    return grad


class Adam:
    """Adam on a flat parameter vector (Kingma & Ba 2015, Algorithm 1; PyTorch's ``torch.optim.Adam``).

    Args:
        n_params: length of the parameter vector.
        lr: learning rate (step size).
        betas: decay rates of the first and second moment estimates.
        eps: added to the root of the second moment.
        max_grad_norm: if > 0, the gradient is rescaled to this L2 norm when larger (0: no clipping).

    Raises:
        ConfigError: on a non-positive learning rate or betas outside [0, 1).
    """

    def __init__(self, n_params: int, lr: float = 1e-3, betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 max_grad_norm: float = 0.0):
        _check_lr(lr)
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ConfigError(f"Adam betas must be in [0, 1), got {tuple(betas)}")
        self.lr, self.betas, self.eps, self.max_grad_norm = float(lr), tuple(betas), float(eps), max_grad_norm
        self.m, self.v, self.t = np.zeros(n_params), np.zeros(n_params), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` ((n_params,) float64) in place, descending the gradient ``grad``."""
        grad = _clip(grad, self.max_grad_norm)
        b1, b2 = self.betas
        self.t += 1
        self.m *= b1
        self.m += (1.0 - b1) * grad
        self.v *= b2
        self.v += (1.0 - b2) * grad * grad
        m_hat = self.m / (1.0 - b1 ** self.t)
        v_hat = self.v / (1.0 - b2 ** self.t)
        params -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class SGD:
    """Stochastic gradient descent with momentum on a flat vector: ``v = mu v + g; p -= lr v`` (PyTorch's form).

    Args:
        n_params: length of the parameter vector.
        lr: learning rate.
        momentum: ``mu`` in [0, 1) (0: plain SGD).
        max_grad_norm: if > 0, the gradient is rescaled to this L2 norm when larger.

    Raises:
        ConfigError: on a non-positive learning rate or a momentum outside [0, 1).
    """

    def __init__(self, n_params: int, lr: float = 1e-2, momentum: float = 0.9, max_grad_norm: float = 0.0):
        _check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.lr, self.momentum, self.max_grad_norm = float(lr), float(momentum), max_grad_norm
        self.velocity = np.zeros(n_params)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` ((n_params,) float64) in place, descending the gradient ``grad``."""
        self.velocity *= self.momentum
        self.velocity += _clip(grad, self.max_grad_norm)
        params -= self.lr * self.velocity


OPTIMIZERS: dict[str, type[Adam] | type[SGD]] = {"adam": Adam, "sgd": SGD}


def make_optimizer(name: str, n_params: int, lr: float, **kwargs: Any) -> Adam | SGD:
    """The optimiser called ``name`` ("adam" or "sgd"); raises ConfigError on an unknown name."""
    if name not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](n_params, lr=lr, **kwargs)


def _check_lr(lr):
    if not (lr > 0.0 and np.isfinite(lr)):
        raise ConfigError(f"learning rate must be a finite number > 0, got {lr}")


def _clip(grad, max_norm):
    if max_norm > 0.0:
        norm = float(np.sqrt(grad @ grad))
        if norm > max_norm:
            return grad * (max_norm / norm)
    return grad
