"""Deep Q-learning (DQN) on the project's flat genome: the Q-network IS a genome of a ``NetworkSpec``.

Algorithm: Mnih et al. (2015) "Human-level control through deep reinforcement learning": a replay buffer,
a target network (hard copies every ``target_update`` env steps, or Polyak averaging with ``tau < 1``),
an epsilon-greedy policy whose epsilon decays linearly, the Huber loss on the TD error, and Adam. With
``double_dqn`` the target uses the online network's argmax (van Hasselt et al. 2016, "Deep Reinforcement
Learning with Double Q-learning"). Layout of the loop after CleanRL's ``dqn.py``; the default
hyper-parameters are RL Baselines3 Zoo's tuned CartPole-v1 values for Stable-Baselines3's DQN.

The outputs of the network are the Q-values, one per Discrete action; the greedy action is the first argmax,
the project's Discrete policy, so the saved genome plays exactly like an evolved one. Terminal transitions
(``terminated``) do not bootstrap; time-limit truncations do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import SupportsFloat

import numpy as np

from neuroevo.baselines.autodiff import Adam, backward, forward
from neuroevo.baselines.common import (RL_COLUMNS, Clock, Curve, Evaluator, TrainRecord, TrainResult, spec_for_env, check_spec,
                                       draw_seeds, open_env, option, positive, reward_threshold, seed_streams)
from neuroevo.errors import ConfigError, TaskError
from neuroevo.network import NetworkSpec, forward_into
from neuroevo.policy import is_discrete, observation_to_input


@dataclass
class DQNConfig:
    """DQN hyper-parameters (defaults: RL Baselines3 Zoo, CartPole-v1)."""

    total_steps: int = option(50_000, "env steps of training (the budget)")
    hidden: list = option([64, 64], "hidden layer sizes (when no spec is given)")
    activation: str = option("relu", "hidden activation (when no spec is given)")
    learning_rate: float = option(2.3e-3, "Adam step size")
    buffer_size: int = option(100_000, "transitions kept in the replay buffer")
    learning_starts: int = option(1_000, "env steps of random play before the first gradient step")
    batch_size: int = option(64, "transitions per gradient step")
    gamma: float = option(0.99, "discount factor")
    train_frequency: int = option(256, "env steps between training phases")
    gradient_steps: int = option(128, "gradient steps per training phase")
    target_update: int = option(10, "env steps between target-network updates (as SB3 and CleanRL count)")
    tau: float = option(1.0, "target update weight: 1 = hard copy, < 1 = soft (Polyak) update")
    start_epsilon: float = option(1.0, "epsilon of the epsilon-greedy policy at the start")
    final_epsilon: float = option(0.04, "epsilon after the decay")
    exploration_steps: int = option(8_000, "env steps over which epsilon decays linearly (Zoo: 0.16 x 50,000)")
    huber_delta: float = option(1.0, "Huber loss: quadratic within delta, linear beyond")
    max_grad_norm: float = option(10.0, "gradient L2 norm clip (0: none)")
    double_dqn: bool = option(True, "Double DQN target (van Hasselt et al. 2016); False: the 2015 target")
    eval_every: int = option(1_000, "env steps between greedy evaluations (learning-curve rows)")
    eval_episodes: int = option(10, "episodes per evaluation")
    stop_at_threshold: bool = option(True, "stop once an evaluation reaches the env's reward threshold")

    def validate(self) -> "DQNConfig":
        positive(self, "total_steps", "learning_rate", "buffer_size", "batch_size", "train_frequency",
                 "gradient_steps", "target_update", "eval_every", "eval_episodes")
        for name in ("gamma", "tau", "start_epsilon", "final_epsilon"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.tau == 0.0:
            raise ConfigError("tau must be > 0 (1 for hard target updates)")
        for name in ("learning_starts", "exploration_steps"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        return self


class ReplayBuffer:
    """Circular buffer of transitions (obs, action, reward, next_obs, terminated), sampled uniformly.

    Args:
        capacity: transitions kept (the oldest is overwritten); ``n_inputs``: observation length.
    """

    def __init__(self, capacity: int, n_inputs: int):
        self.obs = np.zeros((capacity, n_inputs))
        self.next_obs = np.zeros((capacity, n_inputs))
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity)
        self.terminated = np.zeros(capacity)
        self.capacity, self.size, self.pos = capacity, 0, 0

    def add(self, obs: np.ndarray, action: int, reward: SupportsFloat, next_obs: np.ndarray, terminated: float) -> None:
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, terminated
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
        """``(obs (n, d), actions (n,), rewards (n,), next_obs (n, d), terminated (n,))``, uniform with replacement."""
        i = rng.integers(0, self.size, n)
        return self.obs[i], self.actions[i], self.rewards[i], self.next_obs[i], self.terminated[i]


def epsilon_at(step: int, config: DQNConfig) -> float:
    """Epsilon after ``step`` env steps: linear from start to final over ``exploration_steps``, then final.

    The schedule does not depend on the budget, so a longer run explores exactly as a shorter one.
    """
    span = config.exploration_steps
    frac = 1.0 if span <= 0 else min(step / span, 1.0)
    return config.start_epsilon + frac * (config.final_epsilon - config.start_epsilon)


def td_gradient(spec: NetworkSpec, online: np.ndarray, target: np.ndarray, batch: tuple[np.ndarray, ...],
                config: DQNConfig) -> tuple[float, np.ndarray]:
    """Huber-loss TD step: ``(loss, dloss/d(online genome) (n_params,))`` on a batch of transitions.

    The TD target is ``r + gamma (1 - terminated) Q_target(s', a')`` with ``a' = argmax Q_target(s')``, or
    ``argmax Q_online(s')`` for Double DQN; the loss is the mean Huber loss of ``Q_online(s, a) - target``.
    """
    obs, actions, rewards, next_obs, terminated = batch
    rows = np.arange(len(actions))
    q_next = forward(spec, target, next_obs)[-1]
    if config.double_dqn:
        best = np.argmax(forward(spec, online, next_obs)[-1], axis=1)
    else:
        best = np.argmax(q_next, axis=1)
    y = rewards + config.gamma * (1.0 - terminated) * q_next[rows, best]
    acts = forward(spec, online, obs)
    td = acts[-1][rows, actions] - y
    d = config.huber_delta
    loss = float(np.mean(np.where(np.abs(td) <= d, 0.5 * td * td, d * (np.abs(td) - 0.5 * d))))
    grad_out = np.zeros_like(acts[-1])
    grad_out[rows, actions] = np.clip(td, -d, d) / len(actions)
    return loss, backward(spec, online, acts, grad_out)


def train(env_id: str = "CartPole-v1", config: DQNConfig | None = None, seed: int = 0,
          spec: NetworkSpec | None = None, env_kwargs: dict | None = None,
          callback: Callable[[TrainRecord], object] | None = None) -> TrainResult:
    """Train a Q-network with DQN on a Gymnasium env with Discrete actions.

    Args:
        env_id: a Gymnasium id or alias (built-in games: pass their Discrete variant's ``env_kwargs``).
        config: hyper-parameters (default :class:`DQNConfig`).
        seed: run seed (>= 0): one seed gives one result; no global random state is used.
        spec: the network (n_inputs(obs) -> ... -> n_actions); default built from ``config.hidden``.
        env_kwargs: keyword arguments of ``gymnasium.make``.
        callback: ``fn(TrainRecord)`` called at each evaluation; returning False stops training.

    Returns:
        A :class:`TrainResult` whose genome is the best-evaluated Q-network and whose curve has the columns
        ``env_steps, seconds, eval_return, train_return`` (eval: greedy policy; train: mean of the last 10
        training episodes).

    Raises:
        TaskError: unknown env, or an action space that is not Discrete, or a spec that does not fit.
        ConfigError: on an invalid config.
    """
    cfg = (config or DQNConfig()).validate()
    env, env_id = open_env(env_id, env_kwargs)
    action_space = env.action_space
    if not is_discrete(action_space):
        raise TaskError(f"DQN needs Discrete actions, {env_id} has {env.action_space} (use a Discrete variant)")
    spec = spec or spec_for_env(env, cfg.hidden, cfg.activation)
    check_spec(spec, env)
    rng_init, rng_env, rng_act, rng_eval = seed_streams(seed, 4)
    evaluator = Evaluator(env_id, spec, env_kwargs, cfg.eval_episodes, rng_eval)
    to_input = observation_to_input(env.observation_space)
    n_actions, start = int(action_space.n), int(action_space.start)

    online = spec.init_genomes(rng_init, 1)[0]
    target = online.copy()
    optimizer = Adam(spec.n_params, lr=cfg.learning_rate, max_grad_norm=cfg.max_grad_norm)
    buffer = ReplayBuffer(cfg.buffer_size, spec.n_inputs)
    sizes, codes = spec.kernel_args
    buf = np.empty((2, max(spec.sizes)))
    curve = Curve("dqn", RL_COLUMNS, reward_threshold(env), cfg.total_steps, callback)
    forward_into(np.zeros(spec.n_params), sizes, codes, np.zeros(spec.n_inputs), buf)  # compile before the clock
    clock, episode_return, updates = Clock(), 0.0, 0
    recent: list[float] = []

    obs = to_input(env.reset(seed=int(draw_seeds(rng_env, 1)[0]))[0])
    for step in range(1, cfg.total_steps + 1):
        if rng_act.random() < epsilon_at(step, cfg):
            action = int(rng_act.integers(n_actions))
        else:
            action = int(np.argmax(forward_into(online, sizes, codes, obs, buf)))
        next_raw, reward, terminated, truncated, _ = env.step(start + action)
        next_obs = to_input(next_raw)
        buffer.add(obs, action, reward, next_obs, float(terminated))
        episode_return += float(reward)
        obs = next_obs
        if terminated or truncated:
            recent = (recent + [episode_return])[-10:]
            episode_return = 0.0
            obs = to_input(env.reset()[0])

        if step > cfg.learning_starts and step % cfg.train_frequency == 0:
            for _ in range(cfg.gradient_steps):
                _, grad = td_gradient(spec, online, target, buffer.sample(rng_act, cfg.batch_size), cfg)
                optimizer.step(online, grad)
                updates += 1
        if step % cfg.target_update == 0:
            target += cfg.tau * (online - target)

        if step % cfg.eval_every == 0 or step == cfg.total_steps:
            seconds = clock.seconds()
            with clock.paused():
                score = evaluator(online)
            go_on = curve.add(online, env_steps=step, seconds=seconds, eval_return=score,
                              train_return=np.mean(recent) if recent else np.nan)
            if not go_on or (cfg.stop_at_threshold and curve.reached):
                break
    env.close()
    return curve.result(spec, env_id, env_kwargs, step, clock.seconds(),
                        {"seed": seed, "config": asdict(cfg), "gradient_steps": updates})
