"""Car physics, sensors, collisions and progress, written once in Numba for the env and the population kernel.

Units: pixels, seconds, radians. World coordinates have y pointing down (screen), so a heading of
``atan2(dy, dx)`` grows clockwise on screen, and a positive steering angle turns the car to the right.

Car model: the kinematic bicycle model (Rajamani, *Vehicle Dynamics and Control*, 2nd ed., section 2.2),
with the reference point at the rear axle, no slip, and semi-implicit Euler integration every ``DT``
seconds: speed first, then heading, then position from the new heading and speed. Throttle in [-1, 1]:
positive accelerates, negative brakes; speed never goes below 0 (no reverse gear) nor above ``MAX_SPEED``.

The car is a ``CAR_LENGTH`` x ``CAR_WIDTH`` rectangle centred on its position; it crashes when one of its
four edges touches a wall segment. It moves less than its length per step (``MAX_SPEED * DT <
CAR_LENGTH``), so it cannot jump through a wall.

Progress: the car's position is projected on the nearest centreline segment among ``PROJECTION_WINDOW``
segments either side of the last one (so it cannot jump to another part of the track); the arc length
travelled is unwrapped across the start line, and progress is its running maximum: driving backwards
earns nothing until the lost ground is made up again, and circling earns nothing. Progress is counted in
laps (1.0 = one lap of the centreline, measured from the start position).

Track arrays (:func:`track_arrays`): ``centre`` (N, 2), ``arc`` (N + 1,), ``walls`` (M, 4), grid
``meta`` (x0, y0, cell, nx, ny), ``cell_start`` and ``cell_items`` (CSR lists of the walls touching each
cell: the ray grid, walked cell by cell by :func:`ray_cast`), ``near_start`` and ``near_items`` (the same for collisions: walls within
reach of the car's corners).
"""

import math
from typing import TYPE_CHECKING

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.car_track.ray_index import N_BINS as RAY_BINS
from games.car_track.ray_index import TIER as RAY_TIER
from games.car_track.ray_index import TIERS as RAY_TIERS
from games.car_track.ray_index import RayIndex
from games.car_track.simd_progress import LANES as WINDOW_LANES
from games.car_track.simd_progress import ROW, window_nearest
from games.car_track.simd_rays import candidates_min

if TYPE_CHECKING:
    from games.car_track.track import KernelArrays, Track

DT = 0.05  # s per step (20 steps per second)
CAR_LENGTH = 24.0  # px
CAR_WIDTH = 12.0  # px
WHEELBASE = 16.0  # px
MAX_SPEED = 240.0  # px/s
ACCEL = 240.0  # px/s^2 at full throttle
BRAKE = 480.0  # px/s^2 at full brake
DRAG = 0.4  # 1/s: speed lost per second per unit of speed when coasting
MAX_STEER = 0.5  # rad, front wheel angle at full steering
STALL_TIME = 3.0  # s without STALL_DISTANCE of new progress stops the car
STALL_DISTANCE = 30.0  # px
LAP_BONUS = 0.1  # laps: time bonus of a lap driven in no time; 0 at SLOW_SPEED
SLOW_SPEED = 40.0  # px/s: average speed of a lap that earns no time bonus
START_OFFSET = 0.2  # start position: up to this fraction of the width left or right of the centreline
START_HEADING = 0.15  # rad: start heading up to this much off the first centreline segment
PROJECTION_WINDOW = 4  # centreline segments searched on either side of the last one
DEFAULT_SENSOR_ANGLES = (-60.0, -30.0, 0.0, 30.0, 60.0)  # degrees from the heading, positive to the right
DEFAULT_SENSOR_RANGE = 200.0  # px

# state vector layout (float64)
X, Y, HEADING, SPEED, SEG, ARC, TOTAL, PROGRESS, TIME, STALL_REF, STALL_T, LAP_T, LAPS = range(13)
STATE_SIZE = 13
# status codes returned by advance()
RUNNING, CRASHED, FINISHED, STALLED = 0, 1, 2, 3


