"""Population fitness kernel for ``neuroevo/CarTrack-v0``: every genome drives every (track, seed) episode.

Each car runs the physics of :mod:`games.car_track.physics` with its network stepped through the policy seam (``policy_step``: feed-forward or recurrent),
no Python per step. The policy is the one every neuroevo evaluator applies to the env (``neuroevo.policy``):
the observation is cast to float32 (as the env returns it) then float64; Box actions are the outputs
clipped to [-1, 1], scaled to the bounds and cast to float32; Discrete actions are the first argmax. So an
episode here equals the env's episode from the same seed on the same track, step for step.

Cars do not interact, so the kernel drives ``LANES`` cars in lockstep, their networks packed across the
lanes, a lane whose episode ends taking the next (genome, seed) pair: the same result as driving each car's
episode to its end in turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.car_track import physics as ph
from games.car_track.env import DISCRETE_ACTIONS, MAX_EPISODE_STEPS, check_options
from games.car_track.simd_progress import segment_rows
from games.car_track.track import load_tracks
from games.borrowed import borrowed
from neuroevo.networks import (LANES, NetworkSpec, argmax, as_program, max_header, policy_step,
                               policy_step_lanes)
from neuroevo.networks.program import WIDTH, lane_buffers, load_lane_policy
from neuroevo.networks.simd import prefer_wide_vectors


@numba.njit(cache=True)
def _act(prog, g, memory, state, dirs, sensor_range, continuous, table, buf, obs, x,
         walls, meta, cell_start, cell_items):
    """The network's ``(steering, throttle)`` for the car in ``state``, as the env receives it."""
    ph.sense(state, dirs, sensor_range, walls, meta, cell_start, cell_items, obs)
    for i in range(obs.shape[0]):
        x[i] = np.float64(np.float32(obs[i]))
    y = policy_step(prog, g, memory, x, buf)
    if continuous:
        steer = np.float64(np.float32(-1.0 + (min(max(y[0], -1.0), 1.0) + 1.0) * 0.5 * 2.0))
        throttle = np.float64(np.float32(-1.0 + (min(max(y[1], -1.0), 1.0) + 1.0) * 0.5 * 2.0))
        return steer, throttle
    a = argmax(y)
    return table[a, 0], table[a, 1]


@numba.njit(cache=True)
def step_cars(ints, genomes, memory, states, status, returns, angles, sensor_range, laps, continuous, table,
              centre, arc, walls, meta, cell_start, cell_items, near_start, near_items):
    """One lockstep step of every running car (``status == RUNNING``): states, status and returns updated.

    Used by the live view; the same policy and physics as :func:`population_episodes`. ``ints`` (1 or P,
    n_int) int64 and ``genomes`` (P, n_params) are a ``Program``; ``memory`` (P, >= n_state) float64 the
    networks' memory (zeros at the episode start), updated in place.
    """
    dirs = ph.sensor_dirs(angles)
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=genomes.dtype)  # a float32 network runs in float32
    obs = np.empty(angles.shape[0] + 1, dtype=np.float64)
    x = np.empty(angles.shape[0] + 1, dtype=np.float64)
    for p in range(genomes.shape[0]):
        if status[p] != ph.RUNNING:
            continue
        steer, throttle = _act(ints[0 if ints.shape[0] == 1 else p], genomes[p], memory[p], states[p], dirs, sensor_range, continuous, table,
                               buf, obs, x, walls, meta, cell_start, cell_items)
        reward, status[p] = ph.advance(states[p], steer, throttle, laps, centre, arc, walls, meta,
                                       cell_start, cell_items, near_start, near_items)
        returns[p] += reward


@numba.njit(cache=True, inline="always")
def _load_lane(lane, item, ints, genomes, starts, width, centre, arc, wt, rows, memory, state, cs, totals, t, items):
    """Lane ``lane`` takes (genome, seed) pair ``item``: its params, a zero memory, the start of the seed
    (``cs[lane]``: cos and sin of its heading)."""
    k = starts.shape[0]
    p = item // k
    load_lane_policy(lane, p, ints, genomes, wt, rows, memory)
    ph.reset(state[lane], centre, arc, width, starts[item - p * k, 1], starts[item - p * k, 2])
    totals[lane], t[lane], items[lane] = 0.0, 0, item
    cs[lane, 0], cs[lane, 1] = math.cos(state[lane, ph.HEADING]), math.sin(state[lane, ph.HEADING])


