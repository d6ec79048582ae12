"""Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 physics, matching Gymnasium 1.x.

Source: ``gymnasium/envs/classic_control/{acrobot,mountain_car,continuous_mountain_car,pendulum}.py``
(Gymnasium 1.x): the same constants, the same order of floating-point operations and the same float32
roundings (NumPy 2's rules: a ``np.float32`` combined with a Python float stays float32, so the kernels
round where the env does), no ``fastmath``. ``x ** 2`` on a NumPy scalar calls libm's ``pow``; LLVM would
turn a literal ``x ** 2.0`` into ``x * x`` (not always the same bits), so the step functions take the
exponent ``two = 2.0`` as an argument.

States (float64 arrays of 4): Acrobot ``(theta1, theta2, dtheta1, dtheta2)`` [rad, rad/s]; MountainCar and
MountainCarContinuous ``(position [m], velocity [m/step], started, _)`` (``started`` = 1.0 after the first
step, when the continuous env's state has become float32); Pendulum ``(theta [rad], theta_dot [rad/s])``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np

ACROBOT, MOUNTAIN_CAR, MOUNTAIN_CAR_CONTINUOUS, PENDULUM = range(4)
#: Env id -> (code, max_episode_steps of its registration, observation size, n actions or -1 for Box).
ENVS = {
    "Acrobot-v1": (ACROBOT, 500, 6, 3),
    "MountainCar-v0": (MOUNTAIN_CAR, 200, 2, 3),
    "MountainCarContinuous-v0": (MOUNTAIN_CAR_CONTINUOUS, 999, 2, -1),
    "Pendulum-v1": (PENDULUM, 200, 3, -1),
}
#: Box action bounds (low, high) of the continuous envs.
ACTION_BOUNDS = {MOUNTAIN_CAR_CONTINUOUS: (-1.0, 1.0), PENDULUM: (-2.0, 2.0)}

# Acrobot (Sutton & Barto 1998 "book" dynamics, as Gymnasium's default book_or_nips = "book")
DT = 0.2  # s
M1 = M2 = 1.0  # kg
L1 = 1.0  # m
LC1 = LC2 = 0.5  # m, centres of mass
I1 = I2 = 1.0  # moments of inertia
G = 9.8
MAX_VEL_1 = 4 * math.pi
MAX_VEL_2 = 9 * math.pi
PI = math.pi

# MountainCar
MC_FORCE, MC_GRAVITY, MAX_SPEED = 0.001, 0.0025, 0.07
MIN_POSITION, MAX_POSITION, GOAL, GOAL_CONTINUOUS, POWER = -1.2, 0.6, 0.5, 0.45, 0.0015

# Pendulum
P_MAX_SPEED, P_MAX_TORQUE, P_DT, P_G, P_M, P_L = 8, 2.0, 0.05, 10.0, 1.0, 1.0


def start_states(code: int, seeds: Sequence[int] | np.ndarray) -> np.ndarray:
    """(K, 4) float64 start states, equal to the env's ``reset(seed=s)`` state for each seed."""
    out = np.zeros((len(seeds), 4))
    for k, s in enumerate(seeds):
        rng = np.random.default_rng(int(s))
        if code == ACROBOT:
            out[k] = rng.uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32)
        elif code == PENDULUM:
            high = np.array([np.pi, 1.0])
            out[k, :2] = rng.uniform(low=-high, high=high)
        else:
            out[k, 0] = rng.uniform(low=-0.6, high=-0.4)
    return out


@numba.njit(cache=True, inline="always")
def _dsdt(theta1, theta2, dtheta1, dtheta2, a, two):
    d1 = M1 * LC1**2 + M2 * (L1**2 + LC2**2 + 2 * L1 * LC2 * np.cos(theta2)) + I1 + I2
    d2 = M2 * (LC2**2 + L1 * LC2 * np.cos(theta2)) + I2
    phi2 = M2 * LC2 * G * np.cos(theta1 + theta2 - PI / 2.0)
    phi1 = (-M2 * L1 * LC2 * dtheta2**two * np.sin(theta2)
            - 2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * np.sin(theta2)
            + (M1 * LC1 + M2 * L1) * G * np.cos(theta1 - PI / 2)
            + phi2)
    ddtheta2 = ((a + d2 / d1 * phi1 - M2 * L1 * LC2 * dtheta1**two * np.sin(theta2) - phi2)
                / (M2 * LC2**2 + I2 - d2**two / d1))
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2


@numba.njit(cache=True, inline="always")
def _wrap(x, m, big):
    diff = big - m
    while x > big:
        x = x - diff
    while x < m:
        x = x + diff
    return x


@numba.njit(cache=True, error_model="numpy")
def acrobot_step(s, action, two):
    """One RK4 step of 0.2 s with torque -1, 0, +1 (action 0, 1, 2); ``s`` updated; returns (reward, terminated)."""
    a = float(action) - 1.0
    h, h2 = DT, DT / 2.0
    y0, y1, y2, y3 = s[0], s[1], s[2], s[3]
    k10, k11, k12, k13 = _dsdt(y0, y1, y2, y3, a, two)
    k20, k21, k22, k23 = _dsdt(y0 + h2 * k10, y1 + h2 * k11, y2 + h2 * k12, y3 + h2 * k13, a, two)
    k30, k31, k32, k33 = _dsdt(y0 + h2 * k20, y1 + h2 * k21, y2 + h2 * k22, y3 + h2 * k23, a, two)
    k40, k41, k42, k43 = _dsdt(y0 + h * k30, y1 + h * k31, y2 + h * k32, y3 + h * k33, a, two)
    c = h / 6.0
    n0 = y0 + c * (k10 + 2 * k20 + 2 * k30 + k40)
    n1 = y1 + c * (k11 + 2 * k21 + 2 * k31 + k41)
    n2 = y2 + c * (k12 + 2 * k22 + 2 * k32 + k42)
    n3 = y3 + c * (k13 + 2 * k23 + 2 * k33 + k43)
    s[0] = _wrap(n0, -PI, PI)
    s[1] = _wrap(n1, -PI, PI)
    s[2] = min(max(n2, -MAX_VEL_1), MAX_VEL_1)
    s[3] = min(max(n3, -MAX_VEL_2), MAX_VEL_2)
    terminated = -np.cos(s[0]) - np.cos(s[1] + s[0]) > 1.0
    return (0.0 if terminated else -1.0), terminated


