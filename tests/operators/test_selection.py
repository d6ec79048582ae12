"""Selection: the contract every registered function must meet, then each algorithm's statistics."""

import numpy as np
import pytest

from neuroevo.errors import ConfigError
from neuroevo.operators import SELECTION, get_selection
from neuroevo.operators.selection import rank, roulette, sus, tournament, truncation
from tests.operators import naive_operators as naive

FITNESS = np.array([3.0, -1.0, 0.5, 7.0, 7.0, 2.0, -4.0, 0.0, 1.5, 5.0])
GA_PARAMS = {"tournament_size": 3, "truncation_fraction": 0.2}  # what the GA passes to every function


def freqs(idx, p):
    return np.bincount(idx, minlength=p) / idx.size


# ---- contract (every registered selection) -------------------------------------------------------------

def test_shape_dtype_range(selection_name, rng):
    out = SELECTION[selection_name](FITNESS, 37, rng, **GA_PARAMS)
    assert out.shape == (37,) and out.dtype == np.int64
    assert out.min() >= 0 and out.max() < FITNESS.size


def test_fitness_not_modified_and_list_accepted(selection_name):
    f = FITNESS.copy()
    a = SELECTION[selection_name](f, 20, np.random.default_rng(1), **GA_PARAMS)
    np.testing.assert_array_equal(f, FITNESS)
    b = SELECTION[selection_name](list(FITNESS), 20, np.random.default_rng(1), **GA_PARAMS)
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_parents_other_seed_differs(selection_name):
    fn = SELECTION[selection_name]
    f = np.linspace(1.0, 2.0, 50)
    a = fn(f, 100, np.random.default_rng(7), **GA_PARAMS)
    np.testing.assert_array_equal(a, fn(f, 100, np.random.default_rng(7), **GA_PARAMS))
    assert not np.array_equal(a, fn(f, 100, np.random.default_rng(8), **GA_PARAMS))


def test_unknown_params_ignored_and_defaults_exist(selection_name, rng):
    out = SELECTION[selection_name](FITNESS, 5, rng, some_future_param=1.0)
    assert out.shape == (5,)


def test_zero_parents_and_single_genome(selection_name, rng):
    fn = SELECTION[selection_name]
    assert fn(FITNESS, 0, rng, **GA_PARAMS).shape == (0,)
    np.testing.assert_array_equal(fn(np.array([-2.0]), 4, rng, **GA_PARAMS), np.zeros(4, dtype=np.int64))


@pytest.mark.parametrize("f", [np.zeros(6), np.full(6, -3.0), np.full(6, 2.5)], ids=["zero", "neg", "pos"])
def test_constant_fitness_reaches_every_genome(selection_name, f):
    """Equal fitness: no genome is favoured enough to starve another (truncation keeps its top T)."""
    out = SELECTION[selection_name](f, 3000, np.random.default_rng(3),
                                    tournament_size=3, truncation_fraction=1.0)
    assert np.bincount(out, minlength=6).min() > 0


def test_better_genome_picked_more_often(selection_name):
    f = np.arange(20, dtype=np.float64) - 10.0  # negative and positive
    out = SELECTION[selection_name](f, 5000, np.random.default_rng(4), **GA_PARAMS)
    counts = np.bincount(out, minlength=20)
    assert counts[19] > counts[0] and counts[10:].sum() > counts[:10].sum()


def test_nan_fitness_raises(selection_name, rng):
    with pytest.raises(ValueError, match="genome 2 is NaN"):
        SELECTION[selection_name](np.array([1.0, 2.0, np.nan]), 3, rng, **GA_PARAMS)


@pytest.mark.parametrize("bad", [np.array([]), np.ones((2, 3))], ids=["empty", "2d"])
def test_bad_shape_raises(selection_name, rng, bad):
    with pytest.raises(ValueError, match="fitness must be a non-empty 1-D array"):
        SELECTION[selection_name](bad, 3, rng, **GA_PARAMS)


def test_negative_n_raises(selection_name, rng):
    with pytest.raises(ValueError, match="number of parents"):
        SELECTION[selection_name](FITNESS, -1, rng, **GA_PARAMS)


