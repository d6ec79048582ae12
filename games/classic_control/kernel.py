"""Population kernels for Gymnasium's Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1.

Every genome plays every episode with its network stepped through the policy seam, ``LANES`` agents at a
time (``policy_step_lanes``: the network packed across lanes), and the physics across the same lanes
(:mod:`games.classic_control.lanes`: packed, libm's calls kept), no Python per step. The policy is the one
every neuroevo evaluator applies to the env (``neuroevo.policy``): the float32 observation as float64
inputs; Discrete actions are the first argmax, Box actions the first output clipped to [-1, 1], scaled to
the bounds and cast to float32. With the physics of
:mod:`games.classic_control.physics`, an episode here equals ``gymnasium.make(env_id)`` reset with the same
seed and driven by the same network: the same start state, the same last step, the same return.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from games.borrowed import borrowed
from games.classic_control import physics as ph
from games.classic_control.lanes import TRIG_ROWS, observe_lanes, step_lanes
from games.items import load_item
from neuroevo.networks import LANES, argmax, as_program, policy_step_lanes
from neuroevo.networks.program import Policy, block_zeros, lane_buffers
from neuroevo.networks.simd import prefer_wide_vectors


@numba.njit(cache=True, error_model="numpy")
def _population(code, ints, genomes, starts, max_steps, n_obs, low, high, two, returns, lengths):
    """Every (genome, episode) pair, ``LANES`` at a time through ``policy_step_lanes`` (the network packed
    across lanes) and :mod:`games.classic_control.lanes` (the physics across lanes, libm's calls kept);
    a lane whose episode ends takes the next pair."""
    wt, rows, memory, buf_a, buf_b = lane_buffers(ints, genomes)
    lanes = (wt, rows, memory, buf_a, buf_b, block_zeros(n_obs, LANES, np.float64),
             block_zeros(4, LANES, np.float64), block_zeros(TRIG_ROWS, LANES, np.float64), np.zeros(LANES),
             np.zeros(LANES), np.zeros(LANES), np.zeros(LANES, dtype=np.bool_), np.zeros(LANES, dtype=np.int64),
             np.full(LANES, -1, dtype=np.int64))
    return _drive(code, ints, genomes, starts, max_steps, low, high, two, returns, lengths, lanes)


@numba.njit(cache=True, inline="always")
def _actions(y, discrete, low, high, action):
    """Each lane's action from the network outputs ``y`` (n_out, lanes), as ``neuroevo.policy`` reads it: a
    Discrete action is the first argmax, a Box action the first output clipped to [-1, 1], scaled to
    [low, high] and cast to float32."""
    if discrete:
        for lane in range(y.shape[1]):
            action[lane] = np.float64(argmax(y[:, lane]))
    else:
        for lane in range(y.shape[1]):
            action[lane] = np.float64(np.float32(low + (min(max(y[0, lane], -1.0), 1.0) + 1.0) * 0.5 * (high - low)))


@numba.njit(cache=True, inline="always")
def _load_lane(lane, item, ints, genomes, starts, wt, rows, memory, state, totals, t, items):
    """:func:`games.items.load_item`, the lane's return so far zeroed."""
    load_item(lane, item, ints, genomes, starts, wt, rows, memory, state, t, items)
    totals[lane] = 0.0


@numba.njit(cache=True, error_model="numpy")
def _drive(code, ints, genomes, starts, max_steps, low, high, two, returns, lengths, lanes):
    """The lockstep loop of :func:`_population` on borrowed arrays (:mod:`games.borrowed`: the caller owns
    them, so the views and calls per step take no atomic reference counts). ``lanes``: the network buffers,
    the observation block, the states (4, LANES), the libm scratch, the actions, rewards, returns so far,
    ``done``, step counts and pairs of the lanes. Idle lanes (no pair left) are stepped too and never read."""
    prefer_wide_vectors()
    b = borrowed
    ints, genomes, starts, returns, lengths = b(ints), b(genomes), b(starts), b(returns), b(lengths)
    wt, rows, memory, buf_a, buf_b, x, state, trig, action, reward, totals, done, t, items = lanes
    wt, rows, memory, buf_a, buf_b = b(wt), b(rows), b(memory), b(buf_a), b(buf_b)
    x, state, trig = b(x), b(state), b(trig)
    action, reward, totals, done, t, items = b(action), b(reward), b(totals), b(done), b(t), b(items)
    n_items = genomes.shape[0] * starts.shape[0]
    discrete = low == high
    k = starts.shape[0]
    next_item, active, steps = 0, 0, 0
    for lane in range(LANES):
        if next_item < n_items:
            _load_lane(lane, next_item, ints, genomes, starts, wt, rows, memory, state, totals, t, items)
            next_item += 1
            active += 1
    while active > 0:
        observe_lanes(code, state, trig, x)
        y = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        _actions(y, discrete, low, high, action)
        step_lanes(code, state, action, two, trig, reward, done, items)
        for lane in range(LANES):
            if items[lane] < 0:
                continue
            totals[lane] += reward[lane]
            t[lane] += 1
            if done[lane] or t[lane] >= max_steps:
                item = items[lane]
                p = item // k
                returns[p, item - p * k], lengths[p, item - p * k] = totals[lane], t[lane]
                steps += t[lane]
                if next_item < n_items:
                    _load_lane(lane, next_item, ints, genomes, starts, wt, rows, memory, state, totals, t, items)
                    next_item += 1
                else:
                    items[lane] = -1
                    active -= 1
    return steps


def population_episodes(env_id: str, spec: Policy, genomes: np.ndarray, seeds: Sequence[int] | np.ndarray,
                        max_episode_steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Returns and lengths of every genome's episodes on a classic-control env.

    Args:
        env_id: one of :data:`games.classic_control.physics.ENVS`.
        spec: the policy (a ``NetworkSpec`` or anything with ``program(genomes)``) with the env's
            observation size as inputs and one output per action (Discrete) or 1 output (Box).
        genomes: (P, n_params) float64.
        seeds: (K,) ints, the ``reset(seed=...)`` seeds.
        max_episode_steps: the time limit (default: the id's registration).

    Returns:
        ``(returns (P, K) float64, lengths (P, K) int64)``.

    Raises:
        ValueError: an unknown id, or a network that does not fit the env.
    """
    if env_id not in ph.ENVS:
        raise ValueError(f"no classic-control kernel for {env_id!r}; known: {', '.join(ph.ENVS)}")
    code, limit, n_obs, n_act = ph.ENVS[env_id]
    prog = as_program(spec, genomes)
    n_out = n_act if n_act > 0 else 1
    if prog.n_inputs != n_obs or prog.n_outputs != n_out:
        raise ValueError(f"{env_id} needs a {n_obs}-input, {n_out}-output network, got {prog.n_inputs} inputs, "
                         f"{prog.n_outputs} outputs")
    low, high = ph.ACTION_BOUNDS.get(code, (0.0, 0.0))
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    starts = ph.start_states(code, seeds)
    returns = np.zeros((prog.params.shape[0], len(seeds)))
    lengths = np.zeros((prog.params.shape[0], len(seeds)), dtype=np.int64)
    steps = int(max_episode_steps or limit)
    if steps <= 0 or returns.size == 0:
        return returns, lengths
    _population(code, prog.ints, prog.params, starts, steps, n_obs, low, high, 2.0, returns, lengths)
    return returns, lengths


def _fitness(env_id):
    def population_fitness(spec, genomes, seeds, max_episode_steps=None):
        """Fitness of each genome (maximised): its mean return over the episodes of ``seeds``.

        Returns:
            ``(fitness (P,) float64, env_steps int)``; see :func:`population_episodes`.
        """
        returns, lengths = population_episodes(env_id, spec, genomes, seeds, max_episode_steps)
        return returns.mean(axis=1), int(lengths.sum())

    population_fitness.__name__ = population_fitness.__qualname__ = "population_fitness"
    return population_fitness


acrobot_fitness = _fitness("Acrobot-v1")
mountain_car_fitness = _fitness("MountainCar-v0")
mountain_car_continuous_fitness = _fitness("MountainCarContinuous-v0")
pendulum_fitness = _fitness("Pendulum-v1")
