"""Population kernel for ``neuroevo/DoublePole-v0``: every genome balances the poles, network stepped in Numba.

Each genome's network goes through the policy seam (``policy_step_lanes``: feed-forward, Elman recurrent or a
graph), ``LANES`` episodes in lockstep, the physics across the same lanes (:mod:`games.double_pole.lanes`:
packed, libm's ``cos``/``sin`` kept, the bits of :mod:`games.double_pole.physics`, the env's); a lane whose
episode ends takes the next (genome, start) pair. The network's first output, clipped to [-1, 1], is the
action (as ``neuroevo.policy`` reads a Box(-1, 1) action of the env). Fitness (maximised):

- with velocities (Markovian): the number of steps balanced, up to ``max_steps`` (100,000: solved);
- without velocities: Gruau's damping fitness over 1,000 steps (:func:`physics.gruau_fitness`).

The start state is the fixed one of the reference (long pole at 0.07 rad); the episode seeds are ignored.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.borrowed import borrowed
from games.double_pole import physics as ph
from games.double_pole.lanes import advance_lanes, jiggle_lanes, observe_lanes, physics_scratch
from games.items import load_item
from neuroevo.networks import as_program
from neuroevo.networks.program import (LANES, WIDTH, Policy, block_zeros, lane_buffers, live_first,
                                      max_header, narrow_block, narrow_row, policy_step, policy_step_lanes)
from neuroevo.networks.simd import prefer_wide_vectors

MARKOV_STEPS = 100_000
GRUAU_STEPS = 1_000


@numba.njit(cache=True)
def _scratch(ints, n_obs, lanes, dtype):
    """A decision's scratch for a block of ``lanes`` lanes (:func:`_run`): the observation (n_obs, lanes)
    float64, the network's two layer buffers (width, lanes) in the params' ``dtype``, the physics' RK4 and
    libm rows and clipped action (:func:`games.double_pole.lanes.physics_scratch`), ``failed`` (lanes,) bool and
    the damping terms (lanes,) float64; the blocks 64-byte aligned."""
    width = max_header(ints, WIDTH)
    return (block_zeros(n_obs, lanes, np.float64), block_zeros(width, lanes, dtype), block_zeros(width, lanes, dtype),
            physics_scratch(lanes), np.zeros(lanes, dtype=np.bool_), np.zeros(lanes))


#: Live lanes at or below which, once no pair is queued, each plays out its episode alone in the scalar physics
#: (:func:`_finish_alone`): a block of 8 lanes costs about as much per decision as 8 scalar episodes (most of
#: either is libm's 16 ``sincos`` calls per lane, and each packed pass has a fixed cost per call).
ALONE = 8


@numba.njit(cache=True)
def _fit(active, width):
    """The block width once no pair is queued: the ``active`` live lanes rounded up to whole ``zmm`` vectors of
    8 float64 lanes (32, 24, 16), at most ``width``. Finer than CartPole's ``tail_width`` (32, 16, 8): here an
    idle lane costs what a live one does (its 16 ``sincos`` calls per decision), so 20 genomes of a small
    population run 24 lanes wide, not 32."""
    return min(width, (active + 7) // 8 * 8)


@numba.njit(cache=True, error_model="numpy")
def _finish_alone(ints, genomes, starts, velocities, poles, failure_angle, max_steps, out, lanes):
    """Each live lane's episode played to its end on its own, one after another, in the scalar physics and
    network (``physics.advance``, ``policy_step``) from the lane's state, memory and step count: the same
    operations as the lanes, so the same bits. Returns the steps simulated."""
    lengths, balanced, jiggles = out
    wt, rows, memory, state, t, items = lanes
    k, n_j = starts.shape[0], jiggles.shape[2]
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=genomes.dtype)
    mem = np.empty(memory.shape[0], dtype=genomes.dtype)
    obs, st, scratch = np.empty(6 if velocities else 3), np.empty(6), np.empty((4, 6))
    steps = 0
    for lane in range(state.shape[1]):
        if items[lane] < 0:
            continue
        p = items[lane] // k
        s, n, prog = items[lane] - p * k, t[lane], ints[rows[lane]]
        mem[:], st[:] = memory[:, lane], state[:, lane]
        failed = False
        while n < max_steps:
            ph.observe(st, velocities, obs)
            y = policy_step(prog, genomes[p], mem, obs, buf)
            failed = ph.advance(st, y[0], poles, failure_angle, scratch)
            if n < n_j:
                jiggles[p, s, n] = ph.jiggle(st)
            n += 1
            if failed:
                break
        lengths[p, s], balanced[p, s] = n, n - 1 if failed else n
        steps += n
    return steps


@numba.njit(cache=True, error_model="numpy")
def _run(ints, genomes, starts, velocities, poles, failure_angle, max_steps, out, lanes, next_item, active, scratch):
    """Step the lane block until every pair is done, or until no pair is queued and the live lanes fit a
    narrower block (:func:`_fit`) or are few enough to finish alone (:data:`ALONE`). ``out``: ``(lengths,
    balanced, jiggles)``; ``lanes``: ``(wt, rows, memory, state, t, items)`` of the block; ``scratch``:
    :func:`_scratch`. Every array is the caller's and borrowed here (:mod:`games.borrowed`: no reference
    counts per view and call).

    Each decision: the observation (packed), the network (``policy_step_lanes``), the physics
    (:func:`~games.double_pole.lanes.advance_lanes`), the damping terms if recorded (packed), then a scalar pass
    writing them and closing the lanes whose episode ended; idle lanes are stepped too and never read.

    Returns:
        ``(active, next_item, steps)``: the live lanes, the next pair to take, the steps simulated.
    """
    prefer_wide_vectors()
    b = borrowed
    ints, genomes, starts = b(ints), b(genomes), b(starts)
    lengths, balanced, jiggles = b(out[0]), b(out[1]), b(out[2])
    wt, rows, memory, state, t, items = b(lanes[0]), b(lanes[1]), b(lanes[2]), b(lanes[3]), b(lanes[4]), b(lanes[5])
    x, buf_a, buf_b, ph_s, failed, jig = scratch
    x, buf_a, buf_b, failed, jig = b(x), b(buf_a), b(buf_b), b(failed), b(jig)
    ph_s = (b(ph_s[0]), b(ph_s[1]), b(ph_s[2]), b(ph_s[3]), b(ph_s[4]), b(ph_s[5]), b(ph_s[6]))
    n_items, k, n_j, width = genomes.shape[0] * starts.shape[0], starts.shape[0], jiggles.shape[2], state.shape[1]
    steps = 0
    while active > 0:
        observe_lanes(state, velocities, x)
        y = policy_step_lanes(ints, rows, wt, memory, x, buf_a, buf_b)
        advance_lanes(state, y[0], poles, failure_angle, ph_s, failed)
        if n_j > 0:
            jiggle_lanes(state, jig)
        for lane in range(width):
            item = items[lane]
            if item < 0:
                continue
            p = item // k
            s, n = item - p * k, t[lane]
            if n < n_j:
                jiggles[p, s, n] = jig[lane]
            n += 1
            t[lane] = n
            if failed[lane] or n >= max_steps:
                lengths[p, s], balanced[p, s] = n, n - 1 if failed[lane] else n
                steps += n
                if next_item < n_items:
                    load_item(lane, next_item, ints, genomes, starts, wt, rows, memory, state, t, items)
                    next_item += 1
                else:
                    items[lane] = -1
                    active -= 1
        if next_item >= n_items and (active <= ALONE or _fit(active, width) < width):
            break
    return active, next_item, steps


@numba.njit(cache=True, error_model="numpy")
def _episodes(ints, genomes, starts, velocities, poles, failure_angle, max_steps, lengths, balanced, jiggles):
    """Every (genome, start) episode, ``LANES`` at a time in lockstep (:func:`_run`); a lane whose episode ends
    takes the next pair (item ``p * S + k``: genome ``p``, start ``k``). Once none is queued, the block narrows
    to its live lanes (:func:`_fit`, ``narrow_block``: 32, 24, then 16 wide), and the last :data:`ALONE` lanes
    finish one at a time (:func:`_finish_alone`); each lane's arithmetic is unchanged, so are its bits.

    Writes lengths (P, S) int64 steps until failure (inclusive) or max_steps, balanced (P, S) int64 the steps
    after which nothing was out of bounds, ``jiggles`` (P, S, J) the damping terms of the first J steps (J may
    be 0); returns the steps simulated. A float32 network runs in float32 (``lane_buffers``)."""
    n_items = genomes.shape[0] * starts.shape[0]
    if max_steps <= 0 or n_items == 0:
        return 0
    wt, rows, memory, _, _ = lane_buffers(ints, genomes)
    state = block_zeros(6, LANES, np.float64)
    t, items = np.zeros(LANES, dtype=np.int64), np.full(LANES, -1, dtype=np.int64)
    active = min(LANES, n_items)
    for lane in range(active):
        load_item(lane, lane, ints, genomes, starts, wt, rows, memory, state, t, items)
    next_item, steps = active, 0
    n_obs = 6 if velocities else 3
    while active > 0:
        if next_item >= n_items and active <= ALONE:
            return steps + _finish_alone(ints, genomes, starts, velocities, poles, failure_angle, max_steps,
                                         (lengths, balanced, jiggles), (wt, rows, memory, state, t, items))
        width = _fit(active, state.shape[1]) if next_item >= n_items else state.shape[1]
        if width < state.shape[1]:
            order = live_first(items, width)
            wt, memory, state = narrow_block(wt, order), narrow_block(memory, order), narrow_block(state, order)
            rows, t, items = narrow_row(rows, order, 0), narrow_row(t, order, 0), narrow_row(items, order, -1)
        active, next_item, s = _run(ints, genomes, starts, velocities, poles, failure_angle, max_steps,
                                    (lengths, balanced, jiggles), (wt, rows, memory, state, t, items), next_item,
                                    active, _scratch(ints, n_obs, width, wt.dtype))
        steps += s
    return steps


def _check(spec, genomes, velocities, poles):
    prog = as_program(spec, genomes)
    n_in = 6 if velocities else 3
    if prog.n_inputs != n_in or prog.n_outputs != 1:
        raise ValueError(f"DoublePole-v0 with velocities={velocities} needs a {n_in}-input, 1-output network, "
                         f"got {prog.n_inputs} inputs, {prog.n_outputs} outputs")
    if poles not in (1, 2):
        raise ValueError(f"poles must be 1 or 2, got {poles!r}")
    return prog


def episodes(spec: Policy, genomes: np.ndarray, starts: ArrayLike, *, velocities: bool = True, poles: int = 2,
             failure_angle: float = ph.THIRTY_SIX_DEGREES, max_steps: int = MARKOV_STEPS,
             record_jiggle: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Episodes of every genome from every start state.

    Args:
        spec: the policy (``NetworkSpec`` or any ``program(genomes)``): 6 inputs with velocities, else 3; 1 output.
        genomes: (P, n_params) float64. starts: (S, 6) float64 start states.
        max_steps: the episode cap. record_jiggle: how many steps of damping terms to keep.

    Returns:
        ``(lengths, balanced, jiggles, env_steps)``: (P, S) int64 steps taken (an episode ends on, and
        counts, its failing step), (P, S) int64 steps balanced (``lengths`` minus the failing step),
        (P, S, record_jiggle) float64 damping terms, and the total steps simulated.

    Raises:
        ValueError: a network that does not fit, or poles not 1 or 2.
    """
    prog = _check(spec, genomes, velocities, poles)
    starts = np.ascontiguousarray(np.atleast_2d(starts), dtype=np.float64)
    lengths = np.zeros((prog.params.shape[0], starts.shape[0]), dtype=np.int64)
    balanced = np.zeros_like(lengths)
    jiggles = np.zeros((prog.params.shape[0], starts.shape[0], int(record_jiggle)))
    steps = _episodes(prog.ints, prog.params, starts, bool(velocities), int(poles), float(failure_angle),
                      int(max_steps), lengths, balanced, jiggles)
    return lengths, balanced, jiggles, int(steps)