# ---- against the naive references (same draws, bit for bit) -------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f", [FITNESS, np.zeros(7), np.array([-5.0, -2.0, -2.0, -9.0]),
                               np.array([0.0, 0.0, 4.0, 0.0, 1e-300])],
                         ids=["mixed", "zeros", "negative", "sparse"])
def test_matches_naive(seed, f):
    n = 41
    cases = [(roulette, naive.roulette, {}), (sus, naive.sus, {}), (rank, naive.rank, {}),
             (tournament, lambda f, n, r: naive.tournament(f, n, r, 4), {"tournament_size": 4}),
             (truncation, lambda f, n, r: naive.truncation(f, n, r, 0.35), {"truncation_fraction": 0.35})]
    for fast, slow, params in cases:
        got = fast(f, n, np.random.default_rng(seed), **params)
        want = slow(list(f), n, np.random.default_rng(seed))
        np.testing.assert_array_equal(got, want, err_msg=fast.__name__)


# ---- fitness-proportional: roulette and sus --------------------------------------------------------------

def test_roulette_frequencies_match_normalised_weights():
    f = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 10.0])
    out = roulette(f, 200_000, np.random.default_rng(5))
    np.testing.assert_allclose(freqs(out, 6), f / f.sum(), atol=0.005)
    assert not np.any(out == 4)  # zero weight, never picked


def test_roulette_negative_fitness_shifts_by_minimum():
    f = np.array([-3.0, -1.0, 0.0, 2.0])  # weights 0, 2, 3, 5
    out = roulette(f, 200_000, np.random.default_rng(6))
    np.testing.assert_allclose(freqs(out, 4), np.array([0.0, 2.0, 3.0, 5.0]) / 10.0, atol=0.005)
    assert not np.any(out == 0)  # the worst genome has weight 0


@pytest.mark.parametrize("fn", [roulette, sus])
def test_proportional_all_zero_weights_is_uniform(fn):
    for f in (np.zeros(5), np.full(5, -2.0)):  # -2 - (-2) = 0 everywhere
        out = fn(f, 100_000, np.random.default_rng(7))
        np.testing.assert_allclose(freqs(out, 5), np.full(5, 0.2), atol=0.01)


@pytest.mark.parametrize("fn", [roulette, sus])
def test_proportional_infinite_fitness_raises(fn, rng):
    with pytest.raises(ValueError, match="finite"):
        fn(np.array([1.0, np.inf]), 3, rng)
    out = fn(np.array([1e308, -1e308]), 50, rng)  # huge but finite: the range is scaled, not an error
    assert set(out.tolist()) == {0}


def test_sus_order_is_shuffled_so_consecutive_pairs_are_not_copies():
    f = np.arange(1.0, 11.0)
    out = sus(f, 1000, np.random.default_rng(17))
    assert np.any(np.diff(out) < 0)
    assert np.mean(out[0::2] == out[1::2]) < 0.25  # sum of p_i^2 = 0.13 if independent; ~1 if sorted


