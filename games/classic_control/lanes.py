"""The classic-control physics of :mod:`games.classic_control.physics` across a block of lanes, the same bits.

States are a structure of arrays, ``state[i, lane]`` ((4, lanes) float64, row ``i`` the scalar state's
element ``i``), so a step's arithmetic packs across the lanes (8 per ``zmm`` instruction). Gymnasium's
NumPy scalars call libm for ``cos``, ``sin``, ``x ** 2`` (``pow``: not always the bits of ``x * x``) and the
float ``%`` (``fmod``); those calls stay libm's, in a scalar pass over the lanes before the packed one, so
each lane's result equals the scalar step's and the env's bit for bit (``tests/games/test_classic_control.py``).
Each packed pass is a function of its own (not inlined into the lockstep loop, where LLVM's run-time alias
checks over many arrays left CartPole's step scalar: ``games/cartpole/kernel.py``).

Acrobot-v1's step keeps the scalar form, one lane at a time (:func:`acrobot_lanes`): each of its four RK4
stages needs six libm calls whose arguments come from the stage before, so the arithmetic between them is a
small part of the step.

Sources: ``gymnasium/envs/classic_control/{mountain_car,continuous_mountain_car,pendulum}.py`` (Gymnasium 1.x),
through the scalar steps of :mod:`games.classic_control.physics`, written here in the same order.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from games.classic_control import physics as ph
from games.classic_control.physics import (_f32, GOAL, GOAL_CONTINUOUS, MAX_POSITION, MAX_SPEED, MC_FORCE,
                                           MC_GRAVITY, MIN_POSITION, P_DT, P_G, P_L, P_M, P_MAX_SPEED,
                                           P_MAX_TORQUE, POWER)
from neuroevo.networks.simd import prefer_wide_vectors

#: Rows of the libm scratch ``trig`` ((TRIG_ROWS, lanes) float64) the passes share within a step.
TRIG_ROWS = 4


@numba.njit(cache=True, error_model="numpy")
def observe_lanes(code, state, trig, x):
    """The env's float32 observations of every lane, as float64, into ``x`` ((n_obs, lanes)); Acrobot's
    and Pendulum's ``cos``/``sin`` of the angles (libm) into the rows of ``trig`` (Pendulum: row 1 is
    ``sin(theta)``, which its step reuses)."""
    n = state.shape[1]
    if code == ph.ACROBOT:
        for lane in range(n):
            trig[0, lane], trig[1, lane] = np.cos(state[0, lane]), np.sin(state[0, lane])
            trig[2, lane], trig[3, lane] = np.cos(state[1, lane]), np.sin(state[1, lane])
        _cast_rows(trig, x, 4, 0)
        for i in range(2):  # the velocities
            for lane in range(n):
                x[4 + i, lane] = _f32(state[2 + i, lane])
    elif code == ph.PENDULUM:
        for lane in range(n):
            trig[0, lane], trig[1, lane] = np.cos(state[0, lane]), np.sin(state[0, lane])
        _cast_rows(trig, x, 2, 0)
        for lane in range(n):
            x[2, lane] = _f32(state[1, lane])
    else:
        _cast_rows(state, x, 2, 0)


@numba.njit(cache=True, inline="always")
def _cast_rows(src, x, rows, first):
    """``x[r] = float32(src[first + r])`` as float64, for ``rows`` rows (packed)."""
    for r in range(rows):
        for lane in range(src.shape[1]):
            x[r, lane] = _f32(src[first + r, lane])


@numba.njit(cache=True, error_model="numpy")
def step_lanes(code, state, action, two, trig, reward, done, items):
    """One step of env ``code`` in every lane: ``action`` (lanes,) float64 (a Discrete action's index, or a
    Box action's float32 value), ``state`` updated, ``reward`` and ``done`` (terminated) written;
    ``trig`` is the step's libm scratch (row 1 of Pendulum's holds ``sin(theta)`` from
    :func:`observe_lanes`); ``items`` (lanes,) int64, negative for an idle lane, which Acrobot's scalar step
    skips (the packed steps run every lane: an idle one costs nothing there)."""
    if code == ph.MOUNTAIN_CAR:
        for lane in range(state.shape[1]):
            trig[0, lane] = math.cos(3 * state[0, lane])
        mountain_car_lanes(state, action, trig[0], reward, done)
    elif code == ph.MOUNTAIN_CAR_CONTINUOUS:
        _continuous_libm(state, action, two, trig)
        mountain_car_continuous_lanes(state, action, trig, reward, done)
    elif code == ph.PENDULUM:
        _pendulum_costs(state, action, two, reward)
        pendulum_lanes(state, action, trig[1])
        for lane in range(state.shape[1]):
            done[lane] = False
    else:
        acrobot_lanes(state, action, two, reward, done, items)


@numba.njit(cache=True, error_model="numpy")
def mountain_car_lanes(state, action, cos_3x, reward, done):
    """MountainCar-v0's step (:func:`~games.classic_control.physics.mountain_car_step`), packed; ``cos_3x``
    (lanes,) is libm's ``cos(3 * position)``."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        position, velocity = state[0, lane], state[1, lane]
        velocity += (action[lane] - 1.0) * MC_FORCE + cos_3x[lane] * (-MC_GRAVITY)
        velocity = min(max(velocity, -MAX_SPEED), MAX_SPEED)
        position += velocity
        position = min(max(position, MIN_POSITION), MAX_POSITION)
        velocity = 0.0 if (position == MIN_POSITION) & (velocity < 0) else velocity
        state[0, lane], state[1, lane] = position, velocity
        reward[lane] = -1.0
        done[lane] = (position >= GOAL) & (velocity >= 0)


