"""Population fitness kernel for ``neuroevo/FlappyBird-v0``: birds ``LANES`` at a time, networks vectorised.

Every genome of a chunk flies its own bird through the *same* pipe sequence (drawn from the episode seed,
as ``env.reset(seed=seed)`` draws it). The policy is the one every neuroevo evaluator uses on a Discrete
action space: the observation is cast to float32 (the env's dtype), the network runs in float64
through the policy seam (``policy_step_lanes`` across 32 birds, the same bits as ``policy_step`` per bird;
feed-forward, recurrent or graph networks), the action is the first argmax of the 2 outputs. So each bird's
trajectory equals the
one ``gymnasium.make("neuroevo/FlappyBird-v0")`` gives from the same seed, frame for frame.

Fitness (maximised) of one episode = frames alive (the episode's length in frames) + ``pipe_bonus`` x pipes
passed, as in the classic neuroevolution demo; the fitness of a genome is its mean over the episodes.
"""

from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.flappy_bird.physics import (CAPPED, CRASHED, FLYING, OBS_SIZE, OBSERVATIONS, P_CAP, gap_tops_for_seed,
                                       make_params, observe, pipes_needed, start_bird, step_bird, step_reward)
from neuroevo.errors import ConfigError
from neuroevo.networks.simd import prefer_wide_vectors
from neuroevo.networks import (LANES, NetworkSpec, argmax, as_program, max_header, policy_reset, policy_step,
                               policy_step_lanes)
from neuroevo.networks.program import N_IN, WIDTH, lane_buffers, load_lane_policy

#: Default fitness bonus per pipe passed (frames alive count 1 each).
PIPE_BONUS = 25.0


@numba.njit(cache=True)
def flock_step(ints, genomes, memory, birds, status, frames, rewards, t, gaps, params, mode):
    """Advance every flying bird of a flock by one frame, from frame ``t`` to ``t + 1``.

    Args:
        ints: (1 or P, n_int) int64 policy programs (``Program.ints``, :mod:`neuroevo.networks.program`).
        genomes: (P, n_params) float64, bird p is flown by genome p (``Program.params``).
        memory: (P, >= n_state) float64 the networks' memory, updated in place (zeros at frame 0).
        birds: (P, 4) float64 bird states (see ``physics``), updated in place.
        status: (P,) int8 FLYING / CRASHED / CAPPED, updated in place.
        frames: (P,) int64 frames each bird has flown, updated in place.
        rewards: (P,) float64, set to each bird's env reward of this frame (0 for birds already done).
        t: int frame index before the step.
        gaps: (n,) float64 gap tops [px] of the shared pipe sequence.
        params: (5,) float64 from ``make_params``.
        mode: observation mode code (``OBSERVATIONS``).

    Returns:
        The number of birds still flying.
    """
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=genomes.dtype)  # a float32 network runs in float32
    obs = np.empty(ints[0, 1], dtype=np.float64)
    shared = ints.shape[0] == 1
    flying = 0
    for p in range(genomes.shape[0]):
        rewards[p] = 0.0
        if status[p] != FLYING:
            continue
        bird = birds[p]
        observe(bird, t, gaps, params, mode, obs)
        for i in range(obs.shape[0]):
            obs[i] = np.float64(np.float32(obs[i]))
        action = argmax(policy_step(ints[0 if shared else p], genomes[p], memory[p], obs, buf))
        passed = step_bird(bird, action, t + 1, gaps, params)
        frames[p] += 1
        rewards[p] = step_reward(passed)
        if passed < 0:
            status[p] = CRASHED
        elif bird[3] >= params[P_CAP]:
            status[p] = CAPPED
        else:
            flying += 1
    return flying


@numba.njit(cache=True, inline="always")
def _argmax_lane(y, lane):
    """First index of the largest ``y[:, lane]`` (np.argmax's tie rule)."""
    best = 0
    for j in range(1, y.shape[0]):
        if y[j, lane] > y[best, lane]:
            best = j
    return best


@numba.njit(cache=True)
def _load_lane(lane, item, ints, genomes, n_seeds, start, wt, rows, memory, birds, t, items):
    p = item // n_seeds
    load_lane_policy(lane, p, ints, genomes, wt, rows, memory)
    birds[lane, :] = start
    t[lane] = 0
    items[lane] = item