@numba.njit(cache=True, error_model="numpy")
def _cell(meta, x, y):
    nx, ny = int(meta[3]), int(meta[4])
    ix = min(max(int(math.floor((x - meta[0]) / meta[2])), 0), nx - 1)
    iy = min(max(int(math.floor((y - meta[1]) / meta[2])), 0), ny - 1)
    return iy * nx + ix


@numba.njit(cache=True, error_model="numpy")
def ray_hit(px, py, dx, dy, ax, ay, bx, by):
    """Distance along the ray p + t d (d a unit vector) to segment a-b, or inf if it misses.

    With ``e = b - a``, ``w = a - p`` and ``D = d x e``: ``t = (w x e) / D`` and the hit point is
    ``a + u e`` with ``u = (w x d) / D``; the segment is hit when ``D != 0``, ``t >= 0`` and ``0 <= u <= 1``,
    tested as ``0 <= sign(D) (w x d) <= |D|`` (no second division).
    """
    ex, ey = bx - ax, by - ay
    denom = dx * ey - dy * ex
    if denom == 0.0:
        return np.inf
    wx, wy = ax - px, ay - py
    t = (wx * ey - wy * ex) / denom
    nu = (wx * dy - wy * dx) * (1.0 if denom > 0.0 else -1.0)
    if t >= 0.0 and 0.0 <= nu <= abs(denom):
        return t
    return np.inf


@numba.njit(cache=True, inline="always", error_model="numpy")
def _ray_hit_select(px, py, dx, dy, ax, ay, bx, by):
    """:func:`ray_hit` without branches (the division always done, the result selected): the same value,
    with no mispredicted jumps in the ray's inner loop."""
    ex, ey = bx - ax, by - ay
    denom = dx * ey - dy * ex
    wx, wy = ax - px, ay - py
    t = (wx * ey - wy * ex) / denom
    nu = (wx * dy - wy * dx) * (1.0 if denom > 0.0 else -1.0)
    ok = (denom != 0.0) & (t >= 0.0) & (nu >= 0.0) & (nu <= abs(denom))
    return t if ok else np.inf


@numba.njit(cache=True, error_model="numpy")
def ray_cast_brute(px, py, angle, max_range, walls):
    """:func:`ray_cast` against every wall segment (M, 4), no grid: the reference of the indexed cast."""
    dx, dy = math.cos(angle), math.sin(angle)
    best = max_range
    for k in range(walls.shape[0]):
        t = ray_hit(px, py, dx, dy, walls[k, 0], walls[k, 1], walls[k, 2], walls[k, 3])
        if t < best:
            best = t
    return best


@numba.njit(cache=True, error_model="numpy")
def ray_cast(px, py, angle, max_range, walls, meta, cell_start, cell_items):
    """Distance (px) from (px, py) along ``angle`` (radians) to the nearest wall, at most ``max_range``:
    :func:`ray_cast_dir` along ``(cos(angle), sin(angle))``."""
    return ray_cast_dir(px, py, math.cos(angle), math.sin(angle), max_range, walls, meta, cell_start, cell_items)


