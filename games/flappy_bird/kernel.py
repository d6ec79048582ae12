"""Population fitness kernel for ``neuroevo/FlappyBird-v0``: birds ``LANES`` at a time, physics and networks packed.

Every genome of a chunk flies its own bird through the *same* pipe sequence (drawn from the episode seed,
as ``env.reset(seed=seed)`` draws it). The policy is the one every neuroevo evaluator uses on a Discrete
action space: the observation is cast to float32 (the env's dtype), the network runs in float64
through the policy seam (``policy_step_lanes`` across 32 birds, the same bits as ``policy_step`` per bird;
feed-forward, recurrent or graph networks), the action is the first argmax of the 2 outputs. The birds are
a structure of arrays across the lanes (:mod:`games.flappy_bird.lanes`): the "simple" observation and the
step run packed, only the rare events (a pipe passed, a crash, a new episode) in a scalar pass. So each
bird's trajectory equals the one ``gymnasium.make("neuroevo/FlappyBird-v0")`` gives from the same seed,
frame for frame.

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
from neuroevo.networks.program import (N_IN, WIDTH, lane_buffers, live_first, load_lane_policy, narrow_block,
                                      narrow_row)
from games.flappy_bird.lanes import (CRASHED as EV_CRASHED, ITEM, PASSED, SCORE, T, after_pass,
                                     N_FS, observe_pipes_lanes, observe_simple_lanes, start_lane, step_lanes)

#: Default fitness bonus per pipe passed (frames alive count 1 each).
PIPE_BONUS = 25.0
#: Narrowest lane block of the tail (8 float64 lanes = one zmm register).
MIN_WIDTH = 8


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


@numba.njit(cache=True)
def _refill(lane, next_item, ints, genomes, gaps, start, wt, rows, memory, fs, ist):
    """Lane ``lane`` takes pair ``next_item`` (genome ``item // K``, seed row ``item % K``) if one is left;
    else it goes idle. Returns 1 if it took one, else 0."""
    if next_item >= genomes.shape[0] * gaps.shape[0]:
        ist[ITEM, lane] = -1
        return 0
    p = next_item // gaps.shape[0]
    load_lane_policy(lane, p, ints, genomes, wt, rows, memory)
    start_lane(fs, ist, gaps, start, next_item, next_item - p * gaps.shape[0], lane)
    return 1


@numba.njit(cache=True)
def _finish(lane, fs, ist, gaps, params, e, frames, scores):
    """Scalar pass of a lane with events ``e`` (``lanes.PASSED | lanes.CRASHED``): True if its episode
    ended (crash or score cap), its frames and score then recorded."""
    crashed = (e & EV_CRASHED) != 0
    if e & PASSED:
        crashed = after_pass(fs, ist, gaps, params, lane)
    if not crashed and ist[SCORE, lane] < params[P_CAP]:
        return False
    item = ist[ITEM, lane]
    k = gaps.shape[0]
    frames[item // k, item % k] = ist[T, lane]
    scores[item // k, item % k] = ist[SCORE, lane]
    return True


@numba.njit(cache=True, error_model="numpy")
def _fly_block(ints, genomes, gaps, params, mode, start, frames, scores, blk, next_item, active, min_active):
    """Steps a lane block ``blk`` = ``(fs, ist, wt, rows, memory, buf_a, buf_b, x, ev)`` (see
    :mod:`games.flappy_bird.lanes`) until no lane flies or no pair is left to load and at most
    ``min_active`` lanes fly. Each frame: the packed observation, the network across the lanes
    (``policy_step_lanes``), the packed step, then a scalar pass over the lanes with an event.

    Returns:
        ``(next_item, active)``: the next pair to load and the lanes still flying.
    """
    prefer_wide_vectors()
    fs, ist, wt, rows, memory, buf_a, buf_b, x, ev = blk
    n_items = genomes.shape[0] * gaps.shape[0]
    ev_words = ev.view(np.int64)
    while active > 0 and (next_item < n_items or active > min_active):
        if mode == 0:
            observe_simple_lanes(fs, ist, params, x)
        else:
            observe_pipes_lanes(fs, ist, params, x)
        out = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        step_lanes(out, fs, ist, params, ev)
        for word in range(ev_words.shape[0]):  # 8 lanes' events per test: most frames have none
            if ev_words[word] == 0:
                continue
            for lane in range(8 * word, 8 * word + 8):
                if ev[lane] != 0 and _finish(lane, fs, ist, gaps, params, ev[lane], frames, scores):
                    took = _refill(lane, next_item, ints, genomes, gaps, start, wt, rows, memory, fs, ist)
                    next_item += took
                    active += took - 1
    return next_item, active


@numba.njit(cache=True)
def _narrow_block(blk, w):
    """The live lanes of ``blk`` moved into a block of width ``w`` (>= lanes flying); idle lanes padded."""
    fs, ist, wt, rows, memory, buf_a, buf_b, x, ev = blk
    order = live_first(ist[ITEM], w)
    ist2 = narrow_block(ist, order)
    ist2[ITEM] = narrow_row(ist[ITEM], order, -1)
    return (narrow_block(fs, order), ist2, narrow_block(wt, order), narrow_row(rows, order, 0),
            narrow_block(memory, order),
            np.zeros((buf_a.shape[0], w), dtype=buf_a.dtype), np.zeros((buf_b.shape[0], w), dtype=buf_b.dtype),
            np.zeros((x.shape[0], w)), np.zeros(w, dtype=np.int8))


@numba.njit(cache=True, error_model="numpy")
def _population_lanes(ints, genomes, gaps, params, mode, start, frames, scores):
    """Every (genome, seed) episode, ``LANES`` birds at a time (:func:`_fly_block`); ``gaps[k]`` is the pipe
    sequence of seed k. A lane whose bird crashes or reaches the cap takes the next pair; once none is left,
    the block is halved (32 -> 16 -> 8 lanes) each time at most half of it flies, so the tail of long
    episodes does not run a mostly idle block. The same operations per bird as :func:`flock_step`, so the
    same frames and scores.
    """
    wt, rows, memory, buf_a, buf_b = lane_buffers(ints, genomes)
    fs, ist = np.zeros((N_FS, LANES)), np.zeros((4, LANES), dtype=np.int64)
    blk = (fs, ist, wt, rows, memory, buf_a, buf_b, np.zeros((ints[0, N_IN], LANES)), np.zeros(LANES, dtype=np.int8))
    next_item, active = 0, 0
    for lane in range(LANES):
        took = _refill(lane, next_item, ints, genomes, gaps, start, wt, rows, memory, fs, ist)
        next_item += took
        active += took
    w = LANES
    while True:
        next_item, active = _fly_block(ints, genomes, gaps, params, mode, start, frames, scores, blk,
                                       next_item, active, w // 2 if w > MIN_WIDTH else 0)
        if active == 0:
            return
        w //= 2
        blk = _narrow_block(blk, w)


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
