"""Flappy Bird birds as a structure of arrays across lanes: the packed observation and step of the kernel.

A block of ``w`` lanes (``w`` = 32, 16 or 8) holds one bird per lane, column ``lane`` of two arrays:

- ``fs``: (5, w) float64 rows :data:`Y` [px, top edge], :data:`VEL` [px/frame], :data:`ROT` [degrees] and
  the gap tops [px] of pipes ``score - 1``, ``score`` (:data:`G0`, :data:`G1`: a cache of the lane's row
  of the gap table; ``G0`` is unused while ``score`` is 0).
- ``ist``: (4, w) int64 rows :data:`SCORE` [pipes passed], :data:`T` [frame index], :data:`ITEM` (the
  (genome, seed) pair it flies, -1 for an idle lane) and :data:`ROW` (the seed's row of the gap table).

:func:`observe_simple_lanes` and :func:`step_lanes` are loops over the lanes with no call, no inner loop and
no branch (selects only), so LLVM packs them (8 lanes per ``zmm`` instruction under
``prefer_wide_vectors``). They do the operations of :func:`~games.flappy_bird.physics.observe` and
:func:`~games.flappy_bird.physics.step_bird` in the same order, so the same bits. The
rare events (a pipe passed, a crash) are flagged in ``ev`` for the kernel's scalar pass: a lane that
passed a pipe (every ``pipe_spacing / pipe_speed`` frames) takes its new score, gap cache and crash test
there (:func:`after_pass`, also right for several pipes in one frame).
"""

import numba
import numpy as np

from games.flappy_bird.physics import (BIRD_HEIGHT, BIRD_START_ROTATION, BIRD_WIDTH, BIRD_X, FLAP_CEILING,
                                       FLAP_SPEED, GRAVITY, GROUND_Y, MAX_FALL_SPEED, MIN_ROTATION, P_GAP,
                                       PIPE_WIDTH, ROTATION_SPEED, SCREEN_HEIGHT, SCREEN_WIDTH, observe, pipe_x)

#: Rows of ``fs`` (float64) and ``ist`` (int64).
Y, VEL, ROT, G0, G1 = range(5)
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


@numba.njit(cache=True)
def observe_lane(fs, ist, gaps, params, mode, x, lane, bird, obs):
    """``observe`` of one lane in any mode (the scalar path of the "pipes" observation), cast through
    float32 into column ``lane`` of ``x`` (n_in, w). ``bird`` (4,) and ``obs`` (n_in,) are float64 scratch."""
    bird[0], bird[1], bird[2], bird[3] = fs[Y, lane], fs[VEL, lane], fs[ROT, lane], ist[SCORE, lane]
    observe(bird, ist[T, lane], gaps[ist[ROW, lane]], params, mode, obs)
    for i in range(obs.shape[0]):
        x[i, lane] = _f32(obs[i])


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
    g0, g1 = gaps[row, s - 1], gaps[row, s]
    fs[G0, lane], fs[G1, lane] = g0, g1
    y, gap = fs[Y, lane], params[P_GAP]
    return (y + BIRD_HEIGHT >= GROUND_Y - 1) or _hits(y, pipe_x(s - 1, t, params), g0, gap) \
        or _hits(y, pipe_x(s, t, params), g1, gap)


@numba.njit(cache=True)
def start_lane(fs, ist, gaps, start, item, row, lane):
    """Lane ``lane`` starts (genome, seed) pair ``item`` on gap-table row ``row`` from ``start`` (4,)
    float64 ``(y, vel, rot, score)`` at frame 0."""
    fs[Y, lane], fs[VEL, lane], fs[ROT, lane] = start[0], start[1], start[2]
    s = np.int64(start[3])
    fs[G0, lane] = gaps[row, s - 1] if s >= 1 else 0.0
    fs[G1, lane] = gaps[row, s]
    ist[SCORE, lane], ist[T, lane], ist[ITEM, lane], ist[ROW, lane] = s, 0, item, row


@numba.njit(cache=True)
def narrow(a, keep, w):
    """(a.shape[0], w) copy of the columns ``keep[:n]`` of ``a`` (n <= w), zero elsewhere: a block's live
    lanes moved into a narrower block."""
    b = np.zeros((a.shape[0], w), dtype=a.dtype)
    for j in range(keep.shape[0]):
        for i in range(a.shape[0]):
            b[i, j] = a[i, keep[j]]
    return b
