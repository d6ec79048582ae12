"""Parent selection: pick ``n`` parent indices from a population's fitness (higher is better).

Every function has the signature ``fn(fitness, n, rng, **params) -> (n,) int64`` with ``fitness`` a (P,)
float array. Parameters are keyword-only with defaults; unknown keywords are accepted and ignored, so the
GA can pass ``tournament_size=...`` and ``truncation_fraction=...`` to any of them. Randomness comes only
from ``rng``; ``fitness`` is never modified.

Errors (all functions): ``ValueError`` if ``fitness`` is not a non-empty 1-D array, contains NaN, or if
``n < 0``; :class:`~neuroevo.errors.ConfigError` on a bad parameter value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from neuroevo.errors import ConfigError


def _check(fitness: ArrayLike, n: int) -> np.ndarray:
    """``fitness`` as a (P,) float64 array, validated with ``n``."""
    f = np.asarray(fitness, dtype=np.float64)
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"fitness must be a non-empty 1-D array, got shape {np.shape(fitness)}")
    if np.isnan(f).any():
        raise ValueError(f"fitness of genome {int(np.flatnonzero(np.isnan(f))[0])} is NaN")
    if int(n) != n or n < 0:
        raise ValueError(f"number of parents must be an integer >= 0, got {n}")
    return f


def _proportional_weights(f: np.ndarray) -> np.ndarray:
    """(P,) non-negative weights: ``f``, or ``f - min(f)`` when ``min(f) < 0``; all ones if they sum to 0."""
    if np.isinf(f).any():
        raise ValueError("fitness-proportional selection needs finite fitness, got an infinite value")
    with np.errstate(over="ignore", invalid="ignore"):
        w = f - f.min() if f.min() < 0.0 else f.copy()
        total = w.sum()
        if not np.isfinite(total):  # huge fitness (up to +-1.8e308): the same weights divided by max |f|
            scale = np.abs(f).max()
            w = f / scale - f.min() / scale if f.min() < 0.0 else f / scale
            total = w.sum()
    if not np.isfinite(total):
        raise ValueError(f"fitness-proportional selection: fitness range [{f.min()}, {f.max()}] overflows "
                         "float64 when summed; rescale the fitness or use rank selection")
    if not total > 0.0:
        return np.ones_like(w)
    return w


def _pick(weights: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Indices whose cumulative-weight interval ``[cdf[i-1], cdf[i])`` holds each of ``points`` (in [0, 1)).

    A zero weight gives an empty interval, so it is never picked.
    """
    cdf = np.cumsum(weights)
    idx = np.searchsorted(cdf, points * cdf[-1], side="right")
    return np.minimum(idx, weights.size - 1).astype(np.int64)


def roulette(fitness: ArrayLike, n: int, rng: np.random.Generator, **_ignored: object) -> np.ndarray:
    """Fitness-proportional (roulette-wheel) selection, with replacement.

    Each parent is genome ``i`` with probability ``w_i / sum(w)``: one uniform draw per parent against the
    cumulative normalised weights, as in Holland (1975), Goldberg (1989) and the classic neuroevolution
    Flappy Bird demo.

    Weights: ``w = fitness`` when every fitness is >= 0. When ``min(fitness) < 0`` the weights are shifted,
    ``w = fitness - min(fitness)``, so the worst genome then gets weight 0 and is never picked. When every
    weight is 0 the choice is uniform. The total is never a divisor when it is not positive. When the
    weights' sum would overflow float64 (fitness near +-1.8e308), they are divided by ``max |fitness|``
    first: the same probabilities, finite.

    Args:
        fitness: (P,) float, higher is better, no NaN nor inf.
        n: number of parents to draw.
        rng: the random generator.

    Returns:
        (n,) int64 indices in ``[0, P)``.

    Raises:
        ValueError: bad shape, NaN or infinite fitness, a fitness range that overflows float64, ``n < 0``.
    """
    f = _check(fitness, n)
    return _pick(_proportional_weights(f), rng.random(int(n)))


