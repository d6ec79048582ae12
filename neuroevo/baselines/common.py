"""What the reinforcement-learning baselines share: the env and its network, greedy evaluation, the clock,
the learning curve and the result.

Evaluation is the GA's: the deterministic (greedy) policy of the genome, scored like a genome of the GA
(a built-in population kernel when the env has one, else ``EnvTask``'s episode loop; both give the same
returns). Evaluation episodes are not counted as training env steps and their time is not counted as
training seconds (the clock is paused), as Stable-Baselines3's ``EvalCallback`` runs on a separate env.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from neuroevo.agent import Agent
from neuroevo.config import setting
from neuroevo.errors import ConfigError, TaskError
from neuroevo.evaluation.env_task import make_env
from neuroevo.evaluation.factory import spec_for_env, task_for_env  # noqa: F401  (the baselines' API)
from neuroevo.evaluation.registry import resolve_env_id
from neuroevo.evaluation.tasks import Task
from neuroevo.ga import TRAIN_SEED_BOUND
from neuroevo.network import NetworkSpec
from neuroevo.policy import n_inputs, n_outputs

#: Columns of the learning curve of an RL baseline (``TrainResult.curve``).
RL_COLUMNS = ("env_steps", "seconds", "eval_return", "train_return")


def check_spec(spec: NetworkSpec, env: gym.Env) -> None:
    """Raise TaskError if ``spec``'s input or output count does not fit the env's spaces."""
    want = (n_inputs(env.observation_space), n_outputs(env.action_space))
    if (spec.n_inputs, spec.n_outputs) != want:
        raise TaskError(f"network {list(spec.sizes)} does not fit {env.spec.id if env.spec else env}: "
                        f"it needs {want[0]} inputs and {want[1]} outputs")


def reward_threshold(env: gym.Env) -> float | None:
    """The env's registered ``reward_threshold`` (None if it has none)."""
    return None if env.spec is None or env.spec.reward_threshold is None else float(env.spec.reward_threshold)