@numba.njit(cache=True, error_model="numpy")
def _population_lanes(ints, genomes, gaps, params, mode, start, frames, scores):
    """Every (genome, seed) episode, ``LANES`` birds at a time, the networks vectorised across the lanes.

    Each lane flies one bird from frame 0 of its episode (``gaps[k]``: the pipe sequence of seed k) with its
    own frame counter; a lane whose bird crashes or reaches the cap takes the next (genome, seed) pair. The
    same operations per bird as :func:`flock_step`, so the same frames and scores.
    """
    prefer_wide_vectors()
    n_seeds = gaps.shape[0]
    n_items = genomes.shape[0] * n_seeds
    n_in = ints[0, N_IN]
    wt, rows, memory, buf_a, buf_b = lane_buffers(ints, genomes)
    x = np.zeros((n_in, LANES))
    obs = np.zeros(n_in)
    birds = np.zeros((LANES, 4))
    t = np.zeros(LANES, dtype=np.int64)
    items = np.full(LANES, -1, dtype=np.int64)
    next_item, active = 0, 0
    for lane in range(LANES):
        if next_item < n_items:
            _load_lane(lane, next_item, ints, genomes, n_seeds, start, wt, rows, memory, birds, t, items)
            next_item += 1
            active += 1
    while active > 0:
        for lane in range(LANES):
            if items[lane] >= 0:
                observe(birds[lane], t[lane], gaps[items[lane] % n_seeds], params, mode, obs)
                for i in range(obs.shape[0]):
                    x[i, lane] = np.float64(np.float32(obs[i]))
        y = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        for lane in range(LANES):
            item = items[lane]
            if item < 0:
                continue
            bird = birds[lane]
            passed = step_bird(bird, _argmax_lane(y, lane), t[lane] + 1, gaps[item % n_seeds], params)
            t[lane] += 1
            if passed < 0 or bird[3] >= params[P_CAP]:
                frames[item // n_seeds, item % n_seeds] = t[lane]
                scores[item // n_seeds, item % n_seeds] = np.int64(bird[3])
                if next_item < n_items:
                    _load_lane(lane, next_item, ints, genomes, n_seeds, start, wt, rows, memory, birds, t, items)
                    next_item += 1
                else:
                    items[lane] = -1
                    active -= 1


def check_kwargs(spec: NetworkSpec, observation: str = "simple", score_cap: float | None = 1000,
                 pipe_gap: float = 100.0, pipe_speed: float = 4.0, pipe_spacing: float = 144.0,
                 pipe_bonus: float = PIPE_BONUS, render_mode: str | None = None) -> tuple[np.ndarray, int, float]:
    """Validate the env keywords against ``spec``; returns ``(params, mode, pipe_bonus)``.

    Raises:
        ConfigError: on a bad keyword value or a network that does not fit the observation (n_in) or the
            two actions (n_out = 2).
    """
    if observation not in OBSERVATIONS:
        raise ConfigError(f"observation must be one of {', '.join(OBSERVATIONS)}, got {observation!r}")
    if spec.n_inputs != OBS_SIZE[observation] or spec.n_outputs != 2:
        raise ConfigError(f"FlappyBird with observation={observation!r} needs a network with "
                          f"{OBS_SIZE[observation]} inputs and 2 outputs, got {list(spec.sizes)}")
    if isinstance(pipe_bonus, bool) or not isinstance(pipe_bonus, (int, float)):
        raise ConfigError(f"pipe_bonus must be a number, got {pipe_bonus!r}")
    return make_params(pipe_gap, pipe_speed, pipe_spacing, score_cap), OBSERVATIONS[observation], float(pipe_bonus)


def population_episodes(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike,
                        **env_kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Frames flown and pipes passed by every genome's bird in every episode.

    Args:
        spec: network with 4 ("simple") or 12 ("pipes") inputs and 2 outputs.
        genomes: (P, n_params) float64.
        seeds: (K,) ints, the ``reset(seed=...)`` seeds of the K episodes.
        **env_kwargs: the env's keywords (observation, score_cap, pipe_gap, pipe_speed, pipe_spacing,
            pipe_bonus; render_mode is ignored). score_cap must be finite.

    Returns:
        ``(frames, scores)``: two (P, K) int64 arrays.

    Raises:
        ConfigError: on bad keywords, a network that does not fit, or score_cap=None.
    """
    if env_kwargs.get("score_cap", 1) is None:
        raise ConfigError("the FlappyBird population kernel needs a finite score_cap (pipes)")
    params, mode, _ = check_kwargs(spec, **env_kwargs)
    prog = as_program(spec, genomes)
    g = prog.params
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    frames = np.zeros((g.shape[0], seeds.shape[0]), dtype=np.int64)
    scores = np.zeros_like(frames)
    gaps = np.stack([gap_tops_for_seed(int(seed), params[0], pipes_needed(params)) for seed in seeds])
    _population_lanes(prog.ints, g, gaps, params, mode, start_bird(), frames, scores)
    return frames, scores


def population_fitness(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike,
                       **env_kwargs: Any) -> tuple[np.ndarray, int]:
    """Fitness of every genome: mean over the episodes of frames alive + ``pipe_bonus`` x pipes passed.

    Takes every keyword the env takes (see :func:`population_episodes`; ``pipe_bonus`` defaults to 25).

    Returns:
        ``(fitness, env_steps)``: (P,) float64 (higher is better) and the total bird-frames simulated.
    """
    frames, scores = population_episodes(spec, genomes, seeds, **env_kwargs)
    bonus = float(env_kwargs.get("pipe_bonus", PIPE_BONUS))
    return (frames + bonus * scores).mean(axis=1), int(frames.sum())


def population_scores(spec: NetworkSpec, genomes: np.ndarray, seeds: ArrayLike,
                      **env_kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Fitness and the game's own score of every genome (the evolve summary's pipes).

    Returns:
        ``(fitness (P,) float64, pipes (P, K) float64)``: the fitness of :func:`population_fitness` and the
        pipes passed in each of the K episodes.
    """
    frames, scores = population_episodes(spec, genomes, seeds, **env_kwargs)
    bonus = float(env_kwargs.get("pipe_bonus", PIPE_BONUS))
    return (frames + bonus * scores).mean(axis=1), scores.astype(np.float64)
