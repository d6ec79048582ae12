"""Every baseline trains on the built-in games (DQN on their Discrete variants), and the saved genome plays."""

import numpy as np
import pytest

from neuroevo.baselines import dqn, random_search, reinforce
from neuroevo.errors import TaskError
from neuroevo.evaluate import evaluate_agent

SMALL = {
    "dqn": (dqn, dict(total_steps=400, learning_starts=100, train_frequency=50, gradient_steps=2, eval_every=200,
                      eval_episodes=1, hidden=[8])),
    "reinforce": (reinforce, dict(total_steps=400, eval_every=200, eval_episodes=1, hidden=[8])),
    "random-search": (random_search, dict(total_steps=2000, batch_size=4, episodes=1, eval_episodes=1,
                                          hidden=[8])),
}
GAMES = [("neuroevo/FlappyBird-v0", {}), ("neuroevo/CarTrack-v0", {"continuous": False}),
         ("neuroevo/CarTrack-v0", {})]


@pytest.mark.parametrize("method", sorted(SMALL))
@pytest.mark.parametrize("env_id,env_kwargs", GAMES, ids=["flappy", "car-discrete", "car-box"])
def test_baseline_on_a_builtin_game(method, env_id, env_kwargs):
    module, settings = SMALL[method]
    if method == "dqn" and "Car" in env_id and env_kwargs.get("continuous", True):
        with pytest.raises(TaskError, match="DQN needs Discrete actions"):  # one clear line, not a crash
            dqn.train(env_id, dqn.DQNConfig(**settings), seed=0, env_kwargs=env_kwargs)
        return
    cls = {"dqn": dqn.DQNConfig, "reinforce": reinforce.ReinforceConfig,
           "random-search": random_search.RandomSearchConfig}[method]
    result = module.train(env_id, cls(**settings), seed=0, env_kwargs=env_kwargs)
    assert result.genome.shape == (result.spec.n_params,) and np.all(np.isfinite(result.genome))
    assert result.env_steps > 0 and result.curve.shape[0] >= 1
    evaluation = evaluate_agent(result.agent(), episodes=1)
    assert np.isfinite(evaluation.returns).all()
