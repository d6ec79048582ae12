"""games.borrowed: the same array without reference counting, in jitted code."""

import numba
import numpy as np
import pytest

from games.borrowed import borrowed


@numba.njit
def _sum_rows_doubled(a):
    b = borrowed(a)
    total = 0.0
    for i in range(b.shape[0]):
        row = b[i]  # a view of a borrowed array: no count taken
        for j in range(row.shape[0]):
            row[j] *= 2.0
            total += row[j]
    return total


@numba.njit
def _meta(a):
    b = borrowed(a)
    return b.shape, b.strides, b.ctypes.data == a.ctypes.data


@pytest.mark.parametrize("a", [np.arange(12.0).reshape(3, 4), np.arange(24.0).reshape(4, 6)[::2, 1::2]])
def test_same_data_shape_and_strides(a):
    want = a.copy()
    shape, strides, same = _meta(a)
    assert shape == a.shape and strides == a.strides and same
    assert _sum_rows_doubled(a) == pytest.approx(2.0 * want.sum())
    np.testing.assert_array_equal(a, 2.0 * want)  # writes reach the owner


def test_owner_survives_many_borrowed_views():
    a = np.ones((1000, 3))
    for _ in range(3):
        _sum_rows_doubled(a)
    assert a[0, 0] == 8.0 and a.flags.owndata


def test_not_an_array_is_a_typing_error():
    with pytest.raises(numba.TypingError):
        numba.njit(lambda x: borrowed(x))(1.0)
