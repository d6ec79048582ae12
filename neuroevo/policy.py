"""How network outputs become actions, and observations become network inputs, for any Gymnasium env.

- ``Discrete(n)``: n outputs, the action is the first argmax.
- ``Box`` actions: one output per action dimension, read as a tanh output in [-1, 1] (clipped) and
  scaled linearly to ``[low, high]``; the network's output activation is tanh by default for such tasks.
- Observations: a ``Box`` is flattened to float64; other spaces go through ``gymnasium.spaces.flatten``
  (``Discrete`` becomes one-hot).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

import numpy as np
from gymnasium import spaces

from neuroevo.errors import TaskError


def n_inputs(space: spaces.Space) -> int:
    """Number of network inputs for an observation space."""
    return int(spaces.flatdim(space))


def n_outputs(space: spaces.Space) -> int:
    """Number of network outputs for an action space. Raises TaskError if the space is not supported."""
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    if isinstance(space, spaces.Box) and np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high)):
        return int(np.prod(space.shape))
    raise TaskError(f"action space {space} is not supported (Discrete or bounded Box)")


def is_discrete(space: spaces.Space) -> TypeGuard[spaces.Discrete]:
    """True for a ``Discrete`` space (its actions are one integer)."""
    return isinstance(space, spaces.Discrete)


def observation_to_input(space: spaces.Space) -> Callable[[Any], np.ndarray]:
    """A function mapping one observation of ``space`` to a (flatdim(space),) float64 network input."""
    if isinstance(space, spaces.Box):
        return lambda obs: np.asarray(obs, dtype=np.float64).ravel()
    return lambda obs: np.asarray(spaces.flatten(space, obs), dtype=np.float64)


def output_to_action(space: spaces.Space) -> Callable[[np.ndarray], Any]:
    """A function mapping a (n_out,) float64 network output to an action of ``space``.

    Discrete: an int (``space.start`` + first argmax). Box: an array of ``space.shape`` and ``space.dtype``,
    the output clipped to [-1, 1] and scaled linearly to [low, high].

    Raises:
        TaskError: if the space is neither Discrete nor a bounded Box.
    """
    n_outputs(space)
    if isinstance(space, spaces.Discrete):
        start = int(space.start)
        return lambda y: start + int(np.argmax(y))
    assert isinstance(space, spaces.Box)  # n_outputs raised for any other space
    low, high = space.low.astype(np.float64), space.high.astype(np.float64)
    box = space

    def to_box(y: np.ndarray) -> np.ndarray:
        a = low + (np.clip(y, -1.0, 1.0) + 1.0) * 0.5 * (high - low)
        return a.reshape(box.shape).astype(box.dtype)

    return to_box


def batch_inputs(space: spaces.Space, obs: Any) -> tuple[np.ndarray, bool]:
    """Network inputs of one observation or of a batch, in Stable-Baselines3's convention.

    An observation of exactly ``space.shape`` is one observation; ``(B, *space.shape)`` is a batch (a
    vector env's). Returns ``((B, flatdim(space)) float64, vectorized)``, B = 1 for one observation.

    Raises:
        TaskError: if the shape is neither, or the space is a Dict/Tuple given as a batch.
    """
    if isinstance(space, spaces.Box):
        x = np.asarray(obs, dtype=np.float64)
        if x.shape == space.shape:
            return x.reshape(1, -1), False
        if x.ndim == len(space.shape) + 1 and x.shape[1:] == space.shape:
            return x.reshape(x.shape[0], -1), True
        raise TaskError(f"observation of shape {x.shape} does not fit {space} (one observation of shape "
                        f"{space.shape} or a batch of shape (n_envs, {', '.join(map(str, space.shape))}))")
    if isinstance(space, (spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)):
        x = np.asarray(obs)
        shape = () if isinstance(space, spaces.Discrete) else space.shape
        if x.shape == shape:
            return np.asarray(spaces.flatten(space, x), dtype=np.float64)[None, :], False
        if x.ndim == len(shape) + 1 and x.shape[1:] == shape:
            return np.stack([np.asarray(spaces.flatten(space, o), dtype=np.float64) for o in x]), True
        raise TaskError(f"observation of shape {x.shape} does not fit {space}")
    return np.asarray(spaces.flatten(space, obs), dtype=np.float64)[None, :], False


def outputs_to_actions(space: spaces.Space, y: np.ndarray) -> np.ndarray:
    """Actions of a batch of network outputs ``y`` (B, n_out): the rule of :func:`output_to_action`, row by row.

    Returns:
        Discrete: (B,) int64. Box: (B, *space.shape) of ``space.dtype``.

    Raises:
        TaskError: if the space is neither Discrete nor a bounded Box.
    """
    n_outputs(space)
    if isinstance(space, spaces.Discrete):
        return (int(space.start) + np.argmax(y, axis=1)).astype(np.int64)
    assert isinstance(space, spaces.Box)  # n_outputs raised for any other space
    low, high = space.low.astype(np.float64).ravel(), space.high.astype(np.float64).ravel()
    a = low + (np.clip(y, -1.0, 1.0) + 1.0) * 0.5 * (high - low)
    return a.reshape((len(y), *space.shape)).astype(space.dtype)
