"""Mutation: perturb genomes parameter by parameter.

Every function has the signature ``fn(genomes, rate, scale, spec, rng) -> (M, n_params)`` with ``genomes``
(M, n_params) float64; the result is a new array and ``genomes`` is never modified. Each parameter is
mutated independently with probability ``rate`` (one uniform draw per parameter, then one draw per mutated
parameter), the per-weight mutation of Montana & Davis (1989) and of the classic neuroevolution demos.

Errors (all functions): ``ValueError`` if ``genomes`` is not (M, spec.n_params);
:class:`~neuroevo.errors.ConfigError` if ``rate`` is not in [0, 1] or ``scale`` is not a finite number >= 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec


def _check(genomes: ArrayLike, rate: float, scale: float, spec: NetworkSpec,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(copy of genomes, mask)``: a new (M, n_params) float64 array and the (M, n_params) bool mask."""
    g = np.array(genomes, dtype=np.float64)  # always a copy
    if g.ndim != 2 or g.shape[1] != spec.n_params:
        raise ValueError(f"genomes must have shape (M, {spec.n_params}), got {np.shape(genomes)}")
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"mutation rate must be in [0, 1], got {rate}")
    if not (math.isfinite(scale) and scale >= 0.0):
        raise ConfigError(f"mutation scale must be a finite number >= 0, got {scale}")
    return g, rng.random(g.shape) < rate


def uniform(genomes: ArrayLike, rate: float, scale: float, spec: NetworkSpec, rng: np.random.Generator) -> np.ndarray:
    """Add U(-scale, scale) to each parameter with probability ``rate``.

    The classic setting of the neuroevolution Flappy Bird demo is rate 0.15, scale 0.5.

    Args:
        genomes: (M, n_params) float64.
        rate: per-parameter mutation probability in [0, 1].
        scale: half-width of the uniform perturbation, >= 0 (same units as the weights).
        spec: the network spec (shape check).
        rng: the random generator.

    Returns:
        (M, n_params) float64, a new array.

    Raises:
        ValueError, ConfigError: see the module docstring.
    """
    g, mask = _check(genomes, rate, scale, spec, rng)
    g[mask] += rng.uniform(-scale, scale, size=int(mask.sum()))
    return g


def gaussian(genomes: ArrayLike, rate: float, scale: float, spec: NetworkSpec, rng: np.random.Generator) -> np.ndarray:
    """Add N(0, scale^2) to each parameter with probability ``rate`` (Montana & Davis 1989; with rate 1,
    the Gaussian perturbation of Such et al. 2017, "Deep Neuroevolution").

    Args:
        genomes: (M, n_params) float64.
        rate: per-parameter mutation probability in [0, 1].
        scale: standard deviation of the perturbation, >= 0.
        spec: the network spec (shape check).
        rng: the random generator.

    Returns:
        (M, n_params) float64, a new array.

    Raises:
        ValueError, ConfigError: see the module docstring.
    """
    g, mask = _check(genomes, rate, scale, spec, rng)
    g[mask] += rng.normal(0.0, scale, size=int(mask.sum()))
    return g


def sign_flip(genomes: ArrayLike, rate: float, scale: float, spec: NetworkSpec, rng: np.random.Generator) -> np.ndarray:
    """Negate each parameter with probability ``rate`` (``scale`` is validated but unused; zeros stay zero).

    Args:
        genomes: (M, n_params) float64.
        rate: per-parameter mutation probability in [0, 1].
        scale: unused.
        spec: the network spec (shape check).
        rng: the random generator.

    Returns:
        (M, n_params) float64, a new array.

    Raises:
        ValueError, ConfigError: see the module docstring.
    """
    g, mask = _check(genomes, rate, scale, spec, rng)
    g[mask] = -g[mask]
    return g


def reset(genomes: ArrayLike, rate: float, scale: float, spec: NetworkSpec, rng: np.random.Generator) -> np.ndarray:
    """Redraw each parameter with probability ``rate`` from its initialiser, U(-limit, limit) with
    ``limit = spec.init_limits`` (Glorot/He uniform for weights; biases have limit 0, so they reset to 0).
    ``scale`` is validated but unused. The "random resetting" mutation of Eiben & Smith (2015), sec. 4.4.

    Args:
        genomes: (M, n_params) float64.
        rate: per-parameter mutation probability in [0, 1].
        scale: unused.
        spec: the network spec (shape check and :attr:`NetworkSpec.init_limits`).
        rng: the random generator.

    Returns:
        (M, n_params) float64, a new array.

    Raises:
        ValueError, ConfigError: see the module docstring.
    """
    g, mask = _check(genomes, rate, scale, spec, rng)
    rows, cols = np.nonzero(mask)  # row-major order, the order of g[mask]
    g[rows, cols] = rng.uniform(-1.0, 1.0, size=cols.size) * spec.init_limits[cols]
    return g


#: Mutation functions by name.
#: ``fn(genomes (M, n_params), rate, scale, spec, rng) -> (M, n_params)``.
MutationFn = Callable[[ArrayLike, float, float, NetworkSpec, np.random.Generator], np.ndarray]
MUTATION: dict[str, MutationFn] = {"uniform": uniform, "gaussian": gaussian, "sign_flip": sign_flip, "reset": reset}
