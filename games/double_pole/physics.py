"""Double-pole (and single-pole) balancing physics: Wieland's equations integrated with RK4, written once.

Source: the ``CartPole`` class of ``experiments.cpp`` in Kenneth Stanley's NEAT C++ distribution (NEAT
1.2.1, Copyright 2001 The University of Texas at Austin; physics by Faustino Gomez after Wieland 1991,
"Evolving neural network controllers for unstable systems", IJCNN), the code of the NEAT, ESP and CoSyNE
papers (Stanley & Miikkulainen 2002; Gomez, Schmidhuber & Miikkulainen 2008). Every constant below is that
file's, operation for operation (``step`` is its ``CartPole::step``, ``rk4`` its ``CartPole::rk4``,
``advance`` its ``performAction``: two RK4 steps of ``TAU`` per decision).

State (6,) float64: ``x`` [m], ``x_dot`` [m/s], ``theta1`` [rad], ``theta1_dot`` [rad/s], ``theta2`` [rad],
``theta2_dot`` [rad/s] (pole 1 the long pole). The action is ``u`` in [-1, 1]: force ``u * FORCE_MAG`` [N]
(the reference reads a sigmoid output ``a`` in [0, 1] as ``(a - 0.5) * FORCE_MAG * 2``: ``u = 2a - 1``).
"""

from __future__ import annotations

import numba
import numpy as np

MUP = 0.000002  # coefficient of friction of the poles' hinges
MUC = 0.0005  # coefficient of friction of the cart on the track (declared in the reference, unused there too)
GRAVITY = -9.8  # m/s^2 (the reference's sign convention)
MASSCART = 1.0  # kg
MASSPOLE_1 = 0.1  # kg
LENGTH_1 = 0.5  # m, half the long pole's length
MASSPOLE_2 = 0.01  # kg
LENGTH_2 = 0.05  # m, half the short pole's length
FORCE_MAG = 10.0  # N
TAU = 0.01  # s per RK4 step; a decision is two steps (0.02 s)
THIRTY_SIX_DEGREES = 0.628329  # rad, failure angle of either pole (the reference's constant)
TRACK_LIMIT = 2.4  # m, failure if |x| > 2.4
#: Start state of the fitness episodes: the long pole at 0.07 rad (about 4 degrees), all else 0 (``init`` of
#: experiments.cpp; the same in Shark's ``GruauPole``, Heidrich-Meisner & Igel 2009). Gomez's own ESP
#: ``CartPole`` takes the angle as a parameter in degrees (4.5 degrees is reported for Gomez & Schmidhuber
#: 2005) and scales x by 2.4, not 4.8; this task keeps NEAT's reference, which the issue names.
START = np.array([0.0, 0.0, 0.07, 0.0, 0.0, 0.0])
#: Observation scaling of the reference's network inputs: x / 4.8, x_dot / 2, theta / 0.52, theta_dot / 2.
SCALE = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])
#: Indices of the state observed without velocities (x, theta1, theta2).
NO_VELOCITY = np.array([0, 2, 4])
#: The 5 values per variable of the generalisation test (``statevals`` of ``pole2_epoch``).
STATEVALS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])


@numba.njit(cache=True, inline="always")
def step(action, st, derivs, poles):
    """Accelerations of state ``st`` under ``action`` into ``derivs[1], [3], [5]`` (``CartPole::step``).

    ``poles`` = 1 drops the short pole (its terms are zero and it stays at rest).
    """
    force = action * FORCE_MAG
    costheta_1 = np.cos(st[2])
    sintheta_1 = np.sin(st[2])
    gsintheta_1 = GRAVITY * sintheta_1
    costheta_2 = np.cos(st[4])
    sintheta_2 = np.sin(st[4])
    gsintheta_2 = GRAVITY * sintheta_2
    ml_1 = LENGTH_1 * MASSPOLE_1
    ml_2 = LENGTH_2 * MASSPOLE_2
    temp_1 = MUP * st[3] / ml_1
    temp_2 = MUP * st[5] / ml_2
    fi_1 = (ml_1 * st[3] * st[3] * sintheta_1) + (0.75 * MASSPOLE_1 * costheta_1 * (temp_1 + gsintheta_1))
    fi_2 = (ml_2 * st[5] * st[5] * sintheta_2) + (0.75 * MASSPOLE_2 * costheta_2 * (temp_2 + gsintheta_2))
    mi_1 = MASSPOLE_1 * (1 - (0.75 * costheta_1 * costheta_1))
    mi_2 = MASSPOLE_2 * (1 - (0.75 * costheta_2 * costheta_2))
    if poles == 1:
        fi_2, mi_2 = 0.0, 0.0
    derivs[1] = (force + fi_1 + fi_2) / (mi_1 + mi_2 + MASSCART)
    derivs[3] = -0.75 * (derivs[1] * costheta_1 + gsintheta_1 + temp_1) / LENGTH_1
    derivs[5] = 0.0 if poles == 1 else -0.75 * (derivs[1] * costheta_2 + gsintheta_2 + temp_2) / LENGTH_2