def sus(fitness: ArrayLike, n: int, rng: np.random.Generator, **_ignored: object) -> np.ndarray:
    """Stochastic universal sampling (Baker 1987, "Reducing bias and inefficiency in the selection algorithm").

    Same weights as :func:`roulette` (shifted by the minimum when a fitness is negative; uniform if all
    zero), but a single uniform offset ``u`` in ``[0, 1/n)`` places ``n`` equally spaced pointers
    ``(u + k) / n`` (``u`` in [0, 1) scaled by the total) on the wheel, so genome ``i`` is picked either
    ``floor(n p_i)`` or ``ceil(n p_i)`` times. The picks are then shuffled (one ``rng.permutation``): in
    wheel order they would be sorted, and the GA, which pairs consecutive parents, would mate copies of the
    same genome with each other. The shuffle changes the order only, not the counts.

    Args:
        fitness: (P,) float, higher is better, no NaN nor inf.
        n: number of parents to draw.
        rng: the random generator.

    Returns:
        (n,) int64 indices in ``[0, P)``, in random order.

    Raises:
        ValueError: bad shape, NaN or infinite fitness, a fitness range that overflows float64, ``n < 0``.
    """
    f = _check(fitness, n)
    n = int(n)
    points = (rng.random() + np.arange(n)) / max(n, 1)
    return rng.permutation(_pick(_proportional_weights(f), points))


def tournament(fitness: ArrayLike, n: int, rng: np.random.Generator, *, tournament_size: int = 3, **_ignored: object) -> np.ndarray:
    """Tournament selection (Goldberg & Deb 1991; Miller & Goldberg 1995).

    Each parent is the best of ``tournament_size`` genomes drawn uniformly with replacement; ties go to the
    lower genome index. ``tournament_size = 1`` is uniform random selection.

    Args:
        fitness: (P,) float, higher is better, no NaN (infinities are fine).
        n: number of parents to draw.
        rng: the random generator.
        tournament_size: genomes per tournament, >= 1.

    Returns:
        (n,) int64 indices in ``[0, P)``.

    Raises:
        ValueError: bad shape, NaN fitness, ``n < 0``.
        ConfigError: ``tournament_size < 1``.
    """
    f = _check(fitness, n)
    if int(tournament_size) != tournament_size or tournament_size < 1:
        raise ConfigError(f"tournament_size must be an integer >= 1, got {tournament_size}")
    order = np.argsort(-f, kind="stable")  # best first, ties by lower index
    place = np.empty(f.size, dtype=np.int64)
    place[order] = np.arange(f.size)
    draws = rng.integers(0, f.size, size=(int(n), int(tournament_size)))
    return order[place[draws].min(axis=1)].astype(np.int64)


def rank(fitness: ArrayLike, n: int, rng: np.random.Generator, **_ignored: object) -> np.ndarray:
    """Linear ranking selection (Baker 1985, "Adaptive selection methods for genetic algorithms").

    Genomes are sorted by fitness with a stable sort (ties: the lower index gets the lower rank); the worst
    has rank 1, the best rank P, and genome ``i`` is drawn with probability ``rank_i / (P (P + 1) / 2)``,
    with replacement. Only the order of the fitness matters, not its scale or sign.

    Args:
        fitness: (P,) float, higher is better, no NaN (infinities are fine).
        n: number of parents to draw.
        rng: the random generator.

    Returns:
        (n,) int64 indices in ``[0, P)``.

    Raises:
        ValueError: bad shape, NaN fitness, ``n < 0``.
    """
    f = _check(fitness, n)
    ranks = np.empty(f.size, dtype=np.float64)
    ranks[np.argsort(f, kind="stable")] = np.arange(1, f.size + 1)
    return _pick(ranks, rng.random(int(n)))


def truncation(fitness: ArrayLike, n: int, rng: np.random.Generator, *, truncation_fraction: float = 0.2,
               **_ignored: object) -> np.ndarray:
    """Truncation selection, as in Such et al. (2017), "Deep Neuroevolution" (their top-T parents).

    The ``T = max(1, round(truncation_fraction * P))`` best genomes (ties: the lower index ranks higher)
    are the only possible parents; each parent is drawn uniformly among them, with replacement.

    Args:
        fitness: (P,) float, higher is better, no NaN (infinities are fine).
        n: number of parents to draw.
        rng: the random generator.
        truncation_fraction: fraction of the population kept, in (0, 1].

    Returns:
        (n,) int64 indices in ``[0, P)``, all among the top T.

    Raises:
        ValueError: bad shape, NaN fitness, ``n < 0``.
        ConfigError: ``truncation_fraction`` outside (0, 1].
    """
    f = _check(fitness, n)
    if not 0.0 < truncation_fraction <= 1.0:
        raise ConfigError(f"truncation_fraction must be in (0, 1], got {truncation_fraction}")
    top = np.argsort(-f, kind="stable")[: max(1, round(truncation_fraction * f.size))]
    return top[rng.integers(0, top.size, size=int(n))].astype(np.int64)


#: ``fn(fitness (P,), n, rng, **params) -> (n,) int64`` parent indices.
SelectionFn = Callable[..., np.ndarray]

#: Selection functions by name.
SELECTION: dict[str, SelectionFn] = {"roulette": roulette, "sus": sus, "tournament": tournament, "rank": rank, "truncation": truncation}
