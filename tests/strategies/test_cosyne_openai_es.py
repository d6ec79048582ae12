"""CoSyNE's recombination and fitness-dependent permutation; OpenAI-ES's mirrored sampling, centred ranks and
gradient; bad hyper-parameters of every strategy on the command line."""

import numpy as np
import pytest

from neuroevo.cli import main
from neuroevo.network import NetworkSpec
from neuroevo.strategies.cosyne import CoSyNE, CoSyNEConfig, one_point_offspring, permutation_marks, permute_marked
from neuroevo.strategies.openai_es import OpenAIES, OpenAIESConfig, centred_ranks

SPEC = NetworkSpec.build(4, (5,), 2)


def test_permutation_probability_is_the_papers():
    rng = np.random.default_rng(0)
    f = np.array([10.0, 0.0, 5.0, 7.5])
    n = 3
    marks = np.mean([permutation_marks(f, n, rng) for _ in range(4000)], axis=(0, 2))
    want = 1 - ((f - 0) / 10) ** (1 / n)
    np.testing.assert_allclose(marks, want, atol=0.02)
    assert marks[0] == 0 and marks[1] == 1  # the best network is kept whole, the worst always broken up


def test_marked_weights_are_permuted_within_their_sub_population_only():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 5))
    marks = rng.random((8, 5)) < 0.5
    out = permute_marked(x, marks, rng)
    np.testing.assert_array_equal(out[~marks], x[~marks])
    for i in range(5):
        np.testing.assert_array_equal(np.sort(out[marks[:, i], i]), np.sort(x[marks[:, i], i]))


def test_offspring_come_from_the_top_quarter_by_one_point_crossover():
    rng = np.random.default_rng(2)
    parents = np.arange(4 * 6, dtype=float).reshape(4, 6)
    kids = one_point_offspring(parents, rng)
    assert kids.shape == (8, 6)
    for kid in kids:
        rows = [int(v // 6) for v in kid]  # which parent each gene came from
        assert len(set(rows)) <= 2 and rows == sorted(rows, key=lambda r: r != rows[0])  # one cut point


def test_cosyne_keeps_the_best_network_and_replaces_the_worst_half():
    s = CoSyNE(SPEC, CoSyNEConfig(population=8, mutation_rate=1.0), seed=0)
    g = s.ask()
    f = np.arange(8.0)  # genome 7 best
    s.tell(f)
    new = s.ask()
    np.testing.assert_array_equal(new[0], g[7])  # P = 0 for the best: never permuted, ranked first
    assert not any((new[4:] == row).all(axis=1).any() for row in g)  # 4 offspring, all mutated


def test_openai_es_samples_mirrored_pairs_and_ranks_are_centred():
    s = OpenAIES(SPEC, OpenAIESConfig(population=10, sigma=0.1), seed=0)
    g = s.ask()
    np.testing.assert_allclose((g[:5] + g[5:]) / 2, np.broadcast_to(s.mean, (5, SPEC.n_params)), atol=1e-15)
    u = centred_ranks(np.array([3.0, -1.0, 2.0, 10.0]))
    np.testing.assert_allclose(u, [1 / 6, -0.5, -1 / 6, 0.5])


def test_openai_es_steps_along_the_fitness_gradient():
    c = np.random.default_rng(5).standard_normal(SPEC.n_params)
    s = OpenAIES(SPEC, OpenAIESConfig(population=2000, weight_decay=0.0, learning_rate=0.01), seed=1)
    before = s.mean.copy()
    s.tell(s.ask() @ c)
    step, grad = s.mean - before, s.m / (1 - 0.9)  # Adam's first moment after one step: 0.1 * the estimate
    assert grad @ c / (np.linalg.norm(grad) * np.linalg.norm(c)) > 0.9  # the estimate points along c
    assert np.allclose(np.abs(step), 0.01, rtol=1e-3)  # Adam's first step: the learning rate in every weight


@pytest.mark.parametrize("argv, message", [
    (["--algorithm", "openai-es", "--population", "7"], "--population must be an even number >= 2 for openai-es"),
    (["--algorithm", "cmaes", "--sigma", "-1"], "--sigma must be a finite number > 0, got -1.0"),
    (["--algorithm", "sep-cmaes", "--population", "2"], "at least 4 for CMA-ES"),
    (["--algorithm", "cosyne", "--population", "3"], "--population must be at least 4 for cosyne"),
    (["--algorithm", "cmaes", "--tournament-size", "3"], "--tournament-size does not apply to --algorithm cmaes"),
    (["--algorithm", "cosyne", "--mutation-rate", "2"], "--mutation-rate must be in [0, 1], got 2.0"),
])
def test_bad_hyper_parameters_are_one_line_exit_2(argv, message, capsys, tmp_path):
    assert main(["evolve", *argv, "--generations", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "r").exists()
