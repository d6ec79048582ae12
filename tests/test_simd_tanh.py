"""The interleaved packed tanh (``neuroevo.networks.simd_tanh``) against ``activate(z, 1)``, bit for bit."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuroevo.networks.activations import activate
from neuroevo.networks.simd_tanh import tanh_fast

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -1e-310, 1e-300, 354.0, -354.0, 354.5, -354.5, 1e300,
           -1e300, 19.06, -19.06, 0.5 * np.log(2), 1e-8]


@numba.njit
def _reference(block, rows):
    for j in range(rows):
        for lane in range(block.shape[1]):
            block[j, lane] = activate(block[j, lane], 1)


@numba.njit
def _fast(block, rows):
    return tanh_fast(block, rows)


def _same_bits(a, b):
    return np.array_equal(a.view(np.int64), b.view(np.int64))


def _check(z, rows):
    want, got = z.copy(), z.copy()
    _reference(want, rows)
    assert _fast(got, rows)
    assert _same_bits(got, want)


@pytest.mark.parametrize("chunks", [1, 2, 3, 4, 5, 8])
def test_equals_activate_bit_for_bit_over_scales_and_special_values(chunks):
    rng = np.random.default_rng(chunks)
    z = np.concatenate([rng.normal(0, s, 4096) for s in (1e-6, 0.1, 1, 5, 30, 400)] + [np.array(SPECIAL)])
    lanes = 8 * chunks
    z = np.resize(z, (-(-z.size // lanes), lanes))
    _check(z, z.shape[0])


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=8, max_size=8),
       chunks=st.sampled_from([1, 4, 5]))
def test_any_float_gives_activates_bits(values, chunks):
    _check(np.tile(np.array(values), (2, chunks)), 2)


def test_rows_past_the_count_are_untouched():
    z = np.random.default_rng(0).normal(0, 3, (5, 32))
    got = z.copy()
    assert _fast(got, 3)
    assert _same_bits(got[3:], z[3:])


@pytest.mark.parametrize("block", [np.zeros((2, 12)), np.zeros((2, 32))[:, ::2], np.zeros((2, 16), np.float32)],
                         ids=["not-whole-vectors", "strided", "float32"])
def test_other_blocks_are_left_to_the_caller(block):
    block += 0.5
    assert not _fast(block, 2)
    assert np.all(block == 0.5)


def test_close_to_numpy_tanh():
    z = np.random.default_rng(1).normal(0, 4, (4, 32))
    got = z.copy()
    assert _fast(got, 4)
    np.testing.assert_allclose(got, np.tanh(z), rtol=0, atol=5e-16)