@pytest.mark.parametrize("seed", range(20))
def test_sus_counts_within_one_of_expected(seed):
    """SUS's minimal spread: genome i gets floor(n p_i) or ceil(n p_i) parents (Baker 1987)."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(-2.0, 5.0, size=13)
    n = 50
    out = sus(f, n, np.random.default_rng(seed + 100))
    w = f - f.min()
    expected = n * w / w.sum()
    counts = np.bincount(out, minlength=13)
    assert np.all(counts >= np.floor(expected) - 1e-9) and np.all(counts <= np.ceil(expected) + 1e-9)
    assert counts[np.argmin(f)] == 0


def test_sus_spreads_less_than_roulette():
    f = np.array([1.0, 2.0, 3.0, 4.0])
    n, expected = 40, 40 * f / f.sum()
    dev = {fn: np.mean([np.abs(np.bincount(fn(f, n, np.random.default_rng(s)), minlength=4) - expected).sum()
                        for s in range(200)]) for fn in (roulette, sus)}
    assert dev[sus] < 0.5 * dev[roulette]


# ---- tournament --------------------------------------------------------------------------------------------

def test_tournament_huge_size_always_picks_best_lowest_index():
    """With replacement, k = P can miss the best (prob. (1 - 1/P)^P); k = 40 P misses it with prob. e^-40."""
    f = np.array([1.0, 9.0, 3.0, 9.0, -2.0, 0.0, 9.0, 4.0])  # best 9.0, ties at 1, 3, 6 -> index 1
    out = tournament(f, 500, np.random.default_rng(8), tournament_size=40 * f.size)
    np.testing.assert_array_equal(out, np.ones(500, dtype=np.int64))


def test_tournament_frequencies_match_order_statistics():
    """P(winner is the genome of place r, 0 = best) = ((P - r) / P)^k - ((P - r - 1) / P)^k."""
    p, k = 8, 3
    f = np.random.default_rng(9).permutation(p).astype(np.float64)
    out = tournament(f, 200_000, np.random.default_rng(10), tournament_size=k)
    place = np.argsort(np.argsort(-f))
    expected = ((p - place) / p) ** k - ((p - place - 1) / p) ** k
    np.testing.assert_allclose(freqs(out, p), expected, atol=0.005)


def test_tournament_size_one_is_uniform():
    out = tournament(np.arange(5.0), 100_000, np.random.default_rng(11), tournament_size=1)
    np.testing.assert_allclose(freqs(out, 5), np.full(5, 0.2), atol=0.01)


@pytest.mark.parametrize("k", [0, -1, 2.5])
def test_tournament_bad_size_raises(k, rng):
    with pytest.raises(ConfigError, match="tournament_size"):
        tournament(FITNESS, 3, rng, tournament_size=k)


# ---- rank ----------------------------------------------------------------------------------------------------

def test_rank_frequencies_proportional_to_rank_with_stable_ties():
    f = np.array([5.0, -100.0, 5.0, 1e6])  # ranks: 2, 1, 3, 4 (tie 0 < 2 by index)
    out = rank(f, 200_000, np.random.default_rng(12))
    np.testing.assert_allclose(freqs(out, 4), np.array([2.0, 1.0, 3.0, 4.0]) / 10.0, atol=0.005)


def test_rank_depends_only_on_order():
    f = np.random.default_rng(13).normal(size=30)
    a = rank(f, 300, np.random.default_rng(14))
    np.testing.assert_array_equal(a, rank(np.exp(3.0 * f) - 7.0, 300, np.random.default_rng(14)))


# ---- truncation ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fraction, expected_t", [(0.2, 2), (0.25, 2), (0.35, 4), (1e-9, 1), (1.0, 10)])
def test_truncation_never_below_the_cut_and_uniform_above(fraction, expected_t):
    f = np.array([3.0, -1.0, 0.5, 7.0, 6.0, 2.0, -4.0, 0.0, 1.5, 5.0])
    out = truncation(f, 100_000, np.random.default_rng(15), truncation_fraction=fraction)
    top = np.argsort(-f)[:expected_t]
    assert set(out.tolist()) == set(top.tolist())
    np.testing.assert_allclose(freqs(out, 10)[top], np.full(expected_t, 1.0 / expected_t), atol=0.01)


def test_truncation_ties_at_the_cut_go_to_lower_index():
    out = truncation(np.array([1.0, 2.0, 2.0, 2.0]), 1000, np.random.default_rng(16), truncation_fraction=0.5)
    assert set(out.tolist()) == {1, 2}


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_truncation_bad_fraction_raises(fraction, rng):
    with pytest.raises(ConfigError, match="truncation_fraction"):
        truncation(FITNESS, 3, rng, truncation_fraction=fraction)


def test_get_selection_returns_registered_function():
    assert get_selection("sus") is sus


class ZeroDraws:
    """A stand-in generator whose uniform draws are all exactly 0.0: the edge of the first wheel slot."""

    def random(self, size=None):
        return 0.0 if size is None else np.zeros(size)

    def permutation(self, x):
        return x


@pytest.mark.parametrize("fn", [roulette, sus, rank])
def test_zero_weight_slot_never_picked_even_at_its_edge(fn):
    """A draw of exactly 0 lands on the first genome with positive weight, never on a zero-weight one."""
    f = np.array([-1.0, -1.0, 3.0, 5.0]) if fn is not rank else np.array([1.0, 2.0])
    out = fn(f, 3, ZeroDraws())
    assert out[0] == (2 if fn is not rank else 0)  # sus: only its first pointer sits at 0
    assert fn is rank or np.all(out >= 2)