@numba.njit(cache=True, error_model="numpy")
def _population(ints, genomes, starts, width, angles, sensor_range, laps, continuous, table,
                max_steps, centre, arc, walls, meta, cell_start, cell_items, near_start, near_items, imeta, slot,
                lists, dcert, walls4, seg_rows, returns, laps_out, status_out, steps_out):
    """Every (genome, seed) episode, ``LANES`` cars at a time: the sensors and physics lane by lane (their
    ray walks are data-dependent), the networks packed across the lanes (``policy_step_lanes``, the same
    bits as ``policy_step``); a lane whose episode ends takes the next pair."""
    n_in = angles.shape[0] + 1
    wt, rows, memory, buf_a, buf_b = lane_buffers(ints, genomes)
    lanes = (wt, rows, memory, buf_a, buf_b, np.zeros((n_in, LANES)), np.zeros((LANES, n_in)),
             np.zeros((LANES, ph.STATE_SIZE)), np.zeros(LANES), np.zeros((LANES, 2)), np.zeros(LANES, dtype=np.int64),
             np.full(LANES, -1, dtype=np.int64), np.zeros(LANES, dtype=np.int64), np.zeros((LANES, n_in), dtype=np.bool_))
    return _drive(ints, genomes, starts, width, ph.sensor_dirs(angles), angles, sensor_range, laps, continuous, table,
                  max_steps, (centre, arc, walls, meta, cell_start, cell_items, near_start, near_items, imeta, slot,
                              lists, dcert, walls4, seg_rows), (returns, laps_out, status_out, steps_out), lanes)


@numba.njit(cache=True, error_model="numpy")
def _drive(ints, genomes, starts, width, dirs, angles, sensor_range, laps, continuous, table, max_steps, track, out,
           lanes):
    """The lockstep loop of :func:`_population` on its arrays, every one :func:`~games.borrowed.borrowed` (the
    caller owns them): ``track`` the track's and ray index's arrays, ``out`` the result arrays, ``lanes`` the
    lane block (network buffers, network inputs, observations, car states, totals, cos/sin, step counts, pairs,
    ray-index rows)."""
    prefer_wide_vectors()
    b = borrowed
    ints, genomes, starts, dirs, angles, table = b(ints), b(genomes), b(starts), b(dirs), b(angles), b(table)
    centre, arc, walls, meta, cell_start, cell_items, near_start, near_items, imeta, slot, lists, dcert, walls4, \
        seg_rows = track
    centre, arc, walls, meta, cell_start, cell_items = b(centre), b(arc), b(walls), b(meta), b(cell_start), \
        b(cell_items)
    near_start, near_items, imeta, slot, lists, dcert = b(near_start), b(near_items), b(imeta), b(slot), b(lists), \
        b(dcert)
    walls4, seg_rows = b(walls4), b(seg_rows)
    returns, laps_out, status_out, steps_out = b(out[0]), b(out[1]), b(out[2]), b(out[3])
    wt, rows, memory, buf_a, buf_b, x, obs, state, totals, cs, t, items, index_rows, need = lanes
    wt, rows, memory, buf_a, buf_b, x = b(wt), b(rows), b(memory), b(buf_a), b(buf_b), b(x)
    obs, state, totals, cs, t, items, index_rows = b(obs), b(state), b(totals), b(cs), b(t), b(items), b(index_rows)
    need = b(need)
    n_items = genomes.shape[0] * starts.shape[0]
    n_in = angles.shape[0] + 1
    k = starts.shape[0]
    next_item, active, steps = 0, 0, 0
    for lane in range(LANES):
        if next_item < n_items:
            _load_lane(lane, next_item, ints, genomes, starts, width, centre, arc, wt, rows, memory, state, cs, totals,
                       t, items)
            next_item += 1
            active += 1
    while active > 0:
        for lane in range(LANES):  # every car's first ray pass, then the rest (ph.sense_first)
            if items[lane] >= 0:
                index_rows[lane] = ph.sense_first(state[lane], cs[lane, 0], cs[lane, 1], dirs, angles, sensor_range,
                                                  imeta, slot, lists, dcert, walls4, obs[lane], need[lane])
        for lane in range(LANES):
            if items[lane] >= 0:
                ph.sense_rest(state[lane], cs[lane, 0], cs[lane, 1], dirs, angles, sensor_range, walls, meta,
                              cell_start, cell_items, index_rows[lane], lists, dcert, walls4, obs[lane], need[lane])
                for i in range(n_in):
                    x[i, lane] = np.float64(np.float32(obs[lane, i]))
        y = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        for lane in range(LANES):
            item = items[lane]
            if item < 0:
                continue
            if continuous:
                steer = np.float64(np.float32(-1.0 + (min(max(y[0, lane], -1.0), 1.0) + 1.0) * 0.5 * 2.0))
                throttle = np.float64(np.float32(-1.0 + (min(max(y[1, lane], -1.0), 1.0) + 1.0) * 0.5 * 2.0))
            else:
                best = 0
                for j in range(1, y.shape[0]):
                    if y[j, lane] > y[best, lane]:
                        best = j
                steer, throttle = table[best, 0], table[best, 1]
            reward, status, cs[lane, 0], cs[lane, 1] = ph.advance_cs(state[lane], steer, throttle, laps, centre, arc,
                                                                     seg_rows, walls, meta, cell_start, cell_items, near_start,
                                                                     near_items)
            totals[lane] += reward
            t[lane] += 1
            if status != ph.RUNNING or t[lane] >= max_steps:
                p = item // k
                returns[p, item - p * k] = totals[lane]
                laps_out[p, item - p * k] = int(state[lane, ph.LAPS])
                status_out[p, item - p * k] = status
                steps_out[p, item - p * k] = t[lane]
                steps += t[lane]
                if next_item < n_items:
                    _load_lane(lane, next_item, ints, genomes, starts, width, centre, arc, wt, rows, memory, state,
                               cs, totals, t, items)
                    next_item += 1
                else:
                    items[lane] = -1
                    active -= 1
    return steps


