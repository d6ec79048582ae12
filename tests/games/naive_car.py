"""Plain-NumPy reference versions of the car game's geometry and physics (no Numba, no lookup grid).

Slow and simple: every query looks at every wall segment. The tests compare the Numba kernels of
``games.car_track.physics`` to these.
"""

import math

import numpy as np

from games.car_track import physics as ph


def ray_cast(walls, x, y, angle, max_range):
    """Distance along the ray to the nearest of all wall segments (vectorised), capped at max_range."""
    d = np.array([math.cos(angle), math.sin(angle)])
    a, e = walls[:, 0:2], walls[:, 2:4] - walls[:, 0:2]
    w = a - [x, y]
    denom = d[0] * e[:, 1] - d[1] * e[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / denom
        u = (w[:, 0] * d[1] - w[:, 1] * d[0]) / denom
    ok = (denom != 0) & (t >= 0) & (u >= 0) & (u <= 1)
    return float(min(max_range, t[ok].min())) if ok.any() else float(max_range)


def corners(x, y, heading):
    """(4, 2) car rectangle corners, by rotating the body-frame corners with a rotation matrix."""
    hl, hw = ph.CAR_LENGTH / 2, ph.CAR_WIDTH / 2
    body = np.array([[hl, -hw], [hl, hw], [-hl, hw], [-hl, -hw]])
    c, s = math.cos(heading), math.sin(heading)
    return body @ np.array([[c, s], [-s, c]]) + [x, y]


def hits_wall(walls, x, y, heading):
    """True if any car edge touches any wall (orientation test with bounding boxes, all pairs)."""
    p = corners(x, y, heading)
    edges = np.concatenate([p, np.roll(p, -1, axis=0)], axis=1)
    a, b = edges[:, None, 0:2], edges[:, None, 2:4]
    c, d = walls[None, :, 0:2], walls[None, :, 2:4]

    def orient(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])

    hit = ((orient(a, b, c) * orient(a, b, d) <= 0) & (orient(c, d, a) * orient(c, d, b) <= 0)
           & (np.maximum(a, b) >= np.minimum(c, d)).all(-1) & (np.maximum(c, d) >= np.minimum(a, b)).all(-1))
    return bool(hit.any())


def project(centre, arc, x, y, seg, window):
    """Nearest centreline point among segments seg-window..seg+window: (segment, arc length)."""
    n = len(centre)
    idx = np.arange(seg - window, seg + window + 1) % n
    a, b = centre[idx], centre[(idx + 1) % n]
    e = b - a
    t = np.clip(np.sum(([x, y] - a) * e, axis=1) / np.sum(e * e, axis=1), 0.0, 1.0)
    d = np.sum((a + t[:, None] * e - [x, y]) ** 2, axis=1)
    k = int(np.argmin(d))
    i = int(idx[k])
    s = arc[i] + t[k] * (arc[i + 1] - arc[i])
    return i, (s - arc[-1] if s >= arc[-1] else s)


def advance(state, steer, throttle, laps_target, track):
    """One step, as a dict-free rewrite of physics.advance using the functions above; returns (reward, status)."""
    centre, arc, walls = track.centreline, track.arc, track.walls
    steer, throttle = float(np.clip(steer, -1, 1)), float(np.clip(throttle, -1, 1))
    acc = throttle * (ph.ACCEL if throttle >= 0 else ph.BRAKE)
    v = float(np.clip(state[ph.SPEED] + (acc - ph.DRAG * state[ph.SPEED]) * ph.DT, 0.0, ph.MAX_SPEED))
    h = state[ph.HEADING] + v / ph.WHEELBASE * math.tan(steer * ph.MAX_STEER) * ph.DT
    state[ph.SPEED], state[ph.HEADING] = v, h
    state[ph.X] += v * math.cos(h) * ph.DT
    state[ph.Y] += v * math.sin(h) * ph.DT
    state[ph.TIME] += ph.DT
    length = arc[-1]
    seg, s = project(centre, arc, state[ph.X], state[ph.Y], int(state[ph.SEG]), ph.PROJECTION_WINDOW)
    delta = (s - state[ph.ARC] + length / 2) % length - length / 2  # wrapped into [-L/2, L/2)
    state[ph.SEG], state[ph.ARC] = seg, s
    state[ph.TOTAL] += delta
    gain = max(0.0, state[ph.TOTAL] - state[ph.PROGRESS])
    state[ph.PROGRESS] = max(state[ph.PROGRESS], state[ph.TOTAL])
    reward = gain / length
    while state[ph.PROGRESS] >= (state[ph.LAPS] + 1) * length:
        reward += ph.LAP_BONUS * max(0.0, 1 - (state[ph.TIME] - state[ph.LAP_T]) * ph.SLOW_SPEED / length)
        state[ph.LAPS] += 1
        state[ph.LAP_T] = state[ph.TIME]
    if hits_wall(walls, state[ph.X], state[ph.Y], h):
        return reward, ph.CRASHED
    if state[ph.LAPS] >= laps_target:
        return reward, ph.FINISHED
    if state[ph.PROGRESS] >= state[ph.STALL_REF] + ph.STALL_DISTANCE:
        state[ph.STALL_REF], state[ph.STALL_T] = state[ph.PROGRESS], state[ph.TIME]
    elif state[ph.TIME] - state[ph.STALL_T] > ph.STALL_TIME - 0.5 * ph.DT:
        return reward, ph.STALLED
    return reward, ph.RUNNING
