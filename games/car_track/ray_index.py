"""Direction-binned candidate lists for the sensor rays: a few walls per (grid cell, direction bin), certified.

For a cell of a fine grid (``CELL`` px) near the track and a direction bin (``N_BINS`` bins of 2 pi /
``N_BINS`` rad), the index keeps the ``K`` walls that a ray starting anywhere in the cell, pointing anywhere
in the bin, can reach first, and a certified distance ``dcert``: no wall outside the list can be hit by
such a ray closer than ``dcert`` px. So the nearest hit among the ``K`` walls, when it is at most
``dcert``, is the nearest hit among all walls (the value :func:`physics.ray_cast_brute` computes, with the
same ``ray_hit`` arithmetic); otherwise the ray falls back to the grid walk of :func:`physics.ray_cast_dir`.
A list is sorted by the bound, so its first ``j * TIER`` walls are a list of their own for each ``j``, with
its own certified distance (the ``j * TIER + 1``-th smallest bound): rays are tested against the first
:data:`TIER` walls, and against the next ``TIER`` only while those tested do not certify the hit.

The bound: ``D(w)``, the distance within which a wall ``w`` cannot be reached from the cell inside the bin,
is bounded below by sampling: points ``q`` on the wall every <= ``SAMPLE`` px, points ``p`` of the cell on
a grid of <= ``SAMPLE`` px; a sample pair at distance ``r`` stands for every pair within ``delta = hq / 2 +
hp / sqrt 2`` (+ ``MARGIN``) of it, so it bounds ``D`` by ``r - delta`` over the directions within
``asin(delta / (r - delta))`` (+ ``ANGLE_SLACK`` rad) of its own, or over all directions if ``r <= 2
delta``. ``dcert`` is the ``K + 1``-th smallest bound (capped at the reach); the slacks absorb the rounding
of the cell and bin lookups and of ``ray_hit``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

CELL = 20.0  # px, side of an index cell
N_BINS = 64  # direction bins over 2 pi
K = 24  # candidate walls per (cell, bin)
TIER = 8  # walls per packed test (one 512-bit register per coordinate)
TIERS = K // TIER  # packed tests at most per ray
SAMPLE = 4.0  # px, sample spacing of the lower bound
MARGIN = 1e-3  # px, position slack (cell lookup rounding, ray_hit rounding)
ANGLE_SLACK = 1e-6  # rad, direction slack (bin lookup rounding)


class RayIndex(NamedTuple):
    """The index arrays (see the module docstring).

    Attributes:
        imeta: (6,) float64 ``(x0, y0, cell, nx, ny, n_bins)``: grid origin (px), cell side (px), cells.
        slot: (nx * ny,) int64 row of each cell in ``lists`` / ``dcert``, -1 for a cell without lists.
        lists: (TIERS, slots * n_bins * TIER) int16 wall indices, ``M`` = a padding wall: row ``j`` holds tier
            ``j`` (walls ``j * TIER`` to ``(j + 1) * TIER - 1``) of every (slot, bin) list, so the first tiers,
            which most rays need alone, are contiguous (one third of the memory the rays touch).
        dcert: (TIERS, slots * n_bins) float64 certified distances (px) of each list: row ``j`` of its
            first ``(j + 1) * TIER`` walls (the last column of all ``K``).
        walls4: (M + 1, 4) float64 walls as ``(ax, ay, bx - ax, by - ay)``, row ``M`` zeros (never hit).
    """

    imeta: np.ndarray
    slot: np.ndarray
    lists: np.ndarray
    dcert: np.ndarray
    walls4: np.ndarray


@numba.njit(cache=True)
def _box_gap(ax, ay, bx, by, x0, y0, x1, y1):
    """Distance (px) between the bounding box of segment a-b and the box [x0, x1] x [y0, y1] (a lower
    bound of the segment-to-box distance)."""
    gx = max(0.0, max(min(ax, bx) - x1, x0 - max(ax, bx)))
    gy = max(0.0, max(min(ay, by) - y1, y0 - max(ay, by)))
    return math.sqrt(gx * gx + gy * gy)


@numba.njit(cache=True)
def _bound_wall(D, w, ax, ay, bx, by, x0, y0, reach):
    """Lower bounds ``D[:, w]`` (n_bins,) of the distance at which wall ``w`` is reachable from the cell at
    (x0, y0) in each direction bin (module docstring)."""
    nb = D.shape[0]
    bw = 2.0 * math.pi / nb
    n_p = int(math.ceil(CELL / SAMPLE)) + 1
    hp = CELL / (n_p - 1)
    length = math.hypot(bx - ax, by - ay)
    n_q = max(int(math.ceil(length / SAMPLE)) + 1, 2)
    hq = length / (n_q - 1)
    delta = 0.5 * hq + hp * math.sqrt(0.5) + MARGIN
    for iq in range(n_q):
        u = iq / (n_q - 1)
        qx, qy = ax + u * (bx - ax), ay + u * (by - ay)
        for ipx in range(n_p):
            for ipy in range(n_p):
                vx, vy = qx - (x0 + ipx * hp), qy - (y0 + ipy * hp)
                r = math.sqrt(vx * vx + vy * vy)
                lb = max(r - delta, 0.0)
                if r <= 2.0 * delta:
                    for b in range(nb):
                        D[b, w] = min(D[b, w], lb)
                    continue
                tau = math.asin(delta / (r - delta)) + ANGLE_SLACK
                ang = math.atan2(vy, vx)
                for bb in range(int(math.floor((ang - tau) / bw)), int(math.floor((ang + tau) / bw)) + 1):
                    b = bb % nb
                    D[b, w] = min(D[b, w], lb)


@numba.njit(cache=True)
def _build(walls, cells, gx0, gy0, nb, reach):
    """``(lists (len(cells), nb, K) int16, dcert (len(cells), nb, TIERS) float64)`` for the cells (C, 2) int64
    ``(ix, iy)`` of the grid at (gx0, gy0) (module docstring)."""
    m = walls.shape[0]
    lists = np.full((cells.shape[0], nb, K), m, dtype=np.int16)
    dcert = np.zeros((cells.shape[0], nb, TIERS))
    D = np.empty((nb, m))
    for c in range(cells.shape[0]):
        x0, y0 = gx0 + cells[c, 0] * CELL, gy0 + cells[c, 1] * CELL
        D[:, :] = np.inf
        for w in range(m):
            ax, ay, bx, by = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
            if _box_gap(ax, ay, bx, by, x0, y0, x0 + CELL, y0 + CELL) <= reach:
                _bound_wall(D, w, ax, ay, bx, by, x0, y0, reach)
        for b in range(nb):
            order = np.argsort(D[b])
            for k in range(min(K, m)):
                if D[b, order[k]] < np.inf:
                    lists[c, b, k] = order[k]
            for j in range(TIERS):
                n_listed = (j + 1) * TIER
                dcert[c, b, j] = min(D[b, order[n_listed]], reach) if n_listed < m else reach
    return lists, dcert


def build_ray_index(walls: np.ndarray, centre: np.ndarray, width: float, bounds: tuple, reach: float) -> RayIndex:
    """The :class:`RayIndex` of walls (M, 4) float64 px for rays of at most ``reach`` px, with lists for the
    cells within ``width / 2`` (+ a cell diagonal) of the closed centreline (N, 2); ``bounds`` ``(x0, y0,
    x1, y1)`` px is the grid's extent."""
    from games.car_track.track import point_segment_distances
    x0, y0, x1, y1 = bounds
    nx, ny = int(math.ceil((x1 - x0) / CELL)), int(math.ceil((y1 - y0) / CELL))
    cx, cy = x0 + (np.arange(nx) + 0.5) * CELL, y0 + (np.arange(ny) + 0.5) * CELL
    centres = np.stack(np.meshgrid(cx, cy, indexing="xy"), axis=-1).reshape(-1, 2)
    segs = np.concatenate([centre, np.roll(centre, -1, axis=0)], axis=1)
    near = point_segment_distances(centres, segs).min(axis=1) <= width / 2 + CELL * math.sqrt(0.5) + 1.0
    keep = np.nonzero(near)[0]
    slot = np.full(nx * ny, -1, dtype=np.int64)
    slot[keep] = np.arange(keep.size)
    cells = np.stack([keep % nx, keep // nx], axis=1).astype(np.int64)
    lists, dcert = _build(np.ascontiguousarray(walls, dtype=np.float64), cells, float(x0), float(y0), N_BINS,
                          float(reach))
    walls4 = np.zeros((len(walls) + 1, 4))
    walls4[:-1, 0:2] = walls[:, 0:2]
    walls4[:-1, 2:4] = walls[:, 2:4] - walls[:, 0:2]
    imeta = np.array([x0, y0, CELL, nx, ny, N_BINS], dtype=np.float64)
    rows = lists.shape[0] * lists.shape[1]
    lists = np.ascontiguousarray(lists.reshape(rows, TIERS, TIER).transpose(1, 0, 2).reshape(TIERS, rows * TIER))
    return RayIndex(imeta, slot, lists, np.ascontiguousarray(dcert.reshape(rows, TIERS).T), walls4)
