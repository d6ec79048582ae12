"""Flappy Bird birds as a structure of arrays across lanes: the packed observation and step of the kernel.

A block of ``w`` lanes (``w`` = 32, 16 or 8) holds one bird per lane, column ``lane`` of two arrays:

- ``fs``: (8, w) float64 rows :data:`Y` [px, top edge], :data:`VEL` [px/frame], :data:`ROT` [degrees] and
  the gap tops [px] of pipes ``score - 2 .. score + 2`` (:data:`GM2`, :data:`G0` (``score - 1``),
  :data:`G1` (``score``), :data:`GP1`, :data:`GP2`: a window on the lane's row of the gap table, 0 for
  pipes before the first).
- ``ist``: (4, w) int64 rows :data:`SCORE` [pipes passed], :data:`T` [frame index], :data:`ITEM` (the
  (genome, seed) pair it flies, -1 for an idle lane) and :data:`ROW` (the seed's row of the gap table).

:func:`observe_simple_lanes`, :func:`observe_pipes_lanes` and :func:`step_lanes` are loops over the lanes
with no call, no inner loop and no branch (selects only). LLVM packs the simple observation and the step
(8 lanes per ``zmm`` instruction under ``prefer_wide_vectors``; ``benchmarks/flappy_throughput.py``
counts them); the "pipes" observation runs branch-free but scalar. They do the operations of
:func:`~games.flappy_bird.physics.observe` and :func:`~games.flappy_bird.physics.step_bird` in the same
order, so the same bits. The rare events (a pipe passed, a crash) are flagged in ``ev`` for the kernel's scalar pass: a lane that
passed a pipe (every ``pipe_spacing / pipe_speed`` frames) takes its new score, gap cache and crash test
there (:func:`after_pass`, also right for several pipes in one frame).
"""

import numba
import numpy as np

from games.flappy_bird.physics import (BIRD_HEIGHT, BIRD_START_ROTATION, BIRD_WIDTH, BIRD_X, FLAP_CEILING,
                                       FLAP_SPEED, GRAVITY, GROUND_Y, MAX_FALL_SPEED, MIN_ROTATION, P_GAP,
                                       PIPE_WIDTH, ROTATION_SPEED, SCREEN_HEIGHT, SCREEN_WIDTH, pipe_x)

#: Rows of ``fs`` (float64) and ``ist`` (int64); ``GM2..GP2`` = gap tops of pipes ``score - 2 .. score + 2``.
Y, VEL, ROT, GM2, G0, G1, GP1, GP2 = range(8)
N_FS = 8
SCORE, T, ITEM, ROW = range(4)
#: Bits of ``ev`` set by :func:`step_lanes`.
PASSED, CRASHED = 1, 2


@numba.njit(cache=True, inline="always")
def _f32(v):
    """The env's float32 cast of an observation value, back in float64 (exact)."""
    return np.float64(np.float32(v))


@numba.njit(cache=True, inline="always")
def observe_simple_lanes(fs, ist, params, x):
    """``observe`` mode 0 ("simple") of every lane, cast through float32, into ``x`` (4, w) float64.

    The next pipe is ``score - 1`` while its right edge is right of the bird's left edge, else ``score``
    (pipe ``score``'s middle is right of the bird's middle, so its right edge is too): the env's loop.
    """
    half_gap = params[P_GAP] / 2
    for lane in range(x.shape[1]):
        s, t = ist[SCORE, lane], ist[T, lane]
        x_prev = pipe_x(s - 1, t, params)
        use_prev = (s >= 1) & (x_prev + PIPE_WIDTH > BIRD_X)
        x_next = x_prev if use_prev else pipe_x(s, t, params)
        g0, g1 = fs[G0, lane], fs[G1, lane]
        x[0, lane] = _f32(fs[Y, lane] / SCREEN_HEIGHT)
        x[1, lane] = _f32(fs[VEL, lane] / MAX_FALL_SPEED)
        x[2, lane] = _f32((x_next - BIRD_X) / SCREEN_WIDTH)
        x[3, lane] = _f32(((g0 if use_prev else g1) + half_gap) / SCREEN_HEIGHT)


