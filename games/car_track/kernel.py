"""Population fitness kernel for ``neuroevo/CarTrack-v0``: every genome drives every (track, seed) episode.

Each car runs the physics of :mod:`games.car_track.physics` with its network stepped through the policy seam (``policy_step``: feed-forward or recurrent),
no Python per step. The policy is the one every neuroevo evaluator applies to the env (``neuroevo.policy``):
the observation is cast to float32 (as the env returns it) then float64; Box actions are the outputs
clipped to [-1, 1], scaled to the bounds and cast to float32; Discrete actions are the first argmax. So an
episode here equals the env's episode from the same seed on the same track, step for step.

Cars do not interact, so the kernel runs each car's episode to its end in turn: the same result as
stepping them in lockstep, with better cache use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.car_track import physics as ph
from games.car_track.env import DISCRETE_ACTIONS, MAX_EPISODE_STEPS, check_options
from games.car_track.track import load_tracks
from neuroevo.networks import NetworkSpec, argmax, as_program, max_header, policy_reset, policy_step
from neuroevo.networks.program import N_STATE, WIDTH


@numba.njit(cache=True)
def _act(prog, g, memory, state, angles, sensor_range, continuous, table, buf, obs, x,
         walls, meta, cell_start, cell_items):
    """The network's ``(steering, throttle)`` for the car in ``state``, as the env receives it."""
    ph.sense(state, angles, sensor_range, walls, meta, cell_start, cell_items, obs)
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
def _episode(prog, g, memory, state, angles, sensor_range, laps, continuous, table, max_steps, buf, obs, x,
             centre, arc, walls, meta, cell_start, cell_items, near_start, near_items):
    """One episode from ``state`` (already reset); returns ``(return, steps, status)``."""
    total = 0.0
    status = ph.RUNNING
    t = 0
    while t < max_steps:
        steer, throttle = _act(prog, g, memory, state, angles, sensor_range, continuous, table, buf, obs, x,
                               walls, meta, cell_start, cell_items)
        reward, status = ph.advance(state, steer, throttle, laps, centre, arc, walls, meta, cell_start, cell_items,
                                    near_start, near_items)
        total += reward
        t += 1
        if status != ph.RUNNING:
            break
    return total, t, status


@numba.njit(cache=True)
def step_cars(ints, genomes, memory, states, status, returns, angles, sensor_range, laps, continuous, table,
              centre, arc, walls, meta, cell_start, cell_items, near_start, near_items):
    """One lockstep step of every running car (``status == RUNNING``): states, status and returns updated.

    Used by the live view; the same policy and physics as :func:`population_episodes`. ``ints`` (1 or P,
    n_int) int64 and ``genomes`` (P, n_params) are a ``Program``; ``memory`` (P, >= n_state) float64 the
    networks' memory (zeros at the episode start), updated in place.
    """
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=np.float64)
    obs = np.empty(angles.shape[0] + 1, dtype=np.float64)
    x = np.empty(angles.shape[0] + 1, dtype=np.float64)
    for p in range(genomes.shape[0]):
        if status[p] != ph.RUNNING:
            continue
        steer, throttle = _act(ints[0 if ints.shape[0] == 1 else p], genomes[p], memory[p], states[p], angles, sensor_range, continuous, table,
                               buf, obs, x, walls, meta, cell_start, cell_items)
        reward, status[p] = ph.advance(states[p], steer, throttle, laps, centre, arc, walls, meta,
                                       cell_start, cell_items, near_start, near_items)
        returns[p] += reward


@numba.njit(cache=True)
def _population(ints, genomes, starts, width, angles, sensor_range, laps, continuous, table,
                max_steps, centre, arc, walls, meta, cell_start, cell_items, near_start, near_items, returns,
                laps_out, status_out, steps_out):
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=np.float64)
    obs = np.empty(angles.shape[0] + 1, dtype=np.float64)
    x = np.empty(angles.shape[0] + 1, dtype=np.float64)
    state = np.empty(ph.STATE_SIZE, dtype=np.float64)
    memory = np.empty(max_header(ints, N_STATE), dtype=np.float64)
    steps = 0
    for p in range(genomes.shape[0]):
        for k in range(starts.shape[0]):
            ph.reset(state, centre, arc, width, starts[k, 1], starts[k, 2])
            prog = ints[0 if ints.shape[0] == 1 else p]
            policy_reset(prog, memory)
            r, n, s = _episode(prog, genomes[p], memory, state, angles, sensor_range, laps, continuous, table,
                               max_steps, buf, obs, x, centre, arc, walls, meta, cell_start, cell_items,
                               near_start, near_items)
            returns[p, k] = r
            laps_out[p, k] = int(state[ph.LAPS])
            status_out[p, k] = s
            steps_out[p, k] = n
            steps += n
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
        steps += _population(prog.ints, g, starts, float(tr.width), angles, sensor_range, laps,
                             bool(continuous), DISCRETE_ACTIONS, int(max_episode_steps), *ph.track_arrays(tr, sensor_range),
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
