"""Population fitness kernel for CartPole-v1: every genome plays every episode, network inlined.

The policy is the one every neuroevo evaluator uses for Discrete actions: the observation is cast to
float32 (as the real environment returns it), the network runs in float64, the action is the first argmax.
So the return of a genome here equals its return in ``gymnasium.make("CartPole-v1")`` from the same seed.
"""

import numba
import numpy as np

from games.cartpole.physics import MAX_EPISODE_STEPS, start_states, step
from neuroevo.network import NetworkSpec, forward_into


@numba.njit(cache=True)
def _argmax(y):
    best = 0
    for j in range(1, y.shape[0]):
        if y[j] > y[best]:
            best = j
    return best


@numba.njit(cache=True)
def _population_returns(genomes, sizes, codes, starts, max_steps, returns):
    buf = np.empty((2, sizes.max()), dtype=np.float64)
    obs = np.empty(4, dtype=np.float64)
    state = np.empty(4, dtype=np.float64)
    steps = 0
    for p in range(genomes.shape[0]):
        g = genomes[p]
        for k in range(starts.shape[0]):
            state[:] = starts[k]
            t = 0
            while t < max_steps:
                for i in range(4):
                    obs[i] = np.float64(np.float32(state[i]))
                action = _argmax(forward_into(g, sizes, codes, obs, buf))
                t += 1
                if step(state, action):
                    break
            returns[p, k] = t
            steps += t
    return steps


def population_returns(spec: NetworkSpec, genomes: np.ndarray, seeds, max_steps: int = MAX_EPISODE_STEPS):
    """Episode returns of every genome on CartPole-v1 from the start states of ``seeds``.

    Args:
        spec: a network with 4 inputs and 2 outputs (one per action).
        genomes: (P, n_params) float64.
        seeds: (K,) ints, the ``reset(seed=...)`` seeds of the K episodes.
        max_steps: episode length cap (CartPole-v1: 500).

    Returns:
        ``(returns, env_steps)``: (P, K) float64 returns (reward 1 per step) and the total steps simulated.

    Raises:
        ValueError: if the spec does not have 4 inputs and 2 outputs, or on a genome shape mismatch.
    """
    if spec.n_inputs != 4 or spec.n_outputs != 2:
        raise ValueError(f"CartPole-v1 needs a 4-input, 2-output network, got {spec.sizes}")
    g = spec.check_genomes(genomes)
    starts = start_states(seeds)
    returns = np.empty((g.shape[0], starts.shape[0]), dtype=np.float64)
    steps = _population_returns(g, *spec.kernel_args, starts, int(max_steps), returns)
    return returns, int(steps)


def population_fitness(spec: NetworkSpec, genomes: np.ndarray, seeds, max_steps: int = MAX_EPISODE_STEPS):
    """Fitness = mean return over the episodes of ``seeds``: ``((P,) float64, env_steps)``."""
    returns, steps = population_returns(spec, genomes, seeds, max_steps)
    return returns.mean(axis=1), steps