@numba.njit(cache=True, inline="always")
def _pick(d, a, b, c):
    """``(a, b, c)[d]`` for ``d`` in 0..2 as ``a * (d == 0) + b * (d == 1) + c * (d == 2)``: exact for finite
    non-negative values (gap tops), and packed (a select of three loads would become an indirect load)."""
    return a * (d == 0) + b * (d == 1) + c * (d == 2)


@numba.njit(cache=True, inline="always")
def _pipe_columns(px, top, gap):
    """Values ``3k .. 3k + 2`` of the "pipes" observation for a pipe at left edge ``px`` with gap top
    ``top`` [px]: (x / 288, top / 512, bottom / 512) cast through float32, or (1, 0, 1) while it is right
    of the screen."""
    right = px > SCREEN_WIDTH
    return (1.0 if right else _f32(px / SCREEN_WIDTH), 0.0 if right else _f32(top / SCREEN_HEIGHT),
            1.0 if right else _f32((top + gap) / SCREEN_HEIGHT))


@numba.njit(cache=True, inline="always")
def _first_shown(s, t, params):
    """The first pipe of the "pipes" observation, ``i`` (``score - 2 <= i <= score``), and ``i - (score - 2)``."""
    i0 = max(s - 2, 0)
    c1 = pipe_x(i0, t, params) + PIPE_WIDTH <= 0
    c2 = pipe_x(i0 + 1, t, params) + PIPE_WIDTH <= 0
    i = i0 + c1 + (c1 & c2)
    return i, i - (s - 2)


@numba.njit(cache=True, inline="always")
def observe_pipes_lanes(fs, ist, params, x):
    """``observe`` mode 1 ("pipes") of every lane, cast through float32, into ``x`` (12, w) float64.

    The first pipe shown is the first of ``max(score - 2, 0)``, ... whose right edge is right of the
    screen's left edge: at most two steps of the env's loop (pipe ``score`` is right of the bird), so
    ``score - 2 <= i <= score`` and its gaps are in the lane's window. One loop per pipe shown and one for
    the bird (a loop writing all 12 rows needs more run-time alias checks than LLVM allows).
    """
    gap = params[P_GAP]
    for k in range(3):
        for lane in range(x.shape[1]):
            t = ist[T, lane]
            i, d = _first_shown(ist[SCORE, lane], t, params)
            top = _pick(d, fs[GM2 + k, lane], fs[GM2 + k + 1, lane], fs[GM2 + k + 2, lane])
            x[3 * k, lane], x[3 * k + 1, lane], x[3 * k + 2, lane] = _pipe_columns(pipe_x(i + k, t, params), top, gap)
    for lane in range(x.shape[1]):
        x[9, lane] = _f32(fs[Y, lane] / SCREEN_HEIGHT)
        x[10, lane] = _f32(fs[VEL, lane] / MAX_FALL_SPEED)
        x[11, lane] = _f32(fs[ROT, lane] / 90.0)


@numba.njit(cache=True)
def load_window(fs, gaps, row, s, lane):
    """Lane ``lane``'s gap window (rows ``GM2 .. GP2``) for score ``s`` from row ``row`` of ``gaps``; 0
    before pipe 0, the table's last gap past its end (read only by an episode that is over)."""
    n = gaps.shape[1]
    for k in range(5):
        j = s - 2 + k
        fs[GM2 + k, lane] = gaps[row, min(j, n - 1)] if j >= 0 else 0.0


@numba.njit(cache=True, inline="always")
def _hits(y, x, gap_top, gap):
    """``physics._hits_pipe`` of a pipe whose left edge is ``x`` [px] and gap top ``gap_top`` [px]."""
    overlap = (BIRD_X < x + PIPE_WIDTH) & (x < BIRD_X + BIRD_WIDTH)
    return overlap & ((y < gap_top) | (y + BIRD_HEIGHT > gap_top + gap))


