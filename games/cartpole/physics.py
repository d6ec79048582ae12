"""Cart-pole physics, written once, matching Gymnasium's ``CartPole-v1`` operation for operation.

Source: ``gymnasium/envs/classic_control/cartpole.py`` (Gymnasium 1.x), itself from Sutton's ``pole.c``
(Barto, Sutton & Anderson 1983). Euler integration, float64 state, the same order of floating-point
operations, no ``fastmath``; so from the same start state the trajectory and the terminating step agree
with the real environment, but for ``sin``/``cos``: :func:`games.trig.sin_cos` (packed across lanes) is
within 1 ULP of libm's and has its bits for about 99 % of CartPole's angles, so a rare episode can end one
step apart from Gymnasium's (none in the parity tests' episodes).

State: (x [m], x_dot [m/s], theta [rad], theta_dot [rad/s]); action 0 pushes left, 1 pushes right.
"""

import math
from collections.abc import Iterable

import numba
import numpy as np

from games.trig import sin_cos

GRAVITY = 9.8  # m/s^2
MASSCART = 1.0  # kg
MASSPOLE = 0.1  # kg
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # m, half the pole's length
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0  # N
TAU = 0.02  # s between state updates
THETA_THRESHOLD = 12 * 2 * math.pi / 360  # rad
X_THRESHOLD = 2.4  # m
MAX_EPISODE_STEPS = 500  # CartPole-v1's TimeLimit
RESET_BOUND = 0.05  # start state drawn from U(-0.05, 0.05)^4


@numba.njit(cache=True, inline="always")
def dynamics_sc(x, x_dot, theta, theta_dot, action, sintheta, costheta):
    """:func:`dynamics` given ``sin(theta)`` and ``cos(theta)``: no calls, no branches (a select for the
    force), so a loop of it over lanes vectorises; the population kernel computes ``sin``/``cos`` with the
    packed :func:`games.trig.sin_cos` (within 1 ULP of Gymnasium's ``math.sin``/``math.cos``) and this in
    the same kind of packed loop."""
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x, x_dot = x + TAU * x_dot, x_dot + TAU * xacc
    theta, theta_dot = theta + TAU * theta_dot, theta_dot + TAU * thetaacc
    terminated = (x < -X_THRESHOLD) | (x > X_THRESHOLD) | (theta < -THETA_THRESHOLD) | (theta > THETA_THRESHOLD)
    return x, x_dot, theta, theta_dot, terminated


@numba.njit(cache=True, inline="always")
def dynamics(x, x_dot, theta, theta_dot, action):
    """One Euler step from scalars; returns ``(x, x_dot, theta, theta_dot, terminated)``."""
    sintheta, costheta = sin_cos(theta)
    return dynamics_sc(x, x_dot, theta, theta_dot, action, sintheta, costheta)


@numba.njit(cache=True, error_model="numpy")
def step(state, action):
    """Advance ``state`` ((4,) float64, updated in place) by one step; return True if terminated."""
    state[0], state[1], state[2], state[3], done = dynamics(state[0], state[1], state[2], state[3], action)
    return done


def start_states(seeds: Iterable[int]) -> np.ndarray:
    """(K, 4) float64 start states, equal to ``gymnasium.make("CartPole-v1").reset(seed=s)`` for each seed."""
    return np.array([np.random.default_rng(int(s)).uniform(-RESET_BOUND, RESET_BOUND, size=4) for s in seeds],
                    dtype=np.float64).reshape(-1, 4)