@numba.njit(cache=True, error_model="numpy")
def ray_cast_dir(px, py, dx, dy, max_range, walls, meta, cell_start, cell_items):
    """Distance (px) from (px, py) along the unit vector (dx, dy) to the nearest wall, at most ``max_range``.

    ``cell_start``/``cell_items`` are the track's ray grid (``Track.ray_grid``: the walls touching each
    cell). The ray visits the cells it crosses in order (Amanatides & Woo 1987) and stops at the first cell
    whose exit lies beyond the nearest hit so far, so it returns exactly :func:`ray_cast_brute`'s distance
    (the same ``ray_hit`` on a subset that holds the nearest wall). A start outside the grid falls back to
    :func:`ray_cast_brute` (along the same direction).
    """
    x0, y0, cell = meta[0], meta[1], meta[2]
    nx, ny = int(meta[3]), int(meta[4])
    fx, fy = (px - x0) / cell, (py - y0) / cell
    if not (0.0 <= fx < nx and 0.0 <= fy < ny):
        best = max_range
        for k in range(walls.shape[0]):
            best = min(best, ray_hit(px, py, dx, dy, walls[k, 0], walls[k, 1], walls[k, 2], walls[k, 3]))
        return best
    ix, iy = int(fx), int(fy)
    # one reciprocal per axis (the cells walked may differ from divisions' in the last ulp of a border
    # crossing; the walls of a cell are listed RAY_MARGIN beyond it, so the nearest wall is still met)
    inf = np.inf
    if dx != 0.0:
        rx = 1.0 / dx
        sx = 1 if dx > 0.0 else -1
        tx, ddx = (x0 + (ix + (1 if dx > 0.0 else 0)) * cell - px) * rx, cell * abs(rx)
    else:
        sx, tx, ddx = 0, inf, inf
    if dy != 0.0:
        ry = 1.0 / dy
        sy = 1 if dy > 0.0 else -1
        ty, ddy = (y0 + (iy + (1 if dy > 0.0 else 0)) * cell - py) * ry, cell * abs(ry)
    else:
        sy, ty, ddy = 0, inf, inf
    best = max_range
    while True:
        c = iy * nx + ix
        for k in range(cell_start[c], cell_start[c + 1]):
            w = cell_items[k]
            best = min(best, _ray_hit_select(px, py, dx, dy, walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]))
        step_x = tx < ty
        if best <= min(tx, ty):  # the nearest hit so far lies within the cells walked
            break
        ix += sx if step_x else 0
        iy += 0 if step_x else sy
        tx = tx + ddx if step_x else tx
        ty = ty if step_x else ty + ddy
        if (ix < 0) | (ix >= nx) | (iy < 0) | (iy >= ny):
            break
    return best


@numba.njit(cache=True)
def _orient(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@numba.njit(cache=True)
def segments_touch(ax, ay, bx, by, cx, cy, dx, dy):
    """True if segments a-b and c-d share a point (collinear overlaps included)."""
    o1, o2 = _orient(ax, ay, bx, by, cx, cy), _orient(ax, ay, bx, by, dx, dy)
    o3, o4 = _orient(cx, cy, dx, dy, ax, ay), _orient(cx, cy, dx, dy, bx, by)
    if o1 * o2 > 0.0 or o3 * o4 > 0.0:
        return False
    return (max(ax, bx) >= min(cx, dx) and max(cx, dx) >= min(ax, bx)
            and max(ay, by) >= min(cy, dy) and max(cy, dy) >= min(ay, by))


@numba.njit(cache=True)
def car_corners(x, y, heading, out):
    """Fill ``out`` (4, 2) with the car rectangle's corners: front-left, front-right, rear-right, rear-left."""
    c, s = math.cos(heading), math.sin(heading)
    hl, hw = CAR_LENGTH / 2, CAR_WIDTH / 2
    for i, (fl, fw) in enumerate(((hl, -hw), (hl, hw), (-hl, hw), (-hl, -hw))):
        out[i, 0] = x + fl * c - fw * s
        out[i, 1] = y + fl * s + fw * c


@numba.njit(cache=True)
def hits_wall(x, y, heading, walls, meta, cell_start, cell_items):
    """True if an edge of the car rectangle at (x, y, heading) touches a wall segment."""
    return _hits_wall_cs(x, y, math.cos(heading), math.sin(heading), walls, meta, cell_start, cell_items)


@numba.njit(cache=True)
def _hits_wall_cs(x, y, c, s, walls, meta, cell_start, cell_items):
    """:func:`hits_wall` given ``c, s = cos(heading), sin(heading)``; walls whose bounding box misses the
    car's are skipped (no edge of the car can touch them: ``segments_touch`` needs the boxes to meet)."""
    hl, hw = CAR_LENGTH / 2, CAR_WIDTH / 2
    # the corners of car_corners, same expressions (front-left, front-right, rear-right, rear-left)
    x0, y0 = x + hl * c - (-hw) * s, y + hl * s + (-hw) * c
    x1, y1 = x + hl * c - hw * s, y + hl * s + hw * c
    x2, y2 = x + (-hl) * c - hw * s, y + (-hl) * s + hw * c
    x3, y3 = x + (-hl) * c - (-hw) * s, y + (-hl) * s + (-hw) * c
    lox, hix = min(min(x0, x1), min(x2, x3)), max(max(x0, x1), max(x2, x3))
    loy, hiy = min(min(y0, y1), min(y2, y3)), max(max(y0, y1), max(y2, y3))
    cell = _cell(meta, x, y)
    for k in range(cell_start[cell], cell_start[cell + 1]):
        w = cell_items[k]
        ax, ay, bx, by = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
        if max(ax, bx) < lox or min(ax, bx) > hix or max(ay, by) < loy or min(ay, by) > hiy:
            continue
        if (segments_touch(x0, y0, x1, y1, ax, ay, bx, by) or segments_touch(x1, y1, x2, y2, ax, ay, bx, by)
                or segments_touch(x2, y2, x3, y3, ax, ay, bx, by)
                or segments_touch(x3, y3, x0, y0, ax, ay, bx, by)):
            return True
    return False


@numba.njit(cache=True, error_model="numpy")
def project(centre, arc, x, y, seg, window):
    """Nearest point of the centreline to (x, y) among segments ``seg - window .. seg + window``.

    Returns ``(segment index, arc length in [0, lap length) in px)``; ties go to the first segment searched.
    """
    n = centre.shape[0]
    best_d, best_i, best_s = np.inf, 0, 0.0
    j = (seg - window) % n  # one integer modulo; then the segments follow with a wrap (same indices as k % n)
    for _ in range(2 * window + 1):
        i = j
        j = i + 1 if i + 1 < n else 0
        ax, ay = centre[i, 0], centre[i, 1]
        ex, ey = centre[j, 0] - ax, centre[j, 1] - ay
        t = ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)
        t = min(max(t, 0.0), 1.0)
        qx, qy = ax + t * ex - x, ay + t * ey - y
        d = qx * qx + qy * qy
        if d < best_d:
            best_d, best_i = d, i
            best_s = arc[i] + t * (arc[i + 1] - arc[i])
    if best_s >= arc[n]:
        best_s -= arc[n]
    return best_i, best_s