@numba.njit(cache=True, error_model="numpy")
def mountain_car_step(s, action):
    """One step of MountainCar-v0 (action 0 push left, 1 none, 2 right); returns (reward, terminated)."""
    position, velocity = s[0], s[1]
    velocity += (action - 1) * MC_FORCE + math.cos(3 * position) * (-MC_GRAVITY)
    velocity = min(max(velocity, -MAX_SPEED), MAX_SPEED)
    position += velocity
    position = min(max(position, MIN_POSITION), MAX_POSITION)
    if position == MIN_POSITION and velocity < 0:
        velocity = 0.0
    s[0], s[1] = position, velocity
    return -1.0, position >= GOAL and velocity >= 0


@numba.njit(cache=True, inline="always")
def _f32(x):
    return np.float64(np.float32(x))


@numba.njit(cache=True, error_model="numpy")
def mountain_car_continuous_step(s, force, two):
    """One step of MountainCarContinuous-v0 with ``force`` (a float32 value in [-1, 1]); returns (reward, terminated).

    The env's state is float64 before its first step and float32 after (``s[2]`` = 1.0): every operation
    mixing it with a Python float then rounds to float32, comparisons included; a clipped value is a
    Python float (double) until the state is stored as float32 at the end of the step.
    """
    f32 = s[2] != 0.0
    position, velocity = s[0], s[1]
    force = min(max(force, -1.0), 1.0)
    fp = _f32(force * _f32(POWER))
    pc = _f32(3 * position) if f32 else 3 * position
    term = _f32(fp - _f32(0.0025 * math.cos(pc)))
    velocity = _f32(velocity + term) if f32 else velocity + term
    v32 = f32  # velocity still a float32 (not a Python float from a clip)
    if (velocity > _f32(MAX_SPEED)) if v32 else (velocity > MAX_SPEED):
        velocity, v32 = MAX_SPEED, False
    if (velocity < _f32(-MAX_SPEED)) if v32 else (velocity < -MAX_SPEED):
        velocity, v32 = -MAX_SPEED, False
    position = _f32(position + _f32(velocity)) if f32 else position + velocity
    p32 = f32
    if (position > _f32(MAX_POSITION)) if p32 else (position > MAX_POSITION):
        position, p32 = MAX_POSITION, False
    if (position < _f32(MIN_POSITION)) if p32 else (position < MIN_POSITION):
        position, p32 = MIN_POSITION, False
    at_min = (position == _f32(MIN_POSITION)) if p32 else (position == MIN_POSITION)
    if at_min and velocity < 0:
        velocity = 0.0
    terminated = ((position >= _f32(GOAL_CONTINUOUS)) if p32 else (position >= GOAL_CONTINUOUS)) and velocity >= 0
    reward = 100.0 if terminated else 0.0
    reward -= force**two * 0.1
    s[0], s[1], s[2] = _f32(position), _f32(velocity), 1.0
    return reward, terminated


@numba.njit(cache=True, error_model="numpy")
def pendulum_step(s, u, two):
    """One step of Pendulum-v1 with torque ``u`` (a float32 value in [-2, 2] N m); returns (reward, False)."""
    th, thdot = s[0], s[1]
    u = min(max(u, -P_MAX_TORQUE), P_MAX_TORQUE)
    an = ((th + np.pi) % (2 * np.pi)) - np.pi
    u2 = np.float64(np.float32(u) ** np.float32(two))
    costs = an**two + 0.1 * thdot**two + _f32(_f32(0.001) * u2)
    newthdot = thdot + (3 * P_G / (2 * P_L) * np.sin(th) + _f32(_f32(3.0 / (P_M * P_L**2)) * u)) * P_DT
    newthdot = min(max(newthdot, -P_MAX_SPEED), P_MAX_SPEED)
    s[0], s[1] = th + newthdot * P_DT, newthdot
    return -costs, False


@numba.njit(cache=True)
def observe(code, s, obs):
    """The env's float32 observation of state ``s``, as float64 values, into ``obs``."""
    if code == ACROBOT:
        obs[0], obs[1] = _f32(np.cos(s[0])), _f32(np.sin(s[0]))
        obs[2], obs[3] = _f32(np.cos(s[1])), _f32(np.sin(s[1]))
        obs[4], obs[5] = _f32(s[2]), _f32(s[3])
    elif code == PENDULUM:
        obs[0], obs[1], obs[2] = _f32(np.cos(s[0])), _f32(np.sin(s[0])), _f32(s[1])
    else:
        obs[0], obs[1] = _f32(s[0]), _f32(s[1])


@numba.njit(cache=True)
def step(code, s, action, two):
    """One step of env ``code``: ``action`` an int (Discrete) or a float32 value (Box); returns (reward, terminated)."""
    if code == ACROBOT:
        return acrobot_step(s, int(action), two)
    if code == MOUNTAIN_CAR:
        return mountain_car_step(s, int(action))
    if code == MOUNTAIN_CAR_CONTINUOUS:
        return mountain_car_continuous_step(s, action, two)
    return pendulum_step(s, action, two)
