"""Population kernel for ``neuroevo/DoublePole-v0``: every genome balances the poles, network stepped in Numba.

Each genome's network goes through the policy seam (``policy_step``: feed-forward, Elman recurrent or a
graph); its first output, clipped to [-1, 1], is the action (as ``neuroevo.policy`` reads a Box(-1, 1)
action of the env). The physics is :mod:`games.double_pole.physics`, the env's. Fitness (maximised):

- with velocities (Markovian): the number of steps balanced, up to ``max_steps`` (100,000: solved);
- without velocities: Gruau's damping fitness over 1,000 steps (:func:`physics.gruau_fitness`).

The start state is the fixed one of the reference (long pole at 0.07 rad); the episode seeds are ignored.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike

from games.double_pole import physics as ph
from neuroevo.networks import as_program, max_header, policy_reset, policy_step
from neuroevo.networks.program import N_STATE, WIDTH, Policy

MARKOV_STEPS = 100_000
GRUAU_STEPS = 1_000


@numba.njit(cache=True, error_model="numpy")
def _episodes(ints, genomes, starts, velocities, poles, failure_angle, max_steps, lengths, balanced, jiggles):
    """Every (genome, start) episode: lengths (P, S) int64 steps until failure (inclusive) or max_steps,
    balanced (P, S) int64 the steps after which nothing was out of bounds; ``jiggles`` (P, S, J) the per-step damping terms of the first J steps (J may be 0)."""
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=genomes.dtype)  # a float32 network runs in float32
    memory = np.empty(max_header(ints, N_STATE), dtype=genomes.dtype)
    obs = np.empty(6 if velocities else 3)
    state = np.empty(6)
    scratch = np.empty((4, 6))
    n_j = jiggles.shape[2]
    steps = 0
    for p in range(genomes.shape[0]):
        prog = ints[0 if ints.shape[0] == 1 else p]
        for k in range(starts.shape[0]):
            policy_reset(prog, memory)
            state[:] = starts[k]
            t, failed = 0, False
            while t < max_steps:
                ph.observe(state, velocities, obs)
                y = policy_step(prog, genomes[p], memory, obs, buf)
                failed = ph.advance(state, y[0], poles, failure_angle, scratch)
                if t < n_j:
                    jiggles[p, k, t] = ph.jiggle(state)
                t += 1
                if failed:
                    break
            lengths[p, k] = t
            balanced[p, k] = t - 1 if failed else t
            steps += t
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