@numba.njit(cache=True, error_model="numpy")
def _continuous_libm(state, action, two, trig):
    """MountainCarContinuous-v0's libm calls: ``cos`` of the (float32 once the state is) ``3 * position``
    into ``trig[0]``, ``force ** 2`` into ``trig[1]``."""
    for lane in range(state.shape[1]):
        position = state[0, lane]
        pc = _f32(3 * position) if state[2, lane] != 0.0 else 3 * position
        trig[0, lane] = math.cos(pc)
        force = min(max(action[lane], -1.0), 1.0)
        trig[1, lane] = force**two


@numba.njit(cache=True, error_model="numpy")
def mountain_car_continuous_lanes(state, action, trig, reward, done):
    """MountainCarContinuous-v0's step (:func:`~games.classic_control.physics.mountain_car_continuous_step`),
    packed: each of its float32-or-float64 branches (the state is float64 before the first step, float32
    after; a clipped value is a Python float) a select; ``trig`` from :func:`_continuous_libm`."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        f32 = state[2, lane] != 0.0
        position, velocity = state[0, lane], state[1, lane]
        force = min(max(action[lane], -1.0), 1.0)
        fp = _f32(force * _f32(POWER))
        term = _f32(fp - _f32(0.0025 * trig[0, lane]))
        velocity = _f32(velocity + term) if f32 else velocity + term
        hi = velocity > (_f32(MAX_SPEED) if f32 else MAX_SPEED)
        velocity = MAX_SPEED if hi else velocity
        v32 = f32 & (not hi)
        lo = velocity < (_f32(-MAX_SPEED) if v32 else -MAX_SPEED)
        velocity = -MAX_SPEED if lo else velocity
        position = _f32(position + _f32(velocity)) if f32 else position + velocity
        hi = position > (_f32(MAX_POSITION) if f32 else MAX_POSITION)
        position = MAX_POSITION if hi else position
        p32 = f32 & (not hi)
        lo = position < (_f32(MIN_POSITION) if p32 else MIN_POSITION)
        position = MIN_POSITION if lo else position
        p32 = p32 & (not lo)
        at_min = position == (_f32(MIN_POSITION) if p32 else MIN_POSITION)
        velocity = 0.0 if at_min & (velocity < 0) else velocity
        terminated = (position >= (_f32(GOAL_CONTINUOUS) if p32 else GOAL_CONTINUOUS)) & (velocity >= 0)
        reward[lane] = (100.0 if terminated else 0.0) - trig[1, lane] * 0.1
        done[lane] = terminated
        state[0, lane], state[1, lane], state[2, lane] = _f32(position), _f32(velocity), 1.0


@numba.njit(cache=True, error_model="numpy")
def _pendulum_costs(state, action, two, reward):
    """Pendulum-v1's reward (``-costs``) of every lane from the state before the step: the angle wrapped by
    the float ``%`` (``fmod``) and three ``pow`` calls, as :func:`~games.classic_control.physics.pendulum_step`."""
    for lane in range(state.shape[1]):
        th, thdot = state[0, lane], state[1, lane]
        u = min(max(action[lane], -P_MAX_TORQUE), P_MAX_TORQUE)
        an = ((th + np.pi) % (2 * np.pi)) - np.pi
        u2 = np.float64(np.float32(u) ** np.float32(two))
        reward[lane] = -(an**two + 0.1 * thdot**two + _f32(_f32(0.001) * u2))


@numba.njit(cache=True, error_model="numpy")
def pendulum_lanes(state, action, sin_th):
    """Pendulum-v1's dynamics (:func:`~games.classic_control.physics.pendulum_step`), packed; ``sin_th``
    (lanes,) is libm's ``sin(theta)`` of the state before the step."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        th, thdot = state[0, lane], state[1, lane]
        u = min(max(action[lane], -P_MAX_TORQUE), P_MAX_TORQUE)
        newthdot = thdot + (3 * P_G / (2 * P_L) * sin_th[lane] + _f32(_f32(3.0 / (P_M * P_L**2)) * u)) * P_DT
        newthdot = min(max(newthdot, -P_MAX_SPEED), P_MAX_SPEED)
        state[0, lane], state[1, lane] = th + newthdot * P_DT, newthdot


@numba.njit(cache=True, error_model="numpy")
def acrobot_lanes(state, action, two, reward, done, items):
    """Acrobot-v1's RK4 step (:func:`~games.classic_control.physics.acrobot_step`), one lane at a time, the
    idle lanes (``items`` < 0) skipped: each step is about 34 libm calls."""
    s = np.empty(4)
    for lane in range(state.shape[1]):
        if items[lane] < 0:
            continue
        for i in range(4):
            s[i] = state[i, lane]
        reward[lane], done[lane] = ph.acrobot_step(s, int(action[lane]), two)
        for i in range(4):
            state[i, lane] = s[i]