@numba.njit(cache=True, inline="always")
def rk4(f, y, dydx, yout, poles, dym, dyt, yt):
    """One fourth-order Runge-Kutta step of ``TAU`` (``CartPole::rk4``, the same operation order)."""
    hh = TAU * 0.5
    h6 = TAU / 6.0
    for i in range(6):
        yt[i] = y[i] + hh * dydx[i]
    step(f, yt, dyt, poles)
    dyt[0], dyt[2], dyt[4] = yt[1], yt[3], yt[5]
    for i in range(6):
        yt[i] = y[i] + hh * dyt[i]
    step(f, yt, dym, poles)
    dym[0], dym[2], dym[4] = yt[1], yt[3], yt[5]
    for i in range(6):
        yt[i] = y[i] + TAU * dym[i]
        dym[i] += dyt[i]
    step(f, yt, dyt, poles)
    dyt[0], dyt[2], dyt[4] = yt[1], yt[3], yt[5]
    for i in range(6):
        yout[i] = y[i] + h6 * (dydx[i] + dyt[i] + 2.0 * dym[i])


@numba.njit(cache=True, error_model="numpy")
def advance(state, action, poles, failure_angle, scratch):
    """One decision: two RK4 steps with ``action`` in [-1, 1] (``performAction``); ``state`` updated.

    Args:
        state: (6,) float64. action: float in [-1, 1] (clipped). poles: 1 or 2.
        failure_angle: rad, either pole beyond it fails. scratch: (4, 6) float64.

    Returns:
        True if the cart or a pole is out of bounds after the decision (``outsideBounds``).
    """
    a = min(max(action, -1.0), 1.0)
    dydx, dym, dyt, yt = scratch[0], scratch[1], scratch[2], scratch[3]
    for _ in range(2):
        dydx[0], dydx[2], dydx[4] = state[1], state[3], state[5]
        step(a, state, dydx, poles)
        rk4(a, state, dydx, state, poles, dym, dyt, yt)
    return outside(state, failure_angle)


@numba.njit(cache=True, inline="always")
def outside(state, failure_angle):
    return (state[0] < -TRACK_LIMIT or state[0] > TRACK_LIMIT or state[2] < -failure_angle
            or state[2] > failure_angle or state[4] < -failure_angle or state[4] > failure_angle)


@numba.njit(cache=True)
def observe(state, velocities, obs):
    """Scaled network inputs into ``obs``: (6,) with velocities, else (3,) = x, theta1, theta2 (the reference's
    inputs without its constant 0.5 bias input: neuroevo's networks have biases)."""
    if velocities:
        for i in range(6):
            obs[i] = state[i] / SCALE[i]
    else:
        obs[0], obs[1], obs[2] = state[0] / SCALE[0], state[2] / SCALE[2], state[4] / SCALE[4]


@numba.njit(cache=True, inline="always")
def jiggle(state):
    """Gruau's per-step damping term ``|x| + |x_dot| + |theta1| + |theta1_dot|`` (``jigglestep``)."""
    return abs(state[0]) + abs(state[1]) + abs(state[2]) + abs(state[3])


def gruau_fitness(balanced: int, jiggles: np.ndarray) -> float:
    """Gruau et al. (1996) damping fitness as ``evalNet`` computes it over a 1,000-step episode.

    ``0.1 * balanced / 1000 + 0.9 * 0.75 / sum(jiggle of the last 100 steps)`` if more than 100 steps were
    balanced, else ``0.1 * balanced / 1000``. ``jiggles`` are the per-step terms of the episode's steps.
    """
    return float(_gruau(balanced, np.asarray(jiggles, dtype=np.float64), len(jiggles)))


@numba.njit(cache=True)
def _gruau(balanced, jiggles, steps):
    f = 0.1 * (balanced / 1000.0)
    if balanced > 100:
        # the reference sums jigglestep[steps-101 .. steps-2] (0-based, steps counted past the last one):
        # the 100 steps before the last step of a failed episode, or the last 100 of a full one
        last = steps if balanced == steps else steps - 1
        total = 0.0
        for i in range(last - 100, last):
            total += jiggles[i]
        f += 0.9 * (0.75 / total)
    return f


def generalisation_starts() -> np.ndarray:
    """(625, 6) float64: the standard generalisation start states (``pole2_epoch``): every combination of
    the 5 ``STATEVALS`` for x (scaled to [-2.16, 2.16] m), x_dot ([-1.35, 1.35] m/s), theta1 (+-3.6 degrees)
    and theta1_dot (+-8.6 degrees/s), the short pole at rest upright."""
    v = STATEVALS
    out = np.zeros((625, 6))
    i = 0
    for a in v:
        for b in v:
            for c in v:
                for d in v:
                    out[i, :4] = (a * 4.32 - 2.16, b * 2.70 - 1.35, c * 0.12566304 - 0.06283152,
                                  d * 0.30019504 - 0.15009752)
                    i += 1
    return out
