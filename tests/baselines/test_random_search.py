import dataclasses
import numpy as np

from neuroevo.baselines import random_search
from neuroevo.baselines.common import task_for_env
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.evaluation.tasks import KernelTask


def test_keeps_the_best_and_stops_at_the_threshold():
    cfg = random_search.RandomSearchConfig(total_steps=400_000, batch_size=20, episodes=3, eval_episodes=5)
    result = random_search.train("CartPole-v1", cfg, seed=0)
    train_best = result.curve[:, 3]
    assert np.all(np.diff(train_best) >= 0)  # best-so-far never gets worse
    assert result.solved and result.curve[-1, 2] >= 475 and result.steps_to_threshold == result.env_steps
    assert result.best_eval >= 475
    # the returned genome is the one evaluated: re-evaluating it gives the same score
    task = task_for_env("CartPole-v1", result.spec)
    assert isinstance(task, KernelTask)


def test_budget_and_determinism_on_an_env_loop_task():
    cfg = random_search.RandomSearchConfig(total_steps=1700, batch_size=4, episodes=1, eval_episodes=1,
                                           hidden=[4])
    a = random_search.train("MountainCar-v0", cfg, seed=1)
    b = random_search.train("MountainCar-v0", cfg, seed=1)
    assert isinstance(task_for_env("MountainCar-v0", a.spec), EnvTask)
    assert a.env_steps == 1600  # whole batches within the budget: 2 x 4 genomes x 200 steps (a 3rd would cross)
    small = random_search.train("MountainCar-v0", dataclasses.replace(cfg, total_steps=500), seed=1)
    assert small.genome is None and small.env_steps == 0 and "cannot fit the budget" in small.meta["note"]
    np.testing.assert_array_equal(a.genome, b.genome)
    assert not a.solved and a.steps_to_threshold is None and a.seconds_to_threshold is None