NO_ROWS = np.zeros((ROW, 0))  # project_rows without rows: the scalar project


@numba.njit(cache=True, inline="always")
def project_rows(rows, centre, arc, x, y, seg, window):
    """:func:`project` (same result, same bits) in packed registers from the centreline's segment ``rows``
    ((8, N + 16) float64, C-contiguous, :func:`games.car_track.simd_progress.segment_rows`); the scalar loop
    for other rows (``NO_ROWS``), a window wider than the track or the vectors, or a non-finite distance."""
    n = centre.shape[0]
    width = 2 * window + 1
    if rows.shape[1] != n + WINDOW_LANES or rows.strides[1] != 8 or width > n or width > WINDOW_LANES:
        return project(centre, arc, x, y, seg, window)
    j0 = seg - window
    if (j0 < 0) | (j0 >= n):  # ``% n`` (an integer division, ~20 cycles) only off the usual range
        j0 %= n
    i, t, d = window_nearest(rows, j0, n, width, x, y)
    if not d < np.inf:
        return project(centre, arc, x, y, seg, window)
    s = rows[5, i] + t * rows[6, i]
    if s >= arc[n]:
        s -= arc[n]
    return i, s


@numba.njit(cache=True)
def reset(state, centre, arc, width, lateral, dheading):
    """Put the car at the start: point 0 facing point 1, moved ``lateral`` (in [-1, 1]) times
    ``START_OFFSET * width`` to the right and turned by ``dheading`` (in [-1, 1]) times ``START_HEADING``."""
    x0, y0 = centre[0, 0], centre[0, 1]
    h = math.atan2(centre[1, 1] - y0, centre[1, 0] - x0)
    off = lateral * START_OFFSET * width
    state[:] = 0.0
    state[X] = x0 - math.sin(h) * off
    state[Y] = y0 + math.cos(h) * off
    state[HEADING] = h + dheading * START_HEADING
    seg, s = project(centre, arc, state[X], state[Y], 0, PROJECTION_WINDOW)
    state[SEG] = seg
    state[ARC] = s


@numba.njit(cache=True)
def sensor_dirs(angles):
    """(n, 2) float64 ``(cos, sin)`` of the (n,) sensor angles (radians from the heading): :func:`sense`'s
    ``dirs``, computed once per env or kernel call instead of two libm calls per ray and step."""
    out = np.empty((angles.shape[0], 2))
    for i in range(angles.shape[0]):
        out[i, 0], out[i, 1] = math.cos(angles[i]), math.sin(angles[i])
    return out


