"""The car's certified ray lists (``games.car_track.ray_index``) against the cast over every wall."""

import math

import numba
import numpy as np
import pytest

from games.car_track import physics as ph
from games.car_track.ray_index import K, N_BINS, TIER, TIERS
from games.car_track.simd_rays import candidates_min
from games.car_track.track import BUILTIN, load_track


@numba.njit
def _first_tier_certifies(px, py, angle, max_range, row, lists, dcert, walls4):
    """Whether the first ``TIER`` walls of the ray's list certify its hit (no second test needed)."""
    e = max(row, 0) + int(math.floor(angle * (N_BINS / (2.0 * math.pi)))) % N_BINS
    best = candidates_min(px, py, math.cos(angle), math.sin(angle), walls4, lists, e * K, max_range)
    return (row >= 0) & (best <= dcert[e, 0]) & (best != 0.0)


def _rays(track, rng, n):
    """``n`` rays from points between the walls, in any direction (axis-aligned ones included)."""
    i = rng.integers(len(track.centreline), size=n)
    t = rng.uniform(-0.45, 0.45, size=n)[:, None]
    pts = track.centreline[i] + t * (track.left[i] - track.right[i])
    angles = rng.uniform(-3 * math.pi, 3 * math.pi, n)  # headings wind past +-pi in a long episode
    angles[::9] = rng.integers(-8, 9, angles[::9].size) * (math.pi / 2)
    return pts, angles


def test_the_bin_lookup_mask_needs_a_power_of_two():
    assert N_BINS & (N_BINS - 1) == 0 and TIER * TIERS == K and TIERS >= 2


@pytest.mark.parametrize("name", BUILTIN)
def test_listed_distance_equals_the_cast_over_every_wall(name):
    """Every certified distance equals :func:`physics.ray_cast_brute`'s, bit for bit; most rays are certified
    by the first tier of their list, some need the next ones, few fall back to the grid walk."""
    track = load_track(name)
    reach = ph.DEFAULT_SENSOR_RANGE
    idx = ph.ray_index(track, reach)
    walls = ph.track_arrays(track, reach)[2]
    rng = np.random.default_rng(5)
    pts, angles = _rays(track, rng, 3000)
    first = listed = 0
    for (px, py), a in zip(pts, angles):
        row = ph.index_row(idx.imeta, idx.slot, px, py)
        d = ph.ray_cast_listed(px, py, math.cos(a), math.sin(a), a, reach, row, idx.lists, idx.dcert, idx.walls4)
        if d >= 0.0:
            listed += 1
            assert d == ph.ray_cast_brute(px, py, a, reach, walls), (name, px, py, a)
        first += _first_tier_certifies(px, py, a, reach, row, idx.lists, idx.dcert, idx.walls4)
    assert listed > 0.9 * len(angles)
    assert 0.5 * len(angles) < first < listed  # the next tiers are needed, but not by most rays


@pytest.mark.parametrize("name", BUILTIN)
def test_each_tier_is_certified_no_farther_than_the_next(name):
    idx = ph.ray_index(load_track(name), ph.DEFAULT_SENSOR_RANGE)
    assert idx.dcert.shape == (idx.lists.size // K, TIERS)
    assert np.all(np.diff(idx.dcert, axis=1) >= 0.0) and np.all(idx.dcert >= 0.0)
