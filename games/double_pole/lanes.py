"""The double-pole physics of :mod:`games.double_pole.physics` across a block of lanes, the same bits.

Sources: Wieland's (1991) equations as the ``CartPole`` class of ``experiments.cpp`` in Stanley's NEAT C++
distribution codes them (``CartPole::step``, ``CartPole::rk4``, ``performAction``, ``outsideBounds``), through
the scalar :func:`~games.double_pole.physics.step`, :func:`~games.double_pole.physics.rk4` and
:func:`~games.double_pole.physics.advance`, written here with the same floating-point operations in the same
order (no fastmath, no fused multiply-adds), so every lane's state has the bits of the scalar one.

States are a structure of arrays, ``state[i, lane]``: (6, lanes) float64, row ``i`` the scalar state's element
``i`` (``x`` [m], ``x_dot`` [m/s], ``theta1`` [rad], ``theta1_dot`` [rad/s], ``theta2`` [rad], ``theta2_dot``
[rad/s]). A decision is two RK4 steps of ``TAU`` (0.01 s), four evaluations of ``step`` each.

What is packed and what stays scalar:

- ``np.cos``/``np.sin`` of both angles stay libm's calls (the scalar step's bits), in a scalar pass over the
  lanes (:func:`_trig_lanes`) into the rows of ``trig`` before every evaluation of ``step``; LLVM makes the
  pair of each angle one ``sincos`` call, as in the scalar step: 16 calls per decision and lane (about 10 ns
  each), the larger part of a decision's time. (With Intel's SVML installed, ``numba.config.USING_SVML``,
  LLVM could vectorise that pass with SVML's functions, not libm's bits; it is not installed here.)
- The rest is packed across the lanes (8 per ``zmm`` instruction), each pass a function of its own that calls
  ``prefer_wide_vectors()`` first: the arithmetic of ``step`` (:func:`step_lanes`, 4 divisions), each RK4
  stage's point (:func:`_point_lanes`), ``rk4``'s result (:func:`_rk4_end_lanes`), the action's clip
  (:func:`_clip_lanes`), the failure test (:func:`outside_lanes`), the observation (:func:`observe_lanes`)
  and Gruau's damping term (:func:`jiggle_lanes`). Each pass touches few arrays, or one row of each at a time:
  with more, LLVM's loop vectorizer needs "too many memory checks" (run-time alias checks between the rows)
  and leaves the loop scalar, as it does when these loops are inlined into the lockstep loop
  (``games/cartpole/kernel.py``).
"""

from __future__ import annotations

import numba
import numpy as np

from games.double_pole.physics import (FORCE_MAG, GRAVITY, LENGTH_1, LENGTH_2, MASSCART, MASSPOLE_1, MASSPOLE_2,
                                       MUP, SCALE, TAU, TRACK_LIMIT)
from neuroevo.networks.program import block_zeros
from neuroevo.networks.simd import prefer_wide_vectors


@numba.njit(cache=True, inline="always")
def physics_scratch(lanes):
    """The scratch of :func:`advance_lanes` for ``lanes`` lanes, every block (6, lanes) float64 unless said:
    ``CartPole::rk4``'s ``dydx``, ``dym``, ``dyt``, the fourth evaluation's derivatives (``rk4`` writes them
    into ``dyt`` after adding ``dyt`` into ``dym``; kept apart here, the sum taken at the end), the stage point
    ``yt``, libm's cos/sin of theta1 and theta2 (4, lanes) and the clipped action (lanes,); 64-byte aligned."""
    return (block_zeros(6, lanes, np.float64), block_zeros(6, lanes, np.float64), block_zeros(6, lanes, np.float64),
            block_zeros(6, lanes, np.float64), block_zeros(6, lanes, np.float64), block_zeros(4, lanes, np.float64),
            block_zeros(1, lanes, np.float64)[0])


