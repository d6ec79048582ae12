"""Numeric extremes (issue 11, point 6): fitness up to +-1.7e308 through selection, statistics, history,
plots and resume; a memory estimate refusing what cannot fit, before allocating."""

import numpy as np
import pytest

from neuroevo.cli import main
from neuroevo.memory import check_population
from neuroevo.operators.selection import _proportional_weights, roulette, sus
from neuroevo.population import finite_stats
from tests.test_runfolder import HOSTILE, one_line, rows

HUGE = np.array([1.7e308, -1.7e308, 0.0, 8.5e307])


@pytest.mark.parametrize("fn", [roulette, sus])
def test_proportional_selection_of_huge_fitness_has_the_exact_probabilities(fn):
    w = _proportional_weights(HUGE)
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w / w.sum(), np.array([3.4, 0.0, 1.7, 2.55]) / 7.65, rtol=1e-12)
    picks = fn(HUGE, 20000, np.random.default_rng(0))
    freq = np.bincount(picks, minlength=4) / 20000
    np.testing.assert_allclose(freq, [3.4 / 7.65, 0.0, 1.7 / 7.65, 2.55 / 7.65], atol=0.02)


def test_ordinary_fitness_keeps_numpys_own_weights_bit_for_bit():
    f = np.array([3.0, -1.0, 2.5])
    np.testing.assert_array_equal(_proportional_weights(f), f - f.min())


@pytest.mark.parametrize("values", [HUGE, np.full(7, 1.7e308), np.full(3, -1.7e308),
                                    np.array([1.7976931348623157e308, -1.7976931348623157e308])])
def test_statistics_stay_finite_and_right(values):
    mean, std = finite_stats(values)
    assert np.isfinite(mean) and np.isfinite(std)
    s = np.abs(values).max()
    assert mean == pytest.approx(np.mean(values / s) * s, rel=1e-12)
    assert std == pytest.approx(np.std(values / s) * s, rel=1e-12)
    small = np.array([1.0, 2.0, 4.0])
    assert finite_stats(small) == (float(small.mean()), float(small.std()))


@pytest.mark.parametrize("fn,selection", [("huge", "roulette"), ("huge", "sus"), ("huge_positive", "tournament"),
                                          ("huge", "rank")])
def test_a_run_with_huge_fitness_finishes_plots_and_resumes_bit_identically(tmp_path, fn, selection):
    args = ["evolve", "--fitness", f"{HOSTILE}:{fn}", "--network", "2,4,1", "--population", "16", "--workers", "1",
            "--selection", selection, "-q"]
    assert main([*args, "--generations", "4", "--out", str(tmp_path / "clean")]) == 0
    assert main([*args, "--generations", "2", "--out", str(tmp_path / "run")]) == 0
    assert main(["evolve", "--resume", str(tmp_path / "run"), "--generations", "4", "-q"]) == 0
    assert rows(tmp_path / "run") == rows(tmp_path / "clean")
    values = np.array([[float(v) for v in r[1:5]] for r in rows(tmp_path / "clean")[1:]])
    assert np.all(np.isfinite(values)) and np.abs(values).max() > 1e307
    assert (tmp_path / "clean" / "fitness.png").stat().st_size > 1000


def test_nan_worst_next_to_the_lowest_double_stays_finite():
    from neuroevo.config import GAConfig
    from neuroevo.evaluation.tasks import FunctionTask
    from neuroevo.network import NetworkSpec
    from neuroevo.population import Population
    from neuroevo.strategies.ga import GeneticAlgorithm

    spec = NetworkSpec.build(2, [], 1, "tanh", "linear")
    pop = Population(FunctionTask(lambda n: 0.0, spec), GeneticAlgorithm(spec, GAConfig(population=3), 0),
                     nan_fitness="worst")
    out = pop._check_finite(np.array([1.0, np.nan, -1.7976931348623157e308]), 0)
    assert np.all(np.isfinite(out)) and out[1] == out.min()


# ------------------------------------------------------------------------------------------- memory

def test_memory_estimate():
    assert check_population(100, [4, 16, 2], available=10**9) == 8 * 100 * 114 * 8 + 64 * 16 * 8
    with pytest.raises(Exception, match=r"--population 100 of networks 4-16-2 \(114 weights each\) needs about"):
        check_population(100, [4, 16, 2], available=1000)


@pytest.mark.parametrize("argv,what", [
    (["--population", "100000000"], "--population 100000000 of networks 2-4-1"),
    (["--population", "1000000000000000000000"], "--population 1000000000000000000000"),
    (["--network", "2,100000000,100000000,1"], "of networks 2-100000000-100000000-1"),
])
def test_too_big_for_memory_is_refused_before_allocating(tmp_path, capsys, argv, what):
    args = ["evolve", "--fitness", f"{HOSTILE}:score", "--network", "2,4,1", "--workers", "1", *argv,
            "--out", str(tmp_path / "r")]
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert what in line and "needs about" in line and "GiB available" in line, line
    assert not (tmp_path / "r").exists()


def test_cartpole_with_a_huge_hidden_layer_is_refused(tmp_path, capsys):
    assert main(["evolve", "--hidden", "2000000000", "--out", str(tmp_path / "r")]) == 2
    assert "needs about" in one_line(capsys.readouterr().err)
