"""Population fitness kernel for CartPole-v1: every genome plays every episode, network inlined.

Agents run ``LANES`` at a time through the policy seam (``policy_step_lanes``, vectorised across the lanes
for layered networks, feed-forward or recurrent); a lane whose episode ends is refilled with the next
(genome, episode) pair and its network memory reset, so no lane idles while work remains.

The policy is the one every neuroevo evaluator uses for Discrete actions: the observation is cast to
float32 (as the real environment returns it), the network runs in float64 (or float32 for a float32
network: the physics stays float64), the action is the first argmax.
So the return of a genome here equals its return in ``gymnasium.make("CartPole-v1")`` from the same seed.
"""

from collections.abc import Iterable
from typing import Any

import numba
import numpy as np

from games.borrowed import borrowed
from games.cartpole.physics import MAX_EPISODE_STEPS, dynamics_sc, start_states
from games.items import new_block, next_item, own_counter
from games.trig import sin_cos_lanes
from neuroevo.networks.simd import prefer_wide_vectors
from neuroevo.networks.program import (LANES, WIDTH, Policy, as_program, block_zeros, lane_buffers, live_first,
                                      load_lane_policy, max_header, narrow_block, narrow_row, policy_step_lanes,
                                      tail_width)


@numba.njit(cache=True, inline="always")
def _load_lane(lane, item, ints, genomes, starts, wt, rows, memory, state, t, items):
    """Lane ``lane`` takes (genome, episode) pair ``item``: its params, a zero memory, the start state.

    :func:`games.items.load_item` with CartPole's 4 state rows fixed at compile time: through ``load_item``
    (the row count read at run time) the kernel ran 0.91x and 0.96x the agent-steps per CPU-second at the
    median of 11 paired rounds (``benchmarks/cartpole_against.py``, twice; the same source 1.00x)."""
    k = starts.shape[0]
    p = item // k
    load_lane_policy(lane, p, ints, genomes, wt, rows, memory)
    for i in range(4):
        state[i, lane] = starts[item - p * k, i]
    t[lane] = 0
    items[lane] = item


@numba.njit(cache=True, error_model="numpy")
def _step_lanes(y, state, sin_t, cos_t, t, max_steps, done):
    """The Euler step of every lane (``state`` (4, lanes), updated) from the network outputs ``y`` (2,
    lanes; action = the first argmax) and the lanes' ``sin``/``cos`` of the angle; ``t`` += 1 and ``done``
    = terminated or at ``max_steps``. No calls, no inner loop, no branch: LLVM packs it (8 lanes per zmm
    instruction; ``benchmarks/roofline.py`` counts the packed instructions of this loop). Compiled as a
    function of its own, not inlined: inlined into the kernel, beside the network's loops, LLVM left it
    scalar (its runtime alias checks over seven arrays were too many); one call per step of 32 lanes."""
    prefer_wide_vectors()
    for lane in range(state.shape[1]):
        action = 1 if y[1, lane] > y[0, lane] else 0  # np.argmax's first-index tie rule, 2 outputs
        s0, s1, s2, s3, d = dynamics_sc(state[0, lane], state[1, lane], state[2, lane], state[3, lane],
                                        action, sin_t[lane], cos_t[lane])
        state[0, lane], state[1, lane], state[2, lane], state[3, lane] = s0, s1, s2, s3
        t[lane] += 1
        done[lane] = d | (t[lane] >= max_steps)


@numba.njit(cache=True)
def _scratch(ints, lanes, dtype):
    """A step's scratch for a block of ``lanes`` lanes (:func:`_run`): the float32-cast observation (4, lanes),
    the network's two layer buffers (width, lanes) in the params' ``dtype`` (the blocks 64-byte aligned),
    ``sin``/``cos`` of the angle (lanes,) and ``done`` (lanes,) bool."""
    width = max_header(ints, WIDTH)
    return (block_zeros(4, lanes, np.float64), block_zeros(width, lanes, dtype), block_zeros(width, lanes, dtype),
            np.zeros(lanes), np.zeros(lanes), np.zeros(lanes, dtype=np.bool_))


