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


def _plotted_labels(monkeypatch):
    """Legend labels of every axes of the figures saved while the patch is on."""
    import matplotlib.figure

    labels, original = [], matplotlib.figure.Figure.savefig

    def savefig(self, *a, **k):
        labels.extend(ax.get_legend_handles_labels()[1] for ax in self.axes)
        return original(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return labels


def test_every_population_method_stays_within_the_budget(tmp_path):
    """issue 13: with --budget-steps 30000 the GA used 52,905 env steps and nothing said so."""
    c = compare(env="CartPole-v1", methods=["ga", "random-search"], seeds=2, budget_steps=30_000, hidden=(4,),
                out=tmp_path, eval_episodes=2, final_episodes=3, log=lambda s: None)
    for m, runs in c.results.items():
        for r in runs:
            assert r.env_steps <= 30_000 and r.curve[-1, 0] <= 30_000
            assert r.meta["fits"] and "sized to the budget" in r.meta["setup"]
    md = (tmp_path / "summary.md").read_text()
    assert "| ga | population 15 x 1 episode (sized to the budget) |" in md


def test_budget_sizing_rule():
    from neuroevo.budget import size_to_budget
    from neuroevo.strategies.ga import GAConfig

    cfg, s = size_to_budget(GAConfig(population=100), 10, 100_000, 500)
    assert (cfg.population, s.episodes, s.sized) == (50, 1, True)  # 50 x 1 x 500 x 4 generations = 100,000
    cfg, s = size_to_budget(GAConfig(population=100), 10, 10**9, 500)
    assert (cfg.population, s.episodes, s.sized) == (100, 10, False)
    cfg, s = size_to_budget(GAConfig(population=100), 5, 100, 500)
    assert cfg.population == 10 and s.episodes == 1  # never below MIN_POPULATION: truncation decides
    cfg, s = size_to_budget(GAConfig(population=100), 5, 100, None)
    assert cfg.population == 100 and not s.sized  # no step limit: nothing to size by


def test_a_method_that_cannot_fit_is_marked_and_not_drawn(tmp_path, monkeypatch):
    labels = _plotted_labels(monkeypatch)
    c = compare(env="CartPole-v1", methods=["ga", "reinforce"], seeds=1, budget_steps=60, hidden=(4,),
                out=tmp_path, eval_episodes=2, final_episodes=3, log=lambda s: None)
    (ga,) = c.results["ga"]
    assert ga.genome is None and not ga.meta["fits"] and "cannot fit the budget" in ga.meta["note"]
    assert np.isnan(c.final["ga"][0])
    md = (tmp_path / "summary.md").read_text()
    assert "| ga | population 10 x 1 episode (sized to the budget) | 0/1, cannot fit the budget on 1 |" in md
    assert labels and all("ga" not in axes for axes in labels)  # no legend entry without a line
    assert all("reinforce" in axes for axes in labels)


def test_an_automatic_population_keeps_its_size_but_its_episodes_are_sized():
    """CMA-ES's automatic lambda is not lowered, but 10 episodes x 20 genomes x 500 steps would leave one
    generation of a 100,000-step budget: its episodes are sized so 4 generations fit, like the GA's."""
    from neuroevo.budget import size_to_budget
    from neuroevo.strategies.cmaes import CMAESConfig

    cfg, s = size_to_budget(CMAESConfig(), 10, 100_000, 500, auto_population=20)
    assert cfg.population == 0 and (s.population, s.episodes, s.sized) == (20, 2, True)  # 20 x 2 x 500 x 4
    assert s.describe() == "population 20 x 2 episodes (sized to the budget)"
    cfg, s = size_to_budget(CMAESConfig(), 10, 10**9, 500, auto_population=20)
    assert (s.episodes, s.sized) == (10, False)
    cfg, s = size_to_budget(CMAESConfig(), 10, 100_000, 500)
    assert (s.population, s.episodes, s.sized) == (0, 10, False)  # not told the population: left as it is


def test_the_curve_starts_where_every_seed_has_been_evaluated():
    """issue 13 (plots): the GA's mean line began at one seed's 480 and fell to 350 as the others joined."""
    from neuroevo.compare import mean_band

    vals = np.array([[np.nan, 480.0, 480.0, 500.0],
                     [np.nan, np.nan, 220.0, 300.0]])
    mean, lo, hi = mean_band(vals)
    assert np.isnan(mean[:2]).all() and np.isnan(lo[:2]).all() and np.isnan(hi[:2]).all()
    np.testing.assert_allclose(mean[2:], [350.0, 400.0])
    np.testing.assert_allclose(lo[2:], [220.0, 300.0]) and np.testing.assert_allclose(hi[2:], [480.0, 500.0])


def test_bench_plot_draws_to_the_budget(tmp_path, monkeypatch):
    """The bench plot: the solved fraction is drawn up to the evaluation budget (it stopped at the last
    solved run)."""
    import matplotlib.axes

    from neuroevo import bench

    data = {"task": "t", "algorithm": "ga", "settings": {"max_evaluations": 1000},
            "runs": [{"solved": True, "evaluations": 100}, {"solved": True, "evaluations": 300},
                     {"solved": False, "evaluations": 1000}],
            "published": {"mean_evaluations": {"X": 500}, "source": "s"}}
    steps, real_step = [], matplotlib.axes.Axes.step
    monkeypatch.setattr(matplotlib.axes.Axes, "step",
                        lambda self, x, y, *a, **k: steps.append((list(x), list(y))) or real_step(self, x, y, *a, **k))
    bench.plot(data, tmp_path / "e.png")
    assert (tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"
    (x, y), = steps
    assert x[-1] == 1000 and y[-1] == pytest.approx(2 / 3) and y[1:3] == pytest.approx([1 / 3, 2 / 3])