def population_fitness(spec: Policy, genomes: np.ndarray, seeds: ArrayLike | None = None, velocities: bool = True,
                       poles: int = 2, gruau: bool | None = None, failure_angle: float = ph.THIRTY_SIX_DEGREES,
                       max_episode_steps: int | None = None,
                       render_mode: str | None = None) -> tuple[np.ndarray, int]:
    """Fitness of every genome from the standard start (maximised): ``((P,) float64, env_steps)``.

    ``gruau`` (default: not ``velocities``) selects Gruau's damping fitness over 1,000 steps; otherwise the
    fitness is the steps balanced up to ``max_episode_steps`` (default 100,000). ``seeds`` are ignored (the
    start is fixed, so the K episodes of K seeds are one episode played K times: the fitness is that
    episode's and ``env_steps`` counts K times its steps, as the env loop does) and ``render_mode`` too; the
    other keywords are the env's.
    """
    k = 1 if seeds is None else len(np.atleast_1d(seeds))
    fitness, steps = _fitness(spec, genomes, velocities, poles, gruau, failure_angle, max_episode_steps)
    return fitness, steps * k


def _fitness(spec, genomes, velocities, poles, gruau, failure_angle, max_episode_steps):
    gruau = (not velocities) if gruau is None else bool(gruau)
    if gruau:
        lengths, balanced, jiggles, steps = episodes(spec, genomes, ph.START, velocities=velocities, poles=poles,
                                                     failure_angle=failure_angle, max_steps=GRUAU_STEPS,
                                                     record_jiggle=GRUAU_STEPS)
        fitness = np.array([ph.gruau_fitness(b, j[0, :n]) for n, b, j in zip(lengths[:, 0], balanced[:, 0], jiggles)])
        return fitness, steps
    cap = int(max_episode_steps or MARKOV_STEPS)
    lengths, _, _, steps = episodes(spec, genomes, ph.START, velocities=velocities, poles=poles,
                                    failure_angle=failure_angle, max_steps=cap)
    return lengths[:, 0].astype(np.float64), steps


def solves(spec: Policy, genomes: np.ndarray, velocities: bool = True, poles: int = 2,
           failure_angle: float = ph.THIRTY_SIX_DEGREES) -> np.ndarray:
    """(P,) bool: balances the poles for 100,000 steps from the standard start (the solution criterion)."""
    _, balanced, _, _ = episodes(spec, genomes, ph.START, velocities=velocities, poles=poles,
                                 failure_angle=failure_angle, max_steps=MARKOV_STEPS)
    return balanced[:, 0] >= MARKOV_STEPS


def generalisation(spec: Policy, genomes: np.ndarray, velocities: bool = False, poles: int = 2,
                   failure_angle: float = ph.THIRTY_SIX_DEGREES) -> np.ndarray:
    """(P,) int64: how many of the 625 standard starts each genome keeps the poles up from for 1,000 steps.

    (The reference counts a start if at least 999 steps were balanced; here all 1,000 must be.)
    """
    _, balanced, _, _ = episodes(spec, genomes, ph.generalisation_starts(), velocities=velocities, poles=poles,
                                 failure_angle=failure_angle, max_steps=GRUAU_STEPS)
    return (balanced >= GRUAU_STEPS).sum(axis=1)
