"""Mutation: the contract every registered function must meet, then each one's distribution."""

import numpy as np
import pytest

from neuroevo.errors import ConfigError
from neuroevo.operators import MUTATION, get_mutation
from neuroevo.operators.mutation import gaussian, reset, sign_flip, uniform
from tests.operators import naive_operators as naive


def genomes(spec, m=32, seed=0):
    """Genomes with no zero and outside every initialiser range: every mutation changes every value."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], (m, spec.n_params)) * rng.uniform(5.0, 10.0, (m, spec.n_params))


# ---- contract (every registered mutation) ----------------------------------------------------------------

def test_shape_dtype_new_array_input_untouched(mutation_name, spec, rng):
    g = genomes(spec)
    g0 = g.copy()
    out = MUTATION[mutation_name](g, 0.5, 0.3, spec, rng)
    assert out.shape == g.shape and out.dtype == np.float64 and not np.shares_memory(out, g)
    np.testing.assert_array_equal(g, g0)


def test_rate_zero_is_identity(mutation_name, spec, rng):
    g = genomes(spec)
    out = MUTATION[mutation_name](g, 0.0, 0.5, spec, rng)
    np.testing.assert_array_equal(out, g)
    assert not np.shares_memory(out, g)


def test_rate_one_changes_every_parameter(mutation_name, spec, rng):
    g = genomes(spec)
    out = MUTATION[mutation_name](g, 1.0, 0.5, spec, rng)
    assert np.all(out != g)


def test_sign_flip_keeps_zeros(spec, rng):
    g = genomes(spec)
    g[:, ::2] = 0.0
    out = sign_flip(g, 1.0, 0.0, spec, rng)
    np.testing.assert_array_equal(out, -g)


def test_fraction_mutated_close_to_rate(mutation_name, spec):
    g = genomes(spec, m=4000 // spec.n_params + 200)
    out = MUTATION[mutation_name](g, 0.15, 0.5, spec, np.random.default_rng(1))
    assert abs((out != g).mean() - 0.15) < 0.02


def test_same_seed_same_result(mutation_name, spec):
    g, fn = genomes(spec), MUTATION[mutation_name]
    np.testing.assert_array_equal(fn(g, 0.4, 0.5, spec, np.random.default_rng(2)),
                                  fn(g, 0.4, 0.5, spec, np.random.default_rng(2)))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("rate", [0.15, 1.0])
def test_matches_naive(mutation_name, spec, seed, rate):
    g = genomes(spec, m=7, seed=seed)
    got = MUTATION[mutation_name](g, rate, 0.7, spec, np.random.default_rng(seed))
    want = naive.mutation(mutation_name, g, rate, 0.7, spec, np.random.default_rng(seed))
    np.testing.assert_array_equal(got, want)


def test_zero_genomes(mutation_name, spec, rng):
    assert MUTATION[mutation_name](np.zeros((0, spec.n_params)), 0.5, 0.5, spec, rng).shape == (0, spec.n_params)


@pytest.mark.parametrize("rate, scale", [(-0.1, 0.5), (1.1, 0.5), (np.nan, 0.5), (0.1, -1.0), (0.1, np.inf),
                                         (0.1, np.nan)])
def test_bad_rate_or_scale_raises(mutation_name, spec, rng, rate, scale):
    with pytest.raises(ConfigError, match="mutation (rate|scale)"):
        MUTATION[mutation_name](genomes(spec), rate, scale, spec, rng)


@pytest.mark.parametrize("shape", [(4,), (4, 1), (2, 4, 1)], ids=["1d", "width", "3d"])
def test_bad_shape_raises(mutation_name, spec, rng, shape):
    bad = np.zeros(tuple(spec.n_params + 1 if s == 1 else s for s in shape))
    with pytest.raises(ValueError, match="genomes must have shape"):
        MUTATION[mutation_name](bad, 0.5, 0.5, spec, rng)


# ---- distributions ------------------------------------------------------------------------------------------

def deltas(fn, scale, n=100_000):
    from tests.operators.conftest import SPECS
    spec = SPECS[1]
    g = np.zeros((n // spec.n_params, spec.n_params))
    return fn(g, 1.0, scale, spec, np.random.default_rng(3)).ravel()


def test_uniform_perturbation_is_uniform_in_plus_minus_scale():
    d = deltas(uniform, 0.5)
    assert d.min() >= -0.5 and d.max() <= 0.5
    np.testing.assert_allclose(np.histogram(d, bins=10, range=(-0.5, 0.5))[0] / d.size, 0.1, atol=0.01)


def test_gaussian_perturbation_has_std_scale():
    d = deltas(gaussian, 0.3)
    assert abs(d.mean()) < 0.01 and abs(d.std() - 0.3) < 0.01
    assert abs(np.mean(np.abs(d) < 0.3) - 0.6827) < 0.01


def test_scale_zero_changes_nothing_for_additive_mutations(spec, rng):
    g = genomes(spec)
    for fn in (uniform, gaussian):
        np.testing.assert_array_equal(fn(g, 1.0, 0.0, spec, rng), g)


def test_reset_redraws_from_the_initialiser(spec):
    g = genomes(spec, m=3000)
    out = reset(g, 1.0, 123.0, spec, np.random.default_rng(4))  # scale is unused
    lim = spec.init_limits
    assert np.all(np.abs(out) <= lim)
    np.testing.assert_array_equal(out[:, lim == 0.0], 0.0)  # biases start at 0
    weights = out[:, lim > 0.0] / lim[lim > 0.0]  # U(-1, 1) after scaling back
    assert abs(weights.mean()) < 0.03 and abs(weights.var() - 1.0 / 3.0) < 0.02


def test_get_mutation_returns_registered_function():
    assert get_mutation("sign_flip") is sign_flip
