"""REINFORCE (Monte-Carlo policy gradient) on the project's flat genome.

Algorithm: Williams (1992) "Simple statistical gradient-following algorithms for connectionist
reinforcement learning"; with a learned state-value baseline as in Sutton & Barto (2018), section 13.4.
After every ``episodes_per_update`` episodes, the discounted returns-to-go ``G_t`` of each episode are
normalised per episode (zero mean, unit std), the optional baseline ``V(s_t)`` (a second network, same
hidden layers, trained by MSE on the normalised returns) is subtracted, and the policy takes one Adam step
on ``-mean_t (G_t - V(s_t)) log pi(a_t | s_t)``.

Policies on the network's outputs (so the saved genome is the project's deterministic policy):
- Discrete(n): softmax over the n outputs (logits); greedy action = first argmax.
- Box: Gaussian with mean = the network's output (tanh by default, in [-1, 1]) and a log-std per action
  dimension kept OUTSIDE the genome (learned or fixed); the sample is clipped to [-1, 1] and scaled to
  ``[low, high]`` as ``neuroevo.policy`` does; greedy action = the mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from neuroevo.baselines.autodiff import Adam, backward, forward
from neuroevo.baselines.common import (RL_COLUMNS, Clock, Curve, Evaluator, TrainRecord, TrainResult,
                                       draw_seeds, open_env_and_spec, option, positive, reward_threshold,
                                       seed_streams)
from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec, forward_into
from neuroevo.policy import is_discrete, observation_to_input, output_to_action


@dataclass
class ReinforceConfig:
    """REINFORCE hyper-parameters (defaults tuned on CartPole-v1)."""

    total_steps: int = option(200_000, "env steps of training (the budget)")
    hidden: list = option([32], "hidden layer sizes (when no spec is given)")
    activation: str = option("tanh", "hidden activation (when no spec is given)")
    learning_rate: float = option(3e-3, "Adam step size of the policy")
    gamma: float = option(0.99, "discount factor")
    episodes_per_update: int = option(1, "episodes per gradient step")
    baseline: str = option("none", "'none' or 'value': a learned state-value baseline")
    value_learning_rate: float = option(1e-2, "Adam step size of the value network (baseline = 'value')")
    log_std_init: float = option(-0.5, "Box actions: initial log standard deviation of the Gaussian")
    learn_log_std: bool = option(True, "Box actions: learn the log-std (else it stays at log_std_init)")
    max_grad_norm: float = option(0.0, "gradient L2 norm clip (0: none)")
    eval_every: int = option(2_000, "env steps between greedy evaluations (checked at episode ends)")
    eval_episodes: int = option(10, "episodes per evaluation")
    stop_at_threshold: bool = option(True, "stop once an evaluation reaches the env's reward threshold")

    def validate(self) -> "ReinforceConfig":
        positive(self, "total_steps", "learning_rate", "episodes_per_update", "value_learning_rate",
                 "eval_every", "eval_episodes")
        if not 0.0 <= self.gamma <= 1.0:
            raise ConfigError(f"gamma must be in [0, 1], got {self.gamma}")
        if self.baseline not in ("none", "value"):
            raise ConfigError(f"baseline must be 'none' or 'value', got {self.baseline!r}")
        return self


def discounted_returns(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """(T,) float64 returns-to-go ``G_t = sum_k gamma^k r_{t+k}`` of one episode's (T,) rewards."""
    out = np.empty(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = rewards[t] + gamma * g
        out[t] = g
    return out


def normalise(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` (std floored at 1e-8)."""
    return (x - x.mean()) / max(float(x.std()), 1e-8)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (B, n) logits."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def policy_gradient(spec: NetworkSpec, genome: np.ndarray, obs: np.ndarray, actions: np.ndarray,
                    advantages: np.ndarray, discrete: bool,
                    log_std: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of ``-mean_t A_t log pi(a_t | s_t)``: ``(d/d genome (n_params,), d/d log_std or None)``.

    Args:
        obs: (T, n_in) inputs; ``actions``: (T,) int action indices (Discrete) or (T, n_out) raw Gaussian
            samples before clipping (Box); ``advantages``: (T,) float64; ``log_std``: (n_out,) for Box.
    """
    acts = forward(spec, genome, obs)
    out, n = acts[-1], len(advantages)
    if discrete:
        grad_out = softmax(out)
        grad_out[np.arange(n), actions] -= 1.0  # d(-log softmax_a)/dz = p - onehot(a)
        grad_out *= advantages[:, None] / n
        return backward(spec, genome, acts, grad_out), None
    assert log_std is not None  # Box actions come with their log-std
    var = np.exp(2.0 * log_std)
    diff = actions - out
    grad_out = -advantages[:, None] * diff / var / n
    grad_log_std = -np.sum(advantages[:, None] * (diff * diff / var - 1.0), axis=0) / n
    return backward(spec, genome, acts, grad_out), grad_log_std


def value_gradient(spec: NetworkSpec, genome: np.ndarray, obs: np.ndarray,
                   targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(V(obs) (T,), d/d genome of mean_t (V(s_t) - target_t)^2 / 2)`` for the baseline network."""
    acts = forward(spec, genome, obs)
    v = acts[-1][:, 0]
    return v, backward(spec, genome, acts, ((v - targets) / len(targets))[:, None])


def train(env_id: str = "CartPole-v1", config: ReinforceConfig | None = None, seed: int = 0,
          spec: NetworkSpec | None = None, env_kwargs: dict | None = None,
          callback: Callable[[TrainRecord], object] | None = None) -> TrainResult:
    """Train a policy network with REINFORCE on a Gymnasium env (Discrete or bounded Box actions).

    Args:
        env_id: a Gymnasium id or alias.
        config: hyper-parameters (default :class:`ReinforceConfig`).
        seed: run seed (>= 0): one seed gives one result; no global random state is used.
        spec: the policy network; default built from ``config.hidden`` (linear outputs for Discrete, tanh
            for Box).
        env_kwargs: keyword arguments of ``gymnasium.make``.
        callback: ``fn(TrainRecord)`` called at each evaluation; returning False stops training.

    Returns:
        A :class:`TrainResult` (genome: the best-evaluated policy; curve columns ``env_steps, seconds,
        eval_return, train_return``); ``meta["log_std"]`` holds the final log-std for Box actions.

    Raises:
        TaskError: unknown env, unsupported action space, or a spec that does not fit.
        ConfigError: on an invalid config.
    """
    cfg = (config or ReinforceConfig()).validate()
    env, env_id, spec = open_env_and_spec(env_id, env_kwargs, spec, cfg)
    rng_init, rng_env, rng_act, rng_eval = seed_streams(seed, 4)
    evaluator = Evaluator(env_id, spec, env_kwargs, cfg.eval_episodes, rng_eval)
    discrete = is_discrete(env.action_space)
    to_input = observation_to_input(env.observation_space)
    to_action = output_to_action(env.action_space)  # used for Box actions only
    start = int(env.action_space.start) if is_discrete(env.action_space) else 0

    genome = spec.init_genomes(rng_init, 1)[0]
    optimizer = Adam(spec.n_params, lr=cfg.learning_rate, max_grad_norm=cfg.max_grad_norm)
    log_std = np.full(spec.n_outputs, cfg.log_std_init)
    std_optimizer = Adam(spec.n_outputs, lr=cfg.learning_rate)
    value_spec = NetworkSpec(spec.sizes[:-1] + (1,), spec.activations[:-1] + ("linear",))
    value = value_spec.init_genomes(rng_init, 1)[0]
    value_optimizer = Adam(value_spec.n_params, lr=cfg.value_learning_rate)
    sizes, codes = spec.kernel_args
    buf = np.empty((2, max(spec.sizes)))
    curve = Curve("reinforce", RL_COLUMNS, reward_threshold(env), cfg.total_steps, callback)
    forward_into(np.zeros(spec.n_params), sizes, codes, np.zeros(spec.n_inputs), buf)  # compile before the clock
    clock, steps, next_eval = Clock(), 0, cfg.eval_every
    recent: list[float] = []
    batch: list[tuple] = []

    obs_raw, _ = env.reset(seed=int(draw_seeds(rng_env, 1)[0]))
    while steps < cfg.total_steps:
        # one episode with the stochastic policy
        ep_obs, ep_actions, ep_rewards, done = [], [], [], False
        while not done and steps < cfg.total_steps:
            x = to_input(obs_raw)
            y = forward_into(genome, sizes, codes, x, buf)
            if discrete:
                p = softmax(y)
                a = min(int(np.searchsorted(np.cumsum(p), rng_act.random() * p.sum())), len(p) - 1)
                env_action = start + a
            else:
                a = y + np.exp(log_std) * rng_act.standard_normal(len(y))
                env_action = to_action(a)
            obs_raw, reward, terminated, truncated, _ = env.step(env_action)
            ep_obs.append(x)
            ep_actions.append(a)
            ep_rewards.append(float(reward))
            steps += 1
            done = terminated or truncated
        if not done:
            break  # budget spent mid-episode: the partial episode is not learned from
        recent = (recent + [sum(ep_rewards)])[-10:]
        obs_raw, _ = env.reset()
        batch.append((np.array(ep_obs), np.array(ep_actions),
                       normalise(discounted_returns(np.array(ep_rewards), cfg.gamma))))

        if len(batch) == cfg.episodes_per_update:
            obs = np.concatenate([b[0] for b in batch])
            actions = np.concatenate([b[1] for b in batch])
            returns = np.concatenate([b[2] for b in batch])
            batch = []
            advantages = returns
            if cfg.baseline == "value":
                v, grad_v = value_gradient(value_spec, value, obs, returns)
                advantages = returns - v
                value_optimizer.step(value, grad_v)
            grad, grad_log_std = policy_gradient(spec, genome, obs, actions, advantages, discrete, log_std)
            optimizer.step(genome, grad)
            if grad_log_std is not None and cfg.learn_log_std:
                std_optimizer.step(log_std, grad_log_std)

        if steps >= next_eval:
            next_eval += cfg.eval_every * max(1, (steps - next_eval) // cfg.eval_every + 1)
            seconds = clock.seconds()
            with clock.paused():
                score = evaluator(genome)
            go_on = curve.add(genome, env_steps=steps, seconds=seconds, eval_return=score,
                              train_return=np.mean(recent))
            if not go_on or (cfg.stop_at_threshold and curve.reached):
                break
    env.close()
    if curve.best_genome is None:  # the budget ended before the first evaluation
        with clock.paused():
            curve.add(genome, env_steps=steps, seconds=clock.seconds(), eval_return=evaluator(genome),
                      train_return=np.mean(recent) if recent else np.nan)
    meta = {"seed": seed, "config": asdict(cfg)}
    if not discrete:
        meta["log_std"] = log_std.tolist()
    return curve.result(spec, env_id, env_kwargs, steps, clock.seconds(), meta)
