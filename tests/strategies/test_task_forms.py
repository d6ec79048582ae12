"""Every strategy on every task form: a Gymnasium env loop, a batch user fitness, compare, evaluate and watch."""

import numpy as np
import pytest

import neuroevo
from neuroevo.cli import main
from neuroevo.compare import compare
from neuroevo.config import resolve
from neuroevo.evaluation import FunctionTask, batch_fitness
from neuroevo.network import NetworkSpec
from neuroevo.strategies import STRATEGIES, make_strategy
from tests.test_cli import history

NAMES = [n for n, cls in STRATEGIES.items() if cls.genome_type is None]  # flat genomes (NEAT: its tests)


@pytest.mark.parametrize("name", NAMES)
def test_env_loop_of_a_gymnasium_id_and_the_saved_agent(name, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--algorithm", name, "--env", "Pendulum-v1", "--hidden", "2", "--population", "8",
                 "--generations", "2", "--episodes", "1", "--workers", "1", "-q", "--out", str(out)]) == 0
    assert [r[0] for r in history(out)[1:]] == ["1", "2"] and history(out)[-1][6] == "3200"  # 200 steps each
    assert main(["evaluate", str(out), "--episodes", "2"]) == 0
    assert "Pendulum-v1: 2 episodes  mean return" in capsys.readouterr().out
    if name == "openai-es":  # watching reads best.npz like evaluate: once is enough
        assert main(["watch", str(out), "--record", str(tmp_path / "a.gif")]) == 0
        assert (tmp_path / "a.gif").stat().st_size > 0
    best = neuroevo.load_agent(out)
    assert best.meta["strategy"] == name and best.meta["method"] == name


@pytest.mark.parametrize("name", NAMES)
def test_batch_user_fitness_through_the_python_api(name):
    spec = NetworkSpec.build(2, (3,), 1)

    @batch_fitness
    def fit(genomes, seeds):
        return -np.sum((genomes - 0.2) ** 2, axis=1)

    config = resolve(flags={"task": {"fitness": "x:y", "network": [2, 3, 1]}, "run": {"algorithm": name}})
    strategy = make_strategy(config, spec)
    result = neuroevo.Population(FunctionTask(fit, spec), strategy).run(generations=25)
    assert result.generations == 25 and result.best_fitness > fit(spec.init_genomes(np.random.default_rng(0), 50),
                                                                  None).max()


def test_compare_runs_every_strategy_under_one_budget(tmp_path):
    methods = ["ga", "cosyne", "cmaes", "sep-cmaes", "openai-es"]
    c = compare(env="CartPole-v1", methods=methods, seeds=1, budget_steps=3000, hidden=(4,), out=tmp_path,
                eval_episodes=2, final_episodes=2, log=lambda s: None)
    assert list(c.results) == methods
    for runs in c.results.values():  # a run whose first generation cannot fit the budget is reported as such
        assert runs[0].spec.sizes == (4, 4, 2)
        assert len(runs[0].curve) >= 1 or runs[0].meta.get("fits") is False
    assert (tmp_path / "curves.png").is_file() and (tmp_path / "curves" / "openai-es-seed0.csv").is_file()