@numba.njit(cache=True, inline="always")
def _derivs(force, st3, st5, c1, s1, c2, s2, one):
    """The accelerations ``(x_ddot, theta1_ddot, theta2_ddot)`` of ``CartPole::step`` (:func:`physics.step`)
    from the force [N], the angular velocities [rad/s] and libm's cos/sin of the angles; ``one``: the short
    pole dropped (its terms zero), as a select."""
    gsintheta_1 = GRAVITY * s1
    gsintheta_2 = GRAVITY * s2
    ml_1 = LENGTH_1 * MASSPOLE_1
    ml_2 = LENGTH_2 * MASSPOLE_2
    temp_1 = MUP * st3 / ml_1
    temp_2 = MUP * st5 / ml_2
    fi_1 = (ml_1 * st3 * st3 * s1) + (0.75 * MASSPOLE_1 * c1 * (temp_1 + gsintheta_1))
    fi_2 = (ml_2 * st5 * st5 * s2) + (0.75 * MASSPOLE_2 * c2 * (temp_2 + gsintheta_2))
    mi_1 = MASSPOLE_1 * (1 - (0.75 * c1 * c1))
    mi_2 = MASSPOLE_2 * (1 - (0.75 * c2 * c2))
    fi_2 = 0.0 if one else fi_2
    mi_2 = 0.0 if one else mi_2
    d1 = (force + fi_1 + fi_2) / (mi_1 + mi_2 + MASSCART)
    d3 = -0.75 * (d1 * c1 + gsintheta_1 + temp_1) / LENGTH_1
    d5 = 0.0 if one else -0.75 * (d1 * c2 + gsintheta_2 + temp_2) / LENGTH_2
    return d1, d3, d5


@numba.njit(cache=True, error_model="numpy")
def step_lanes(a, st, trig, derivs, one):
    """Packed ``CartPole::step`` (:func:`physics.step`) of every lane at ``st`` ((6, lanes)) into ``derivs``
    ((6, lanes)): rows 1, 3, 5 the accelerations, rows 0, 2, 4 the velocities of ``st`` (as ``advance`` and
    ``rk4`` set them). ``a`` (lanes,) the clipped action, ``trig`` (4, lanes) libm's cos/sin of the angles
    (:func:`_trig_lanes`), ``one``: a single pole."""
    prefer_wide_vectors()
    for lane in range(st.shape[1]):
        d1, d3, d5 = _derivs(a[lane] * FORCE_MAG, st[3, lane], st[5, lane], trig[0, lane], trig[1, lane],
                             trig[2, lane], trig[3, lane], one)
        derivs[0, lane], derivs[2, lane], derivs[4, lane] = st[1, lane], st[3, lane], st[5, lane]
        derivs[1, lane], derivs[3, lane], derivs[5, lane] = d1, d3, d5


@numba.njit(cache=True, error_model="numpy")
def _point_lanes(y, h, derivs, yt):
    """Packed: an RK4 stage's point ``yt = y + h * derivs`` (``rk4``'s ``yt[i] = y[i] + hh * dydx[i]``),
    one row at a time (one row of each array per loop: few run-time alias checks)."""
    prefer_wide_vectors()
    for i in range(6):
        for lane in range(y.shape[1]):
            yt[i, lane] = y[i, lane] + h * derivs[i, lane]


@numba.njit(cache=True, error_model="numpy")
def _rk4_end_lanes(state, dydx, dym, dyt, dyt4):
    """Packed: ``rk4``'s result ``state = state + h6 * (dydx + dyt + 2 dym)``, its ``dym`` being ``dym + dyt``
    (the sum it forms before the fourth evaluation) and its last ``dyt`` the fourth evaluation's ``dyt4``."""
    prefer_wide_vectors()
    h6 = TAU / 6.0
    for i in range(6):
        for lane in range(state.shape[1]):
            m = dym[i, lane] + dyt[i, lane]
            state[i, lane] = state[i, lane] + h6 * (dydx[i, lane] + dyt4[i, lane] + 2.0 * m)


@numba.njit(cache=True, inline="always")
def _trig_lanes(st, trig):
    """Scalar pass: libm's ``np.cos``/``np.sin`` of both angles of ``st`` ((6, lanes)) into ``trig``'s rows
    (``CartPole::step``'s four calls). Each angle is loaded once, before the stores, so LLVM makes each pair
    one ``sincos`` call, as it does in the scalar step (two loads, the second after a store to ``trig``
    that might alias ``st``, kept ``sin`` and ``cos`` apart)."""
    for lane in range(st.shape[1]):
        theta_1, theta_2 = st[2, lane], st[4, lane]
        c1, s1, c2, s2 = np.cos(theta_1), np.sin(theta_1), np.cos(theta_2), np.sin(theta_2)
        trig[0, lane], trig[1, lane], trig[2, lane], trig[3, lane] = c1, s1, c2, s2