@numba.njit(cache=True, error_model="numpy")
def _run(ints, genomes, starts, max_steps, returns, wt, rows, memory, state, t, items, counter, block, active,
         scratch):
    """Step the lane block (``state.shape[1]`` lanes) until every pair is done, or until no pair is left to
    take from the call's ``block`` or claim from ``counter`` (:func:`games.items.next_item`) and the live
    lanes fit a narrower block (:func:`~neuroevo.networks.program.tail_width`).

    Every array is the caller's, ``scratch`` (:func:`_scratch`) included, and borrowed here
    (:mod:`games.borrowed`): the step's views and inlined calls take no atomic reference counts. With the
    scratch allocated in this loop's own frame (and so counted), the kernel ran 0.85-0.93x the agent-steps
    per CPU-second on one pinned core (``benchmarks/cartpole_against.py``).

    Each step: the float32 observation (packed), the network (packed, through the seam), ``sin``/``cos``
    (packed, :func:`games.trig.sin_cos_lanes`), the Euler step :func:`~games.cartpole.physics.dynamics_sc`
    (packed: 4 divisions, the select of the force and the termination test in SIMD registers), then a
    scalar pass over the lanes that ended. Idle lanes (no work left) are stepped too and never read.

    Returns:
        ``(active, steps)``: the live lanes, the env steps simulated.
    """
    prefer_wide_vectors()
    b = borrowed  # the caller owns every array: no reference counts per view and call (games.borrowed)
    ints, genomes, starts, returns, wt, rows = b(ints), b(genomes), b(starts), b(returns), b(wt), b(rows)
    memory, state, t, items = b(memory), b(state), b(t), b(items)
    x, buf_a, buf_b, sin_t, cos_t, done = scratch
    x, buf_a, buf_b, sin_t, cos_t, done = b(x), b(buf_a), b(buf_b), b(sin_t), b(cos_t), b(done)
    n_items = genomes.shape[0] * starts.shape[0]
    lanes = state.shape[1]  # a run-time trip count: LLVM then packs the loops, not unrolls them
    steps = 0
    exhausted = counter[0] >= n_items and block[0] >= block[1]
    while active > 0:
        for i in range(4):
            for lane in range(lanes):
                x[i, lane] = np.float64(np.float32(state[i, lane]))
        y = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        sin_cos_lanes(state[2], sin_t, cos_t)
        _step_lanes(y, state, sin_t, cos_t, t, max_steps, done)
        for lane in range(lanes):
            if not done[lane] or items[lane] < 0:
                continue
            item = items[lane]
            returns[item // starts.shape[0], item % starts.shape[0]] = t[lane]
            steps += t[lane]
            item = n_items if exhausted else next_item(counter, block, n_items)
            if item < n_items:
                _load_lane(lane, item, ints, genomes, starts, wt, rows, memory, state, t, items)
            else:
                exhausted = True
                items[lane] = -1
                active -= 1
        if exhausted and tail_width(active, lanes) < lanes:
            break
    return active, steps


@numba.njit(cache=True, error_model="numpy", nogil=True)
def _population_returns(ints, genomes, starts, max_steps, returns, counter):
    """The (genome, episode) pairs claimed from ``counter`` (blocks of :data:`games.items.BLOCK`), LANES at a
    time; a lane whose episode ends takes the next pair (item ``p * K + k``: genome ``p``, episode ``k``),
    until none is left.

    The state is a structure of arrays, ``state[i, lane]`` (:func:`_run` steps it). Once no pair is left,
    the block narrows to its live lanes (16, then 8 wide), so a call's tail of long episodes does not run
    32 lanes wide; each lane's arithmetic is unchanged, so are its bits. Only the claimed pairs' returns are
    written. Runs without the GIL: the process pool's parent plays a share of the generation while its
    threads (worker log streams, progress bar) run on.
    """
    n_items = genomes.shape[0] * starts.shape[0]
    wt, rows, memory, _, _ = lane_buffers(ints, genomes)
    state = block_zeros(4, LANES, np.float64)
    t = np.zeros(LANES, dtype=np.int64)
    items = np.full(LANES, -1, dtype=np.int64)
    block = new_block()
    active, steps = 0, 0
    for lane in range(LANES):
        item = next_item(counter, block, n_items)
        if item >= n_items:
            break
        _load_lane(lane, item, ints, genomes, starts, wt, rows, memory, state, t, items)
        active += 1
    while active > 0:
        active, s = _run(ints, genomes, starts, max_steps, returns, wt, rows, memory, state, t, items, counter,
                         block, active, _scratch(ints, state.shape[1], wt.dtype))
        steps += s
        if active > 0:
            order = live_first(items, tail_width(active, state.shape[1]))
            wt, memory, state = narrow_block(wt, order), narrow_block(memory, order), narrow_block(state, order)
            rows, t, items = narrow_row(rows, order, 0), narrow_row(t, order, 0), narrow_row(items, order, -1)
    return steps


def population_returns(spec: Policy, genomes: np.ndarray, seeds: Iterable[int],
                       max_steps: int = MAX_EPISODE_STEPS) -> tuple[np.ndarray, int]:
    """Episode returns of every genome on CartPole-v1 from the start states of ``seeds``.

    Args:
        spec: the policy: a ``NetworkSpec`` (feed-forward or recurrent) or anything with ``program(genomes)``
            (:mod:`neuroevo.networks.program`), with 4 inputs and 2 outputs (one per action).
        genomes: (P, n_params) float64.
        seeds: (K,) ints, the ``reset(seed=...)`` seeds of the K episodes.
        max_steps: episode length cap (CartPole-v1: 500).

    Returns:
        ``(returns, env_steps)``: (P, K) float64 returns (reward 1 per step) and the total steps simulated.

    Raises:
        ValueError: if the spec does not have 4 inputs and 2 outputs, or on a genome shape mismatch.
    """
    prog = as_program(spec, genomes)
    starts = start_states(seeds)
    returns = np.empty((prog.params.shape[0], starts.shape[0]), dtype=np.float64)
    return returns, _returns_into(prog, starts, own_counter(), returns, max_steps)


def _returns_into(prog: Any, starts: np.ndarray, counter: np.ndarray, returns: np.ndarray, max_steps: int) -> int:
    if prog.n_inputs != 4 or prog.n_outputs != 2:
        raise ValueError(f"CartPole-v1 needs a 4-input, 2-output network, got {prog.n_inputs} inputs, "
                         f"{prog.n_outputs} outputs")
    return int(_population_returns(prog.ints, prog.params, starts, int(max_steps), returns, counter))


def shared_returns(spec: Policy, genomes: np.ndarray, seeds: Iterable[int], counter: np.ndarray,
                   returns: np.ndarray, max_steps: int = MAX_EPISODE_STEPS) -> int:
    """:func:`population_returns` for the pairs claimed from ``counter`` (:mod:`games.items`), written into
    ``returns`` ((P, K) float64, shared with the processes claiming beside this one); the env steps of
    those pairs. Called by the process pool's parent and workers on the same generation, ``counter`` zero at
    the start: together they write every return once (``neuroevo/evaluation/shared_items.py``)."""
    return _returns_into(as_program(spec, genomes), start_states(seeds), counter, returns, max_steps)


def fitness_of_returns(returns: np.ndarray) -> np.ndarray:
    """The fitness of :func:`population_fitness` from its (P, K) returns: the mean over the episodes."""
    return returns.mean(axis=1)


def population_fitness(spec: Policy, genomes: np.ndarray, seeds: Iterable[int],
                       max_steps: int = MAX_EPISODE_STEPS) -> tuple[np.ndarray, int]:
    """Fitness = mean return over the episodes of ``seeds``: ``((P,) float64, env_steps)``."""
    returns, steps = population_returns(spec, genomes, seeds, max_steps)
    return fitness_of_returns(returns), steps