@numba.njit(cache=True, inline="always")
def sensor_ray(ch, sh, dirs, i):
    """Unit direction of sensor ``i`` for a heading of cosine ``ch`` and sine ``sh``: the sensor's
    ``dirs[i] = (cos a, sin a)`` rotated by the heading (cos and sin of ``heading + a`` by the angle-sum
    formulas, within a few ulp of ``math.cos``/``math.sin`` of the sum)."""
    ca, sa = dirs[i, 0], dirs[i, 1]
    return ch * ca - sh * sa, sh * ca + ch * sa


@numba.njit(cache=True)
def sense(state, dirs, max_range, walls, meta, cell_start, cell_items, obs):
    """Observation into ``obs`` (len(dirs) + 1,): wall distances / max_range in [0, 1], then speed / MAX_SPEED.

    ``dirs`` (n, 2) float64 is :func:`sensor_dirs` of the sensor angles (radians from the heading,
    positive to the right). The heading's cosine and sine are taken once; each ray's direction is
    :func:`sensor_ray`.
    """
    x, y, h = state[X], state[Y], state[HEADING]
    ch, sh = math.cos(h), math.sin(h)
    for i in range(dirs.shape[0]):
        dx, dy = sensor_ray(ch, sh, dirs, i)
        obs[i] = ray_cast_dir(x, y, dx, dy, max_range, walls, meta, cell_start, cell_items) / max_range
    obs[dirs.shape[0]] = state[SPEED] / MAX_SPEED


@numba.njit(cache=True, inline="always")
def index_row(imeta, slot, x, y):
    """First row (``slot * n_bins``) of the lists of the index cell of (x, y) px, or -1 outside the
    indexed cells. ``imeta`` (6,) float64 and ``slot`` (nx * ny,) int64 of a ``RayIndex``."""
    nx, ny = int(imeta[3]), int(imeta[4])
    fx, fy = (x - imeta[0]) / imeta[2], (y - imeta[1]) / imeta[2]
    inside = (fx >= 0.0) & (fx < nx) & (fy >= 0.0) & (fy < ny)
    s = slot[int(fy) * nx + int(fx)] if inside else -1
    return s * int(imeta[5]) if s >= 0 else -1


_BIN_SCALE = RAY_BINS / (2.0 * math.pi)  # direction bins per radian (the bits of the index's lookup)


@numba.njit(cache=True, inline="always")
def ray_bin(row, angle):
    """List ``e`` (``lists[j, e * TIER:]``, ``dcert[j, e]`` for tier ``j``) of the ray of direction ``angle`` (radians) from a point
    of :func:`index_row` ``row``: its cell's bin of ``angle``, one of ``N_BINS`` (the index's ``imeta[5]``)."""
    return max(row, 0) + (int(math.floor(angle * _BIN_SCALE)) & (RAY_BINS - 1))  # = % RAY_BINS (a power of 2)


@numba.njit(cache=True, inline="always")
def _certified(best, row, dcert):
    """Whether the nearest hit ``best`` (px) of the walls tested is the nearest of all: a listed cell, within
    their certified distance, and not 0 (whose sign the packed minimum may not keep)."""
    return (row >= 0) & (best <= dcert) & (best != 0.0)


@numba.njit(cache=True, inline="always")
def listed_rest(px, py, dx, dy, best, e, row, lists, dcert, walls4):
    """The distance (px) of a ray from (px, py) along the unit vector (dx, dy) given ``best``, the nearest hit
    among the first ``TIER`` walls of its list ``e``, which they do not certify: the next tiers of ``TIER``
    walls until one certifies the nearest hit so far (the minimum over the tiers is the minimum over the
    list, the bits of one test of all ``K``), else -1.0 (beyond the whole list's certified distance, or a
    distance of 0)."""
    for j in range(1, RAY_TIERS):
        best = candidates_min(px, py, dx, dy, walls4, lists, j * lists.shape[1] + e * RAY_TIER, best)
        if _certified(best, row, dcert[j, e]):
            return best
    return -1.0


