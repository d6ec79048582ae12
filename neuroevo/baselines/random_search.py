"""Random search: sample random genomes, keep the best. The floor every learning method must beat.

Each batch of ``batch_size`` genomes is drawn from the spec's initialiser (``NetworkSpec.init_genomes``:
Glorot/He uniform weights, zero biases, scaled by ``scale``) and scored like the GA's population (the env's
population kernel when it has one, else ``EnvTask``) on ``episodes`` training episodes, fresh each batch.
When a genome beats the best so far it becomes the best and is evaluated greedily on the validation
episodes; that evaluation is the learning curve (Brooks 1958; as a neuroevolution baseline: Such et al.
2017, "Deep Neuroevolution", random search on Atari).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from neuroevo.baselines.common import (RL_COLUMNS, Clock, Curve, Evaluator, TrainRecord, TrainResult,
                                       draw_seeds, task_for_env, open_env_and_spec, option, positive,
                                       reward_threshold, seed_streams)
from neuroevo.network import NetworkSpec


@dataclass
class RandomSearchConfig:
    """Random-search settings."""

    total_steps: int = option(200_000, "env steps of training (the budget)")
    hidden: list = option([16], "hidden layer sizes (when no spec is given)")
    activation: str = option("tanh", "hidden activation (when no spec is given)")
    batch_size: int = option(50, "genomes sampled and scored per batch")
    episodes: int = option(5, "training episodes per genome (fitness = mean return)")
    scale: float = option(1.0, "multiplies the initialiser's range")
    eval_episodes: int = option(10, "validation episodes when the best genome changes")
    stop_at_threshold: bool = option(True, "stop once an evaluation reaches the env's reward threshold")

    def validate(self) -> "RandomSearchConfig":
        positive(self, "total_steps", "batch_size", "episodes", "scale", "eval_episodes")
        return self


def train(env_id: str = "CartPole-v1", config: RandomSearchConfig | None = None, seed: int = 0,
          spec: NetworkSpec | None = None, env_kwargs: dict | None = None,
          callback: Callable[[TrainRecord], object] | None = None) -> TrainResult:
    """Random search over genomes of ``spec`` on a Gymnasium env (Discrete or bounded Box actions).

    Args:
        env_id: a Gymnasium id or alias.
        config: settings (default :class:`RandomSearchConfig`).
        seed: run seed (>= 0): one seed gives one result; no global random state is used.
        spec: the network; default built from ``config.hidden``.
        env_kwargs: keyword arguments of ``gymnasium.make``.
        callback: ``fn(TrainRecord)`` called after every batch; returning False stops the search.

    Returns:
        A :class:`TrainResult` (genome: the best-evaluated genome; curve columns ``env_steps, seconds,
        eval_return, train_return``, train_return = best training fitness so far), one row per batch. A
        batch is scored whole, so the batch that would cross ``total_steps`` is not counted; if even the
        first does not fit, ``genome`` is None and ``meta["note"]`` says so.

    Raises:
        TaskError: unknown env, unsupported action space, or a spec that does not fit.
        ConfigError: on an invalid config.
    """
    cfg = (config or RandomSearchConfig()).validate()
    env, env_id, spec = open_env_and_spec(env_id, env_kwargs, spec, cfg)
    threshold = reward_threshold(env)
    env.close()
    rng_init, rng_env, rng_eval = seed_streams(seed, 3)
    task = task_for_env(env_id, spec, env_kwargs)
    evaluator = Evaluator(env_id, spec, env_kwargs, cfg.eval_episodes, rng_eval)
    curve = Curve("random-search", RL_COLUMNS, threshold, cfg.total_steps, callback)
    task.warmup()  # compile before the clock starts
    clock, steps, best_fitness, best, score = Clock(), 0, -np.inf, None, -np.inf
    first_batch = 0  # env steps of a first batch that did not fit the budget

    while steps < cfg.total_steps:
        genomes = spec.init_genomes(rng_init, cfg.batch_size) * cfg.scale
        fitness, n = task.evaluate(genomes, draw_seeds(rng_env, cfg.episodes))
        if steps + n > cfg.total_steps:  # the batch that crosses the budget is not counted
            first_batch = first_batch or n
            break
        steps += n
        i = int(np.argmax(fitness))
        if fitness[i] > best_fitness:
            best_fitness, best = float(fitness[i]), genomes[i]
            with clock.paused():
                score = evaluator(best)
        if not curve.add(best, env_steps=steps, seconds=clock.seconds(), eval_return=score,
                         train_return=best_fitness):
            break
        if cfg.stop_at_threshold and curve.reached:
            break
    meta = {"seed": seed, "config": asdict(cfg), "setup": f"batches of {cfg.batch_size} x {cfg.episodes} "
            f"episode{'s' if cfg.episodes != 1 else ''}", "fits": best is not None}
    if best is None:
        meta["note"] = f"cannot fit the budget: its first batch took {first_batch:,} env steps"
    return curve.result(spec, env_id, env_kwargs, steps, clock.seconds(), meta)