def seed_streams(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent generators of the run ``seed`` (no global state)."""
    if seed < 0:
        raise ConfigError(f"seed must be >= 0, got {seed}")
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def draw_seeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n,) int64 episode seeds in [0, 2**31): disjoint from ``neuroevo evaluate``'s seeds."""
    return rng.integers(0, TRAIN_SEED_BOUND, n)


class Clock:
    """Wall seconds of training, paused while evaluating (``with clock.paused(): ...``)."""

    def __init__(self) -> None:
        self._start, self._paused_for = time.perf_counter(), 0.0

    def seconds(self) -> float:
        return time.perf_counter() - self._start - self._paused_for

    class _Pause:
        def __init__(self, clock: Clock):
            self.clock = clock

        def __enter__(self) -> None:
            self.t0 = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            self.clock._paused_for += time.perf_counter() - self.t0

    def paused(self) -> Clock._Pause:
        return Clock._Pause(self)


@dataclass(frozen=True)
class TrainRecord:
    """One row of a learning curve, given to the ``callback`` of a ``train`` function.

    Attributes:
        method: "backprop", "reinforce", "dqn" or "random-search".
        values: the row by column name (RL: env_steps, seconds, eval_return, train_return).
        total: the budget in the unit of the first column (env steps or epochs).
    """

    method: str
    values: dict
    total: int


@dataclass
class TrainResult:
    """The outcome of a baseline's ``train``.

    Attributes:
        method: "backprop", "reinforce", "dqn" or "random-search".
        spec: the network spec; ``genome`` (n_params,) float64 its weights: the best evaluated policy (None
            if no policy was evaluated: random search whose first batch did not fit the budget).
        env_id, env_kwargs: the env trained on (None for a supervised task).
        curve: (rows, len(columns)) float64 learning curve; ``columns`` names its columns.
        env_steps: training env steps (or examples seen, supervised); ``seconds``: training wall seconds.
        threshold: the env's reward threshold (or the task's target); None if it has none.
        steps_to_threshold, seconds_to_threshold: when an evaluation first reached ``threshold`` (None if never).
        best_eval: the best evaluation value (mean return, or the supervised metric).
        meta: anything else worth saving in ``best.json`` (seed, config, log-std...).
    """

    method: str
    spec: NetworkSpec
    genome: np.ndarray | None
    env_id: str | None
    env_kwargs: dict
    columns: tuple[str, ...]
    curve: np.ndarray
    env_steps: int
    seconds: float
    threshold: float | None
    steps_to_threshold: int | None
    seconds_to_threshold: float | None
    best_eval: float
    meta: dict = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.steps_to_threshold is not None

    def agent(self) -> Agent:
        """The trained network as a saved-agent object (``.save(folder / "best.npz")``); ValueError if no
        policy was evaluated (``genome`` None)."""
        if self.genome is None:
            raise ValueError(f"{self.method} evaluated no policy: there is no agent to save")
        meta = {"method": self.method, "fitness": self.best_eval, "env_steps": self.env_steps,
                "seconds": round(self.seconds, 3), **self.meta}
        return Agent(self.spec, self.genome, self.env_id, self.env_kwargs, meta)

    def save_curve(self, path: str | Path) -> Path:
        """Write the learning curve as CSV (header ``columns``), atomically."""
        from neuroevo.agent import atomic_write

        lines = [",".join(self.columns)] + [",".join(f"{v:.10g}" for v in row) for row in self.curve]
        atomic_write(Path(path), lambda f: f.write(("\n".join(lines) + "\n").encode()))
        return Path(path)


class Curve:
    """Collects learning-curve rows, tracks the best evaluated genome and when the threshold was reached.

    Args:
        method: the method's name; ``columns``: column names; ``threshold``: value of ``metric`` to reach
            (None: none); ``step_column``: the column counting the budget (default: the first).
        total: the budget in ``step_column``'s unit: a threshold reached beyond it does not count;
            ``callback``: ``fn(TrainRecord) -> False to stop`` or None.
    """

    def __init__(self, method: str, columns: Iterable[str], threshold: float | None, total: int,
                 callback: Callable[[TrainRecord], object] | None = None, metric: str = "eval_return",
                 step_column: str | None = None):
        self.method, self.columns, self.threshold, self.total = method, tuple(columns), threshold, int(total)
        self.callback, self.metric = callback, metric
        self.step_column = step_column or self.columns[0]
        self.rows: list[list[float]] = []
        self.best_value = -np.inf
        self.best_genome: np.ndarray | None = None
        self.reached: tuple[int, float] | None = None

    def add(self, genome: np.ndarray | None, **values: float | np.floating) -> bool:
        """Record a row (every column by name); returns False if the callback asked to stop."""
        self.rows.append([float(values[c]) for c in self.columns])
        value = values[self.metric]
        if genome is not None and value > self.best_value:
            self.best_value, self.best_genome = float(value), genome.copy()
        within_budget = values[self.step_column] <= self.total  # a last batch or generation may overshoot
        if self.reached is None and self.threshold is not None and value >= self.threshold and within_budget:
            self.reached = (int(values[self.step_column]), float(values["seconds"]))
        if self.callback is not None:
            return self.callback(TrainRecord(self.method, dict(values), self.total)) is not False
        return True

    def result(self, spec: NetworkSpec, env_id: str | None, env_kwargs: dict | None, steps: int, seconds: float,
               meta: dict) -> TrainResult:
        curve = np.array(self.rows, dtype=np.float64).reshape(-1, len(self.columns))
        reached = self.reached or (None, None)
        return TrainResult(self.method, spec, self.best_genome, env_id, dict(env_kwargs or {}), self.columns,
                           curve, int(steps), float(seconds), self.threshold, reached[0], reached[1],
                           float(self.best_value), meta)


class Evaluator:
    """Greedy evaluation of genomes on fixed validation episodes of the training env, by their return.

    Args:
        env_id, env_kwargs: the env; ``spec``: the network.
        episodes: episodes per evaluation; ``rng``: draws their seeds once (in [0, 2**31)).
    """

    def __init__(self, env_id: str, spec: NetworkSpec, env_kwargs: dict | None, episodes: int,
                 rng: np.random.Generator):
        from neuroevo.evaluation.env_task import EnvTask
        from neuroevo.evaluation.registry import KERNELS, RETURN_KERNELS

        if episodes < 1:
            raise ConfigError(f"eval_episodes must be at least 1, got {episodes}")
        env_id = resolve_env_id(env_id)
        self.task: Task
        if env_id in KERNELS and env_id not in RETURN_KERNELS:  # its kernel scores a fitness, not the return
            self.task = EnvTask(env_id, spec, env_kwargs, returns_only=True)
        else:
            self.task = task_for_env(env_id, spec, env_kwargs)
        self.seeds = draw_seeds(rng, episodes)

    def __call__(self, genome: np.ndarray) -> float:
        """Mean return of ``genome`` ((n_params,) float64) over the validation episodes: the env's return (the
        unit of its ``reward_threshold``), never a game's own fitness."""
        fitness, _ = self.task.evaluate(genome[None, :], self.seeds)
        return float(fitness[0])


def open_env_and_spec(env_id: str, env_kwargs: dict | None, spec: NetworkSpec | None,
                      config: Any) -> tuple[gym.Env, str, NetworkSpec]:
    """``(env, full id, spec)``: the training env and its network (``spec``, or one built from the config's
    ``hidden`` and ``activation``). Raises TaskError if the env is unknown or the network does not fit it."""
    env, env_id = open_env(env_id, env_kwargs)
    spec = spec or spec_for_env(env, config.hidden, config.activation)
    check_spec(spec, env)
    return env, env_id, spec


def open_env(env_id: str, env_kwargs: dict | None) -> tuple[gym.Env, str]:
    """``(env, full id)``: the training env, made with the built-in games registered (TaskError if unknown)."""
    env_id = resolve_env_id(env_id)
    return make_env(env_id, env_kwargs), env_id


def positive(config: object, *names: str) -> None:
    """Raise ConfigError naming the first field of ``config`` that is not > 0."""
    for name in names:
        v = getattr(config, name)
        if not v > 0:
            raise ConfigError(f"{name} must be > 0, got {v}")




option = setting  # a config dataclass field with its one-line help (neuroevo.config.setting)