@numba.njit(cache=True, inline="always")
def sense_first(state, ch, sh, dirs, angles, max_range, imeta, slot, lists, dcert, walls4, obs, need):
    """The first pass of the kernel's sensing (:func:`sense_rest` is the rest; together, :func:`sense`'s
    observation bits): ``obs[i]`` = the nearest hit (px) among the first ``TIER`` walls of ray ``i``'s list
    in the :mod:`games.car_track.ray_index` of ``imeta, slot, lists, walls4`` (packed registers,
    :func:`games.car_track.simd_rays.candidates_min`; no branch between the rays, so their loads and
    divisions overlap), and ``need[i]`` whether that hit is not certified (the list's ``dcert`` read here,
    so its load overlaps the rays too: :func:`sense_rest` only tests ``need``). ``ch, sh`` are ``cos, sin`` of ``state[HEADING]``; ``angles`` (n,) float64 the sensor
    angles (radians) whose ``(cos, sin)`` are ``dirs``. Returns the :func:`index_row` of the car's position.

    The population kernel runs this pass for every car before the rest for any, so that no mispredicted
    branch of one car's :func:`sense_rest` discards the next car's first pass in flight."""
    x, y, h = state[X], state[Y], state[HEADING]
    row = index_row(imeta, slot, x, y)
    for i in range(dirs.shape[0]):
        dx, dy = sensor_ray(ch, sh, dirs, i)
        e = ray_bin(row, h + angles[i])
        best = candidates_min(x, y, dx, dy, walls4, lists, e * RAY_TIER, max_range)
        obs[i] = best
        need[i] = not _certified(best, row, dcert[0, e])
    return row


@numba.njit(cache=True, inline="always")
def sense_rest(state, ch, sh, dirs, angles, max_range, walls, meta, cell_start, cell_items, row, lists, dcert, walls4,
               obs, need):
    """The rest of the sensing after :func:`sense_first` (its ``row``, ``obs`` and ``need``): the next tiers of the lists
    where the first does not certify the hit (:func:`listed_rest`), :func:`ray_cast_dir` where no tier does,
    then the scaling of :func:`sense` (``obs`` (n + 1,): distances / max_range, then speed / MAX_SPEED)."""
    x, y, h = state[X], state[Y], state[HEADING]
    n = dirs.shape[0]
    for i in range(n):
        if need[i]:
            e = ray_bin(row, h + angles[i])
            dx, dy = sensor_ray(ch, sh, dirs, i)
            obs[i] = listed_rest(x, y, dx, dy, obs[i], e, row, lists, dcert, walls4)
    for i in range(n):
        d = obs[i]
        if d < 0.0:
            dx, dy = sensor_ray(ch, sh, dirs, i)
            d = ray_cast_dir(x, y, dx, dy, max_range, walls, meta, cell_start, cell_items)
        obs[i] = d / max_range
    obs[n] = state[SPEED] / MAX_SPEED


