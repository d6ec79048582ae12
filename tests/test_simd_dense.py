"""The explicit-vector dense layer (``neuroevo.networks.simd_dense``) against a scalar reference, bit for bit."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuroevo.networks.activations import activate
from neuroevo.networks.simd import fma
from neuroevo.networks.simd_dense import dense_fast, dense_tanh_fast


@numba.njit
def _reference(wt, off, n_in, n_out, b_off, src, dst):
    """One lane and one output at a time: the bias, then ``i = 0, 1, ...``, each a fused multiply-add."""
    for lane in range(wt.shape[1]):
        for j in range(n_out):
            s = wt[b_off + j, lane]
            for i in range(n_in):
                s = fma(src[i, lane], wt[off + i * n_out + j, lane], s)
            dst[j, lane] = s


@numba.njit
def _fast(wt, off, n_in, n_out, b_off, src, dst):
    return dense_fast(wt, off, n_in, n_out, b_off, src, dst)


def _case(n_in, n_out, lanes, dtype, seed):
    rng = np.random.default_rng(seed)
    off = int(rng.integers(0, 3))
    wt = rng.normal(0, 1, (off + n_in * n_out + n_out, lanes)).astype(dtype)
    src = rng.normal(0, 1, (max(n_in, 1) + 1, lanes)).astype(dtype)
    return wt, off, off + n_in * n_out, src


@settings(max_examples=60, deadline=None)
@given(n_in=st.integers(0, 20), n_out=st.integers(1, 19), chunks=st.sampled_from([1, 2, 3, 4, 5, 8]),
       dtype=st.sampled_from([np.float64, np.float32]), seed=st.integers(0, 2**16))
def test_equals_the_scalar_sums_bit_for_bit(n_in, n_out, chunks, dtype, seed):
    wt, off, b_off, src = _case(n_in, n_out, 8 * chunks, dtype, seed)
    want, got = np.zeros((n_out + 1, 8 * chunks), dtype), np.full((n_out + 1, 8 * chunks), 7.0, dtype)
    _reference(wt, off, n_in, n_out, b_off, src, want)
    assert _fast(wt, off, n_in, n_out, b_off, src, got)
    np.testing.assert_array_equal(got[:n_out], want[:n_out])
    assert np.all(got[n_out] == 7.0)  # rows past n_out untouched


def test_close_to_numpy_matmul():
    wt, off, b_off, src = _case(16, 5, 32, np.float64, 1)
    got = np.zeros((5, 32))
    assert _fast(wt, off, 16, 5, b_off, src, got)
    for lane in range(32):
        w = wt[off:b_off, lane].reshape(16, 5)
        np.testing.assert_allclose(got[:, lane], src[:16, lane] @ w + wt[b_off:b_off + 5, lane], rtol=1e-12)


@pytest.mark.parametrize("lanes", [4, 12])
def test_blocks_that_are_not_whole_vectors_are_left_to_the_caller(lanes):
    wt, off, b_off, src = _case(3, 2, lanes, np.float64, 2)
    dst = np.full((2, lanes), 7.0)
    assert not _fast(wt, off, 3, 2, b_off, src, dst)
    assert np.all(dst == 7.0)


def test_strided_columns_are_left_to_the_caller():
    wt, off, b_off, src = _case(3, 2, 16, np.float64, 3)
    dst = np.full((2, 16), 7.0)
    assert not _fast(wt[:, ::2], off, 3, 2, b_off, src[:, ::2], dst[:, ::2])
    assert np.all(dst == 7.0)


def test_packed_fused_multiply_adds_in_the_assembly():
    """The float64 sums are ``vfmadd...pd`` on 512-bit registers where the CPU has AVX-512, else 256-bit."""
    fresh = numba.njit(_fast.py_func)
    wt, off, b_off, src = _case(4, 16, 32, np.float64, 4)
    fresh(wt, off, 4, 16, b_off, src, np.zeros((16, 32)))
    asm = next(iter(fresh.inspect_asm().values()))
    packed = [line for line in asm.splitlines() if "vfmadd" in line and "pd" in line]
    assert packed and all("zmm" in line or "ymm" in line for line in packed)


@numba.njit
def _reference_tanh(wt, off, n_in, n_out, b_off, src, dst):
    _reference(wt, off, n_in, n_out, b_off, src, dst)
    for j in range(n_out):
        for lane in range(wt.shape[1]):
            dst[j, lane] = activate(dst[j, lane], 1)


@numba.njit
def _fast_tanh(wt, off, n_in, n_out, b_off, src, dst):
    return dense_tanh_fast(wt, off, n_in, n_out, b_off, src, dst)


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(0, 20), n_out=st.integers(1, 19), chunks=st.sampled_from([1, 2, 3, 4, 5, 8]),
       scale=st.sampled_from([0.1, 1.0, 40.0]), seed=st.integers(0, 2**16))
def test_the_fused_tanh_equals_the_sums_then_activate_bit_for_bit(n_in, n_out, chunks, scale, seed):
    wt, off, b_off, src = _case(n_in, n_out, 8 * chunks, np.float64, seed)
    wt *= scale
    want, got = np.zeros((n_out + 1, 8 * chunks)), np.full((n_out + 1, 8 * chunks), 7.0)
    _reference_tanh(wt, off, n_in, n_out, b_off, src, want)
    assert _fast_tanh(wt, off, n_in, n_out, b_off, src, got)
    assert np.array_equal(got[:n_out].view(np.int64), want[:n_out].view(np.int64))
    assert np.all(got[n_out] == 7.0)


def test_the_fused_tanh_leaves_float32_and_partial_vectors_to_the_caller():
    for lanes, dtype in ((16, np.float32), (12, np.float64)):
        wt, off, b_off, src = _case(3, 2, lanes, dtype, 5)
        dst = np.full((2, lanes), 7.0, dtype)
        assert not _fast_tanh(wt, off, 3, 2, b_off, src, dst)
        assert np.all(dst == 7.0)
