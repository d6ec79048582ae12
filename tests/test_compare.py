import csv

import numpy as np
import pytest

from neuroevo.compare import SUMMARY_COLUMNS, compare
from neuroevo.errors import ConfigError


def test_env_comparison_writes_table_curves_and_plot(tmp_path):
    c = compare(env="CartPole-v1", methods=["ga", "random-search", "reinforce", "dqn"], seeds=2,
                budget_steps=1500, hidden=(4,), out=tmp_path, eval_episodes=2, final_episodes=3, log=lambda s: None)
    for name in ("results.csv", "summary.csv", "summary.md", "curves.png", "curves/dqn-seed1.csv"):
        assert (tmp_path / name).is_file()
    with open(tmp_path / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["method"] for r in rows] == ["ga", "random-search", "reinforce", "dqn"]
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    for m, runs in c.results.items():
        assert len(runs) == 2 and all(r.spec.sizes == (4, 4, 2) for r in runs)  # one network for all
        for r in runs:  # a threshold counts only within the budget
            assert r.steps_to_threshold is None or r.steps_to_threshold <= 1500
        assert all(0 <= f <= 500 for f in c.final[m])
    md = (tmp_path / "summary.md").read_text()
    assert md.count("\n| ") == 5 and "budget 1,500 env steps" in md


def test_task_comparison_solves_xor(tmp_path):
    c = compare(task="xor", seeds=2, budget_steps=40_000, hidden=(4,), out=tmp_path, log=lambda s: None)
    assert set(c.results) == {"ga", "backprop"}
    for runs in c.results.values():
        assert all(r.solved and r.steps_to_threshold <= 40_000 for r in runs)
    assert np.all(np.array(c.final["backprop"]) < 0.25)
    assert (tmp_path / "curves.png").is_file()


@pytest.mark.parametrize("kwargs,match", [
    ({}, "exactly one"), ({"env": "CartPole-v1", "task": "xor"}, "exactly one"),
    ({"env": "CartPole-v1", "methods": ["backprop"]}, "does not apply"),
    ({"task": "xor", "methods": ["dqn"]}, "does not apply"),
    ({"task": "data.csv"}, "xor or sin"), ({"env": "CartPole-v1", "seeds": 0}, "at least 1"),
])
def test_bad_arguments_raise_config_error(kwargs, match, tmp_path):
    with pytest.raises(ConfigError, match=match):
        compare(out=tmp_path, **kwargs)