@numba.njit(cache=True, inline="always")
def _fly(y, vel, rot, flap):
    """Flap, rotation, gravity and move of ``step_bird``: the new ``(y, vel, rot)``."""
    flapped = flap & (y > FLAP_CEILING)
    vel = FLAP_SPEED if flapped else vel
    rot = rot - ROTATION_SPEED if rot > MIN_ROTATION else rot
    vel = vel + GRAVITY if (vel < MAX_FALL_SPEED) & (not flapped) else vel
    rot = BIRD_START_ROTATION if flapped else rot
    return y + min(vel, GROUND_Y - y - BIRD_HEIGHT), vel, rot


@numba.njit(cache=True, inline="always")
def step_lanes(out, fs, ist, params, ev):
    """``step_bird`` of every lane from the network outputs ``out`` (2, w) (action = first argmax), to
    frame ``T + 1``: ``fs``/``ist`` updated, ``ev[lane]`` (int8) = ``PASSED | CRASHED`` bits of this frame.

    The crash bit is the test against the pipes of the score before the step: exact for a lane that passed
    no pipe; a lane that passed one (``PASSED``) is tested again by :func:`after_pass`. So the loop only
    reads the gap cache, with no selection between loads (LLVM would turn it into an indirect load and not
    pack the loop). Idle lanes (``ITEM`` < 0) are stepped too, never read, and have no events.
    """
    gap = params[P_GAP]
    for lane in range(out.shape[1]):  # the actions first: ``out`` is one of two buffers (an indirect base)
        ev[lane] = out[1, lane] > out[0, lane]
    for lane in range(out.shape[1]):
        g0, g1, s, live = fs[G0, lane], fs[G1, lane], ist[SCORE, lane], ist[ITEM, lane] >= 0
        y, vel, rot = _fly(fs[Y, lane], fs[VEL, lane], fs[ROT, lane], ev[lane] != 0)
        t = ist[T, lane] + 1
        passed = pipe_x(s, t, params) + PIPE_WIDTH / 2 <= BIRD_X + BIRD_WIDTH / 2
        hit = ((s >= 1) & _hits(y, pipe_x(s - 1, t, params), g0, gap)) | _hits(y, pipe_x(s, t, params), g1, gap)
        ground = y + BIRD_HEIGHT >= GROUND_Y - 1
        fs[Y, lane], fs[VEL, lane], fs[ROT, lane] = y, vel, rot
        ist[T, lane] = t
        ev[lane] = (np.int8(passed) | (np.int8(ground | hit) << 1)) if live else 0


@numba.njit(cache=True)
def after_pass(fs, ist, gaps, params, lane):
    """Scalar pass of a lane that passed a pipe this frame (one or more): its score, its gap cache and the
    crash test of ``step_bird`` against the pipes of the new score.

    Returns:
        True if the bird crashed in this frame.
    """
    row, s, t = ist[ROW, lane], ist[SCORE, lane], ist[T, lane]
    while pipe_x(s, t, params) + PIPE_WIDTH / 2 <= BIRD_X + BIRD_WIDTH / 2:
        s += 1
    ist[SCORE, lane] = s
    load_window(fs, gaps, row, s, lane)
    g0, g1, y, gap = fs[G0, lane], fs[G1, lane], fs[Y, lane], params[P_GAP]
    return (y + BIRD_HEIGHT >= GROUND_Y - 1) or _hits(y, pipe_x(s - 1, t, params), g0, gap) \
        or _hits(y, pipe_x(s, t, params), g1, gap)


@numba.njit(cache=True)
def start_lane(fs, ist, gaps, start, item, row, lane):
    """Lane ``lane`` starts (genome, seed) pair ``item`` on gap-table row ``row`` from ``start`` (4,)
    float64 ``(y, vel, rot, score)`` at frame 0."""
    fs[Y, lane], fs[VEL, lane], fs[ROT, lane] = start[0], start[1], start[2]
    s = np.int64(start[3])
    load_window(fs, gaps, row, s, lane)
    ist[SCORE, lane], ist[T, lane], ist[ITEM, lane], ist[ROW, lane] = s, 0, item, row
