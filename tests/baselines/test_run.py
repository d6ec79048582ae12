import numpy as np
import pytest

from neuroevo.agent import load_agent
from neuroevo.baselines.run import make_config, train_run
from neuroevo.errors import ConfigError


def test_rl_run_folder_can_be_loaded_and_evaluated(tmp_path):
    cfg = {"total_steps": 400, "eval_every": 200, "eval_episodes": 1, "hidden": "4"}
    result, folder = train_run("reinforce", env="cartpole", config=cfg, seed=0, out=tmp_path / "r",
                               show_progress=False)
    for name in ("config.toml", "history.csv", "best.npz", "best.json", "curve.png"):
        assert (folder / name).is_file()
    agent = load_agent(folder)
    np.testing.assert_array_equal(agent.genome, result.genome)
    assert agent.env_id == "CartPole-v1" and agent.meta["method"] == "reinforce"
    assert (folder / "history.csv").read_text().splitlines()[0] == "env_steps,seconds,eval_return,train_return"
    with pytest.raises(ConfigError, match="already holds a run"):
        train_run("reinforce", env="cartpole", config=cfg, out=folder, show_progress=False)


def test_backprop_run_on_a_task(tmp_path):
    result, folder = train_run("backprop", task="xor", seed=1, out=tmp_path / "b", show_progress=False)
    assert result.solved and load_agent(folder).env_id is None
    assert "[backprop]" in (folder / "config.toml").read_text()


def test_make_config_converts_and_rejects():
    cfg = make_config("dqn", {"hidden": "8,8", "double_dqn": "false", "learning_rate": "0.001"})
    assert cfg.hidden == [8, 8] and cfg.double_dqn is False and cfg.learning_rate == 0.001
    with pytest.raises(ConfigError, match="known settings"):
        make_config("dqn", {"epsilon": 0.1})
    with pytest.raises(ConfigError, match="unknown method"):
        make_config("ppo")
    with pytest.raises(ConfigError, match="batch_size must be an integer"):
        make_config("dqn", {"batch_size": "many"})
    with pytest.raises(ConfigError, match="total_steps must be an integer, got 500.7"):
        make_config("dqn", {"total_steps": 500.7})
    assert make_config("dqn", {"hidden": 64}).hidden == [64]  # `--set hidden=64` arrives as an int


@pytest.mark.parametrize("kwargs", [{"method": "backprop", "env": "CartPole-v1"},
                                    {"method": "dqn", "task": "xor"}, {"method": "dqn"}])
def test_env_or_task_must_fit_the_method(kwargs, tmp_path):
    with pytest.raises(ConfigError):
        train_run(out=tmp_path, show_progress=False, **kwargs)
