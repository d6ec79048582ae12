"""The car's certified ray lists (``games.car_track.ray_index``) against the env's grid walk over every wall."""

import math

import numba
import numpy as np
import pytest

from games.car_track import physics as ph
from games.car_track.ray_index import K, N_BINS, TIER, TIERS
from games.car_track.simd_rays import candidates_min
from games.car_track.track import BUILTIN, load_track


@numba.njit
def _tiers_used(px, py, angle, max_range, row, lists, dcert, walls4):
    """1 if the first ``TIER`` walls of the ray's list certify its hit, 2 if a later tier does, 3 if none
    does (the grid walk then casts the ray)."""
    e = max(row, 0) + int(math.floor(angle * (N_BINS / (2.0 * math.pi)))) % N_BINS
    dx, dy = math.cos(angle), math.sin(angle)
    best = candidates_min(px, py, dx, dy, walls4, lists, e * TIER, max_range)
    if (row >= 0) & (best <= dcert[0, e]) & (best != 0.0):
        return 1
    return 2 if ph.listed_rest(px, py, dx, dy, best, e, row, lists, dcert, walls4) >= 0.0 else 3


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


@numba.njit
def _kernel_sense(state, dirs, angles, reach, walls, meta, cell_start, cell_items, imeta, slot, lists, dcert,
                  walls4, obs):
    """The population kernel's sensing of one car: ``sense_first``, then ``sense_rest``."""
    ch, sh = math.cos(state[ph.HEADING]), math.sin(state[ph.HEADING])
    need = np.zeros(obs.shape[0], dtype=np.bool_)
    row = ph.sense_first(state, ch, sh, dirs, angles, reach, imeta, slot, lists, dcert, walls4, obs, need)
    ph.sense_rest(state, ch, sh, dirs, angles, reach, walls, meta, cell_start, cell_items, row, lists, dcert,
                  walls4, obs, need)


@pytest.mark.parametrize("name", BUILTIN)
def test_kernel_sensing_equals_the_env_observation(name):
    """On cars anywhere between the walls, heading anywhere (axis-aligned too), the kernel's observation (the
    tiered lists, the grid walk past them) has the bits of ``physics.sense``, the env's grid walk over every
    listed wall; most rays are certified by the first tier of their list, some need the next ones, fewer than
    1 % the grid walk."""
    track = load_track(name)
    reach = ph.DEFAULT_SENSOR_RANGE
    idx = ph.ray_index(track, reach)
    arrays = ph.track_arrays(track, reach)
    walls, meta, cell_start, cell_items = arrays[2], arrays[3], arrays[4], arrays[5]
    angles = ph.sensor_radians(ph.DEFAULT_SENSOR_ANGLES)
    dirs = ph.sensor_dirs(angles)
    rng = np.random.default_rng(5)
    pts, headings = _rays(track, rng, 1500)
    used = np.zeros(4, dtype=np.int64)
    for (px, py), h in zip(pts, headings):
        state = np.zeros(ph.STATE_SIZE)
        state[ph.X], state[ph.Y], state[ph.HEADING], state[ph.SPEED] = px, py, h, rng.uniform(0.0, ph.MAX_SPEED)
        got, want = np.zeros(len(angles) + 1), np.zeros(len(angles) + 1)
        _kernel_sense(state, dirs, angles, reach, walls, meta, cell_start, cell_items, *idx[:4], idx.walls4, got)
        ph.sense(state, dirs, reach, walls, meta, cell_start, cell_items, want)
        np.testing.assert_array_equal(got, want, err_msg=f"{name} at {(px, py, h)}")
        row = ph.index_row(idx.imeta, idx.slot, px, py)
        for a in angles:
            used[_tiers_used(px, py, h + a, reach, row, idx.lists, idx.dcert, idx.walls4)] += 1
    rays = len(headings) * len(angles)
    assert used[1] > 0.5 * rays and used[2] > 0.01 * rays and used[3] < 0.01 * rays, used


@pytest.mark.parametrize("name", BUILTIN)
def test_each_tier_is_certified_no_farther_than_the_next(name):
    idx = ph.ray_index(load_track(name), ph.DEFAULT_SENSOR_RANGE)
    assert idx.dcert.shape == (TIERS, idx.lists.size // K)
    assert np.all(np.diff(idx.dcert, axis=0) >= 0.0) and np.all(idx.dcert >= 0.0)
