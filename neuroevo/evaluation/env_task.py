"""Fitness on any Gymnasium environment: mean return over K episodes, in a Python loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np

from neuroevo.errors import TaskError
from neuroevo.evaluation.registry import resolve_env_id
from neuroevo.evaluation.tasks import Task
from neuroevo.networks import NetworkSpec, policy_reset, policy_step
from neuroevo.policy import observation_to_input, output_to_action

if TYPE_CHECKING:
    from neuroevo.strategies.base import Genomes, NetworkFacade


def make_env(env: str, env_kwargs: dict | None = None, **make_kwargs: Any) -> gym.Env:
    """``gymnasium.make(id, **env_kwargs, **make_kwargs)`` with the built-in games registered.

    Raises:
        TaskError: (one line) unknown id or alias, a missing optional package, bad keyword arguments.
    """
    import games  # noqa: F401  (registers the built-in games)

    env_id = resolve_env_id(env)
    if "track" in (env_kwargs or {}) and env_id != "neuroevo/CarTrack-v0":
        raise TaskError(f"--track is an option of the car (--env car); {env_id} has no track")
    try:
        return gym.make(env_id, **(env_kwargs or {}), **make_kwargs)
    except gym.error.DependencyNotInstalled as e:
        raise TaskError(f"environment {env!r} needs a missing package: {e}") from None
    except gym.error.Error as e:
        raise TaskError(f"unknown environment {env!r} ({e}); `neuroevo envs` lists the known ones") from None
    except ImportError as e:
        raise TaskError(f"environment {env!r} needs a missing package: {e}") from None
    except TypeError as e:
        import re

        bad = re.search(r"unexpected keyword argument '(\w+)'", str(e))
        if bad:
            raise TaskError(f"{env_id} takes no keyword argument {bad.group(1)!r} (--env-arg "
                            f"{bad.group(1)}=...)") from None
        raise TaskError(f"bad keyword arguments for {env_id}: {str(e).splitlines()[0]}") from None


def run_episode(env: gym.Env, genome: np.ndarray, spec: NetworkSpec, seed: int, to_input: Callable[[Any], np.ndarray],
                to_action: Callable[[np.ndarray], Any], buf: np.ndarray) -> tuple[float, int, dict]:
    """Play one episode of ``env`` from ``reset(seed=seed)`` with the network's deterministic policy.

    Args:
        env: a Gymnasium env. genome: (n_params,) float64. spec: its network spec. seed: the reset seed.
        to_input, to_action: from ``neuroevo.policy`` for the env's spaces. buf: (2, max(spec.sizes)) scratch
            in the spec's dtype.

    The network steps through the policy seam (``policy_step``), in the spec's precision (a float32 spec
    rounds the genome to float32 first, as the kernels do); a recurrent network's memory starts at zero at
    the reset and is carried from step to step.

    Returns:
        ``(return, steps, info)``: the undiscounted sum of rewards, the episode length, the last step's info.
    """
    ints = spec.program_ints[0]
    genome = np.asarray(genome).astype(spec.dtype, copy=False)
    memory = np.empty(spec.n_state, dtype=spec.dtype)
    policy_reset(ints, memory)
    obs, _ = env.reset(seed=int(seed))
    total, steps, done = 0.0, 0, False
    info: dict[str, Any] = {}
    wide = genome.dtype != np.float64
    while not done:
        y = policy_step(ints, genome, memory, to_input(obs), buf)
        if wide:  # a float32 network's outputs, widened exactly: actions computed in float64, as the kernels do
            y = y.astype(np.float64)
        obs, reward, terminated, truncated, info = env.step(to_action(y))
        total += float(reward)
        steps += 1
        done = terminated or truncated
    return total, steps, info


def run_network_episode(env: gym.Env, network: Callable[[np.ndarray], np.ndarray], seed: int,
                        to_input: Callable[[Any], np.ndarray],
                        to_action: Callable[[np.ndarray], Any]) -> tuple[float, int, dict]:
    """:func:`run_episode` with a callable network (``(n_in,) -> (n_out,)``, ``reset()`` if it has memory)."""
    if hasattr(network, "reset"):
        network.reset()
    obs, _ = env.reset(seed=int(seed))
    total, steps, done = 0.0, 0, False
    info: dict[str, Any] = {}
    while not done:
        obs, reward, terminated, truncated, info = env.step(to_action(network(to_input(obs))))
        total += float(reward)
        steps += 1
        done = terminated or truncated
    return total, steps, info


class EnvTask(Task):
    """Mean episode fitness of each genome on a Gymnasium env (one env per process, made lazily).

    An episode's fitness is its return, unless the env reports its own in the last step's
    ``info["fitness"]`` (the built-in games do, so the env loop and their kernels agree).

    Args:
        env_id: a registered Gymnasium id.
        spec: network spec matching the env's observation and action spaces (see ``neuroevo.policy``).
        env_kwargs: keyword arguments of ``gymnasium.make``.
        returns_only: score the env's return even where the env reports its own fitness (what the gradient
            baselines are judged on: the return, the unit of the env's ``reward_threshold``).

    Episode k of every genome starts from ``reset(seed=seeds[k])``, so fitness is reproducible.
    """

    env_id: str

    def __init__(self, env_id: str, spec: NetworkSpec, env_kwargs: dict | None = None, returns_only: bool = False):
        self.env_id, self.spec, self.returns_only = env_id, spec, bool(returns_only)
        self.env_kwargs = dict(env_kwargs or {})
        self._env: gym.Env | None = None

    def episode(self, genome: Genomes, seed: int) -> tuple[float, int, dict]:
        """Play one episode with ``genome``: ``(return, steps, last info)``."""
        env = self._make()
        if not isinstance(genome, np.ndarray):  # a GenomeBatch of one (NEAT)
            return run_network_episode(env, genome.network(0), seed, self._to_input, self._to_action)
        return run_episode(env, genome, self.spec, seed, self._to_input, self._to_action, self._buf)

    def _make(self) -> gym.Env:
        if self._env is None:
            env = self._env = make_env(self.env_id, self.env_kwargs)
            self._to_input = observation_to_input(env.observation_space)
            self._to_action = output_to_action(env.action_space)
            self._buf = np.empty((2, max(self.spec.sizes)), dtype=self.spec.dtype)
        return self._env

    def evaluate(self, genomes: Genomes, seeds: np.ndarray) -> tuple[np.ndarray, int]:
        env = self._make()
        fitness = np.empty(len(genomes))
        steps = 0
        for i in range(len(genomes)):
            total = 0.0
            for s in seeds:
                if isinstance(genomes, np.ndarray):  # else a GenomeBatch (NEAT): its own network facade
                    r, n, info = run_episode(env, genomes[i], self.spec, s, self._to_input, self._to_action,
                                             self._buf)
                else:
                    r, n, info = run_network_episode(env, genomes.network(i), s, self._to_input, self._to_action)
                total += float(r if self.returns_only else info.get("fitness", r))
                steps += n
            fitness[i] = total / len(seeds)
        return fitness, steps

    def warmup(self) -> None:
        env = self._make()
        obs, _ = env.reset(seed=0)
        policy_step(self.spec.program_ints[0], np.zeros(self.spec.n_params, dtype=self.spec.dtype),
                    np.zeros(self.spec.n_state, dtype=self.spec.dtype), self._to_input(obs), self._buf)

    def __getstate__(self):  # the env is rebuilt in each process
        return {**self.__dict__, "_env": None}
