"""Watching a NEAT agent on a built-in game (found by mypy: ``genome[None, :]`` on a GenomeBatch)."""

import numpy as np


def test_watch_agent_plays_a_neat_agent_on_flappy_bird(tmp_path):
    from neuroevo.agent import Agent
    from neuroevo.config import resolve
    from neuroevo.evaluation.env_task import EnvTask
    from neuroevo.evaluation.factory import make_task
    from neuroevo.live import watch_agent
    from neuroevo.strategies.registry import make_strategy

    config = resolve(flags={"run": {"algorithm": "neat"}, "task": {"env": "flappy"},
                            "strategy": {"population": 4}})
    task = make_task(config)
    genome = make_strategy(config, task.spec).ask()[0:1]
    agent = Agent(task.spec, genome, task.env_id, task.env_kwargs)
    lines: list[str] = []
    returns = watch_agent(agent, record=tmp_path / "neat.gif", seed=5, say=lines.append)
    assert (tmp_path / "neat.gif").stat().st_size > 0
    from neuroevo.live import _unseen_seeds

    expected = EnvTask(task.env_id, task.spec, task.env_kwargs, returns_only=True).episode(
        genome, int(_unseen_seeds(1, 5)[0]))[0]
    np.testing.assert_allclose(returns, [expected])
    assert lines[-1].startswith("episode 1: return")
