"""Evaluation of a saved agent on the real environment, on seeds never used in training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroevo.agent import Agent
from neuroevo.errors import ConfigError, TaskError
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.ga import TRAIN_SEED_BOUND


def evaluation_seeds(episodes: int, seed: int = 0) -> np.ndarray:
    """(episodes,) int64 seeds in [2**31, 2**32): disjoint from every training seed (which are < 2**31)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xE7A1,)))
    return rng.integers(TRAIN_SEED_BOUND, 2 * TRAIN_SEED_BOUND, episodes)


@dataclass
class Evaluation:
    """Returns of an agent over evaluation episodes.

    Attributes:
        env_id: the environment. returns: (episodes,) float64 episode returns.
        steps: (episodes,) int64 episode lengths.
        scores: (episodes,) float64 the game's own score (Flappy Bird: pipes; the car: laps) or None.
        score_name: its unit ("pipes", "laps"; "" without scores).
    """

    env_id: str
    returns: np.ndarray
    steps: np.ndarray
    scores: np.ndarray | None = None
    score_name: str = ""

    def summary(self) -> str:
        r = self.returns
        text = (f"{self.env_id}: {len(r)} episodes  mean return {r.mean():.2f}  std {r.std():.2f}  "
                f"min {r.min():.2f}  max {r.max():.2f}  mean length {self.steps.mean():.1f} steps")
        if self.scores is not None:
            s = self.scores
            text += f"  mean {self.score_name} {s.mean():.2f} (min {s.min():g}, max {s.max():g})"
        return text

    def to_dict(self) -> dict:
        """The statistics as plain numbers (``evaluate --json``)."""
        r = self.returns
        out = {"env_id": self.env_id, "episodes": int(len(r)), "mean_return": float(r.mean()),
               "std_return": float(r.std()), "min_return": float(r.min()), "max_return": float(r.max()),
               "mean_length": float(self.steps.mean())}
        if self.scores is not None:
            out.update({f"mean_{self.score_name}": float(self.scores.mean()),
                        f"min_{self.score_name}": float(self.scores.min()),
                        f"max_{self.score_name}": float(self.scores.max())})
        return out


def check_fits(agent: Agent) -> None:
    """Refuse an agent whose network does not fit its env's spaces (inputs = observation size, outputs =
    actions), which would read past the observation or be evaluated silently wrong.

    Raises:
        CheckpointError: naming both sizes. TaskError: the env cannot be made.
    """
    from neuroevo.errors import CheckpointError
    from neuroevo.policy import n_inputs, n_outputs

    env = agent.env()  # TaskError for an agent without env id
    try:
        want = (n_inputs(env.observation_space), n_outputs(env.action_space))
    finally:
        env.close()
    have = (agent.spec.sizes[0], agent.spec.sizes[-1])
    if have != want:
        raise CheckpointError(f"the saved network {'-'.join(map(str, agent.spec.sizes))} does not fit "
                              f"{agent.env_id}: it needs {want[0]} inputs and {want[1]} outputs")


def evaluate_agent(agent: Agent, episodes: int = 100, seed: int = 0) -> Evaluation:
    """Play ``episodes`` episodes of the agent's env with its deterministic policy.

    Args:
        agent: a saved agent with an env id. episodes: number of episodes (>= 1).
        seed: picks the episodes' reset seeds among those never used in training (:func:`evaluation_seeds`).

    Returns:
        An :class:`Evaluation`: returns (the env's, the unit of its reward threshold), lengths, and for a
        built-in game its own score (``registry.SCORES``: pipes, laps).

    Raises:
        TaskError: if the agent was not trained on an environment (a user fitness or a supervised task), or
            its env cannot be made.
        ConfigError: ``episodes`` outside [1, :data:`neuroevo.config.MAX_EPISODES`].
    """
    from neuroevo.config import MAX_EPISODES
    from neuroevo.evaluation.registry import SCORES, resolve_env_id

    if not 1 <= episodes <= MAX_EPISODES:
        raise ConfigError(f"--episodes must be in [1, {MAX_EPISODES:,}], got {episodes}")

    if not agent.env_id:
        raise TaskError("this agent was trained on a user fitness function or a supervised task, not an "
                        "environment: there is nothing to evaluate it on")
    check_fits(agent)
    task = EnvTask(agent.env_id, agent.spec, agent.env_kwargs)
    runs = [task.episode(agent.genome, s) for s in evaluation_seeds(episodes, seed)]
    key, unit = SCORES.get(resolve_env_id(agent.env_id), (None, ""))
    scores = np.array([info[key] for _, _, info in runs], dtype=float) if key else None
    return Evaluation(agent.env_id, np.array([r for r, _, _ in runs]), np.array([n for _, n, _ in runs]),
                      scores, unit)
