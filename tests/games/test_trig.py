"""games.trig: packed sin/cos against CPython's libm (math.sin / math.cos), and that LLVM packs it."""

import math
import re

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.trig import REDUCTION_LIMIT, sin_cos, sin_cos_lanes
from neuroevo.networks.simd import prefer_wide_vectors


@numba.njit(cache=True, error_model="numpy")
def _lanes(x):
    prefer_wide_vectors()
    s, c = np.empty_like(x), np.empty_like(x)
    sin_cos_lanes(x, s, c)
    return s, c


@numba.njit(cache=True)
def _scalar(x):
    return sin_cos(x)


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


@pytest.mark.parametrize("bound", [0.3, 4.0, 100.0, REDUCTION_LIMIT])
def test_within_one_ulp_of_libm(bound):
    x = np.random.default_rng(int(bound)).uniform(-bound, bound, 100_000)
    s, c = _lanes(x)
    want_s = np.array([math.sin(v) for v in x])
    want_c = np.array([math.cos(v) for v in x])
    assert _ulps(s, want_s).max() <= 1.0 and _ulps(c, want_c).max() <= 1.0
    assert np.mean(s == want_s) > 0.8 and np.mean(c == want_c) > 0.8  # mostly libm's very bits


def test_cartpole_angles_mostly_have_libm_bits():
    x = np.random.default_rng(0).uniform(-0.3, 0.3, 100_000)
    s, c = _lanes(x)
    assert np.mean(s == np.sin(x)) > 0.97 and np.mean(c == np.cos(x)) > 0.97


def test_beyond_the_reduction_limit_and_special_values_are_libm():
    x = np.array([1e7, -3e300, 2.0**1000, np.inf, -np.inf, np.nan, 0.0, -0.0, 5e-324])
    s, c = _lanes(x)
    for v, got_s, got_c in zip(x, s, c):
        want_s = math.sin(v) if math.isfinite(v) else math.nan
        want_c = math.cos(v) if math.isfinite(v) else math.nan
        np.testing.assert_equal([got_s, got_c], [want_s, want_c])
    assert math.copysign(1.0, s[7]) == -1.0  # sin(-0.0) = -0.0


@settings(max_examples=300, deadline=None)
@given(st.floats(-REDUCTION_LIMIT, REDUCTION_LIMIT, allow_nan=False))
def test_scalar_equals_lanes_and_libm(v):
    s, c = _scalar(v)
    ls, lc = _lanes(np.array([v]))
    assert (s, c) == (ls[0], lc[0])
    for got, want in ((s, math.sin(v)), (c, math.cos(v))):
        assert abs(got - want) <= np.spacing(abs(want)) or got == want


def test_the_lane_loop_is_packed():
    fresh = numba.njit(_lanes.py_func, error_model="numpy")  # cached code keeps no assembly
    fresh(np.zeros(32))
    asm = fresh.inspect_asm(fresh.signatures[0])
    packed = len(re.findall(r"\tv(mul|add|sub)pd\s[^\n]*%[yz]mm", asm))
    assert packed >= 40, packed  # the polynomials and the reduction in vector registers