@numba.njit(cache=True, inline="always")
def advance_cs(state, steer, throttle, laps_target, centre, arc, rows, walls, meta, cell_start, cell_items,
               near_start, near_items):
    """One step of DT seconds with ``steer`` and ``throttle`` in [-1, 1] (clipped).

    ``rows``: :func:`games.car_track.simd_progress.segment_rows` of the centreline (the projection in
    packed registers), or ``NO_ROWS`` (the scalar :func:`project`): the same bits.
    Returns ``(reward, status, cos(heading), sin(heading))`` (the new heading's, which :func:`sense_first`
    takes): reward = new progress in laps, plus ``LAP_BONUS * max(0, 1 - lap_time *
    SLOW_SPEED / lap_length)`` for each lap completed in this step; status is RUNNING, CRASHED (an edge of
    the car touches a wall), FINISHED (``laps_target`` laps done) or STALLED (less than STALL_DISTANCE px
    of new progress in STALL_TIME s).
    """
    steer = min(max(steer, -1.0), 1.0)
    throttle = min(max(throttle, -1.0), 1.0)
    acc = throttle * ACCEL if throttle >= 0.0 else throttle * BRAKE
    v = state[SPEED] + (acc - DRAG * state[SPEED]) * DT
    v = min(max(v, 0.0), MAX_SPEED)
    h = state[HEADING] + v / WHEELBASE * math.tan(steer * MAX_STEER) * DT
    state[SPEED] = v
    state[HEADING] = h
    ch, sh = math.cos(h), math.sin(h)
    state[X] += v * ch * DT
    state[Y] += v * sh * DT
    state[TIME] += DT

    length = arc[arc.shape[0] - 1]
    seg, s = project_rows(rows, centre, arc, state[X], state[Y], int(state[SEG]), PROJECTION_WINDOW)
    delta = s - state[ARC]
    if delta > 0.5 * length:
        delta -= length
    elif delta < -0.5 * length:
        delta += length
    state[SEG] = seg
    state[ARC] = s
    state[TOTAL] += delta
    reward = 0.0
    if state[TOTAL] > state[PROGRESS]:
        reward = (state[TOTAL] - state[PROGRESS]) / length
        state[PROGRESS] = state[TOTAL]
    while state[PROGRESS] >= (state[LAPS] + 1.0) * length:
        lap_time = state[TIME] - state[LAP_T]
        reward += LAP_BONUS * max(0.0, 1.0 - lap_time * SLOW_SPEED / length)
        state[LAPS] += 1.0
        state[LAP_T] = state[TIME]

    if _hits_wall_cs(state[X], state[Y], ch, sh, walls, meta, near_start, near_items):
        return reward, CRASHED, ch, sh
    if state[LAPS] >= laps_target:
        return reward, FINISHED, ch, sh
    if state[PROGRESS] >= state[STALL_REF] + STALL_DISTANCE:
        state[STALL_REF] = state[PROGRESS]
        state[STALL_T] = state[TIME]
    elif state[TIME] - state[STALL_T] > STALL_TIME - 0.5 * DT:  # robust to the rounding of summed DTs
        return reward, STALLED, ch, sh
    return reward, RUNNING, ch, sh


@numba.njit(cache=True, inline="always")
def advance(state, steer, throttle, laps_target, centre, arc, walls, meta, cell_start, cell_items, near_start,
            near_items):
    """One step of DT seconds with ``steer`` and ``throttle`` in [-1, 1] (clipped): :func:`advance_cs`'s
    ``(reward, status)``. Reward = new progress in laps, plus ``LAP_BONUS * max(0, 1 - lap_time *
    SLOW_SPEED / lap_length)`` for each lap completed in this step; status is RUNNING, CRASHED (an edge of
    the car touches a wall), FINISHED (``laps_target`` laps done) or STALLED (less than STALL_DISTANCE px
    of new progress in STALL_TIME s).
    """
    reward, status, _, _ = advance_cs(state, steer, throttle, laps_target, centre, arc, NO_ROWS, walls, meta,
                                      cell_start, cell_items, near_start, near_items)
    return reward, status


def start_draws(rng: np.random.Generator) -> tuple[float, float, float]:
    """The three uniform draws of an episode start: ``(track pick in [0, 1), lateral, heading in [-1, 1))``.

    The env draws them from its ``np_random`` after ``reset(seed=...)``; the kernel from
    ``np.random.default_rng(seed)``: the same stream, so both start episode ``seed`` identically.
    """
    u = rng.random(3)
    return float(u[0]), float(2.0 * u[1] - 1.0), float(2.0 * u[2] - 1.0)


def sensor_radians(sensor_angles: ArrayLike) -> np.ndarray:
    """(n,) float64 sensor angles in radians from a sequence of degrees."""
    return np.radians(np.asarray(sensor_angles, dtype=np.float64).ravel())


COLLISION_REACH = math.hypot(CAR_LENGTH, CAR_WIDTH) / 2 + 1.0  # px: walls a car's corners can touch


def track_arrays(track: "Track", sensor_range: float) -> "KernelArrays":
    """The kernel arrays of ``track`` (see the module docstring) for sensors of ``sensor_range`` pixels."""
    return track.kernel_arrays(COLLISION_REACH)


def ray_index(track: "Track", sensor_range: float) -> RayIndex:
    """The direction-binned ray lists of ``track`` for sensors of ``sensor_range`` px (built once per track
    and range, see :mod:`games.car_track.ray_index`)."""
    return track.ray_index(float(sensor_range))