@numba.njit(cache=True, error_model="numpy")
def _clip_lanes(action, a):
    """Packed: ``a = min(max(action, -1), 1)`` as float64 (``performAction``'s clip; ``action`` (lanes,) the
    network's first output, float64 or float32)."""
    prefer_wide_vectors()
    for lane in range(a.shape[0]):
        a[lane] = min(max(action[lane], -1.0), 1.0)


@numba.njit(cache=True, inline="always")
def _rk4_lanes(state, a, one, scratch):
    """``CartPole::rk4`` of every lane (:func:`physics.rk4` after ``advance``'s first ``step``), ``state``
    updated: four evaluations of ``step``, each after libm's pass over the lanes."""
    dydx, dym, dyt, dyt4, yt, trig, _ = scratch
    hh = TAU * 0.5
    _trig_lanes(state, trig)
    step_lanes(a, state, trig, dydx, one)
    _point_lanes(state, hh, dydx, yt)
    _trig_lanes(yt, trig)
    step_lanes(a, yt, trig, dyt, one)
    _point_lanes(state, hh, dyt, yt)
    _trig_lanes(yt, trig)
    step_lanes(a, yt, trig, dym, one)
    _point_lanes(state, TAU, dym, yt)
    _trig_lanes(yt, trig)
    step_lanes(a, yt, trig, dyt4, one)
    _rk4_end_lanes(state, dydx, dym, dyt, dyt4)


@numba.njit(cache=True, error_model="numpy")
def advance_lanes(state, action, poles, failure_angle, scratch, failed):
    """One decision in every lane (:func:`physics.advance`, ``performAction``): two RK4 steps of ``TAU`` with
    the lane's action, ``state`` updated.

    Args:
        state: (6, lanes) float64 states (module docstring). action: (lanes,) float64 or float32 force in
            [-1, 1] (clipped; ``u * FORCE_MAG`` N). poles: 1 or 2. failure_angle: rad, either pole beyond it
            fails. scratch: :func:`physics_scratch`.
        failed: (lanes,) bool, written: the cart or a pole out of bounds after the decision
            (``outsideBounds``, :func:`outside_lanes`).
    """
    a = scratch[6]
    one = poles == 1
    _clip_lanes(action, a)
    for _ in range(2):
        _rk4_lanes(state, a, one, scratch)
    outside_lanes(state, failure_angle, failed)


@numba.njit(cache=True, error_model="numpy")
def outside_lanes(state, failure_angle, failed):
    """Packed: ``failed[lane]`` (bool) = |x| > ``TRACK_LIMIT`` m or a pole beyond ``failure_angle`` rad
    (:func:`physics.outside`, ``outsideBounds``; the same comparisons without the short-circuit)."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        x, th1, th2 = state[0, lane], state[2, lane], state[4, lane]
        failed[lane] = ((x < -TRACK_LIMIT) | (x > TRACK_LIMIT) | (th1 < -failure_angle) | (th1 > failure_angle)
                        | (th2 < -failure_angle) | (th2 > failure_angle))


@numba.njit(cache=True, error_model="numpy")
def observe_lanes(state, velocities, x):
    """Packed: the scaled network inputs of every lane into ``x`` (float64, (6, lanes) with velocities, else
    (3, lanes) = x / 4.8, theta1 / 0.52, theta2 / 0.52): :func:`physics.observe`, divisions kept."""
    prefer_wide_vectors()
    if velocities:
        for i in range(6):
            for lane in range(state.shape[1]):
                x[i, lane] = state[i, lane] / SCALE[i]
    else:
        for i in range(3):
            for lane in range(state.shape[1]):
                x[i, lane] = state[2 * i, lane] / SCALE[2 * i]


@numba.njit(cache=True, error_model="numpy")
def jiggle_lanes(state, out):
    """Packed: Gruau's damping term ``|x| + |x_dot| + |theta1| + |theta1_dot|`` of every lane into ``out``
    ((lanes,) float64; :func:`physics.jiggle`, ``jigglestep``)."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        out[lane] = abs(state[0, lane]) + abs(state[1, lane]) + abs(state[2, lane]) + abs(state[3, lane])