@dataclass(frozen=True)
class Episodes:
    """Results of every (genome, track, seed) episode.

    Attributes:
        returns: (P, T, K) float64 episode returns (progress in laps plus lap time bonuses).
        laps: (P, T, K) int64 laps completed.
        status: (P, T, K) int64 end of episode: 0 time limit, 1 crashed, 2 finished the laps, 3 stalled.
        steps: (P, T, K) int64 episode lengths in steps of 0.05 s.
        tracks: the T track names.
        env_steps: total steps simulated.
    """

    returns: np.ndarray
    laps: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    tracks: tuple
    env_steps: int


def population_episodes(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike, track: str | Sequence[str] = "oval",
                        continuous: bool = True, laps: int = 3, sensor_angles: Sequence[float] = ph.DEFAULT_SENSOR_ANGLES,
                        sensor_range: float = ph.DEFAULT_SENSOR_RANGE, max_episode_steps: int = MAX_EPISODE_STEPS,
                        render_mode: str | None = None) -> Episodes:
    """Every genome drives every track of ``track`` from the start of every seed.

    Episode (p, t, k) equals ``gym.make("neuroevo/CarTrack-v0", track=<track t>, ...)`` reset with
    ``seed=seeds[k]`` and driven by genome p (see the module docstring). Keywords are the env's
    (``render_mode`` is ignored) plus ``max_episode_steps`` (the time limit, steps of 0.05 s).

    Args:
        spec: network with ``len(sensor_angles) + 1`` inputs and 2 outputs (continuous) or 5 (discrete).
        genomes: (P, n_params) float64.
        seeds: (K,) ints, the episodes' reset seeds.

    Raises:
        ValueError: network size or genome shape mismatch.
        TaskError: unknown or invalid track, bad laps, sensor angles or range.
    """
    laps, angles, sensor_range = check_options(laps, sensor_angles, sensor_range)
    n_out = 2 if continuous else len(DISCRETE_ACTIONS)
    prog = as_program(spec, genomes)
    if prog.n_inputs != angles.size + 1 or prog.n_outputs != n_out:
        raise ValueError(f"CarTrack-v0 needs a {angles.size + 1}-input, {n_out}-output network, "
                         f"got {prog.n_inputs} inputs, {prog.n_outputs} outputs")
    g = prog.params
    tracks = load_tracks(track)
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    starts = np.array([ph.start_draws(np.random.default_rng(int(s))) for s in seeds]).reshape(-1, 3)
    shape = (g.shape[0], len(tracks), len(seeds))
    returns, laps_out = np.zeros(shape), np.zeros(shape, np.int64)
    status, ep_steps = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    steps = 0
    for j, tr in enumerate(tracks):
        if int(max_episode_steps) <= 0 or g.shape[0] == 0 or len(seeds) == 0:
            break
        steps += _population(prog.ints, g, starts, float(tr.width), angles, sensor_range, laps,
                             bool(continuous), DISCRETE_ACTIONS, int(max_episode_steps), *ph.track_arrays(tr, sensor_range),
                             *ph.ray_index(tr, sensor_range), segment_rows(tr.centreline, tr.arc),
                             returns[:, j], laps_out[:, j], status[:, j], ep_steps[:, j])
    return Episodes(returns, laps_out, status, ep_steps, tuple(t.name for t in tracks), int(steps))


def population_fitness(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike,
                       **env_kwargs: Any) -> tuple[np.ndarray, int]:
    """Fitness of each genome: its mean return over every track of ``track`` and every seed (maximised).

    The return of an episode is the progress in laps (completed laps count whole) plus a small time bonus
    per lap (see :class:`games.car_track.env.CarTrackEnv`). Keywords as :func:`population_episodes`.

    Returns:
        ``(fitness (P,) float64, env_steps int)``.
    """
    ep = population_episodes(spec, genomes, seeds, **env_kwargs)
    return ep.returns.mean(axis=(1, 2)), ep.env_steps


def population_scores(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike,
                      **env_kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Fitness and the game's own score of every genome (the evolve summary's laps).

    Returns:
        ``(fitness (P,) float64, laps (P, T * K) float64)``: the fitness of :func:`population_fitness` and the
        laps completed in each (track, seed) episode.
    """
    ep = population_episodes(spec, genomes, seeds, **env_kwargs)
    return ep.returns.mean(axis=(1, 2)), ep.laps.reshape(len(ep.laps), -1).astype(np.float64)
