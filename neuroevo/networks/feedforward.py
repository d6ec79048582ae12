"""Feed-forward layer kernels: one network (``forward_into``) and ``LANES`` networks at once (``forward_lanes``).

Genome layout of a feed-forward layer: ``W_l`` of shape ``(n_in, n_out)`` in row-major order, then ``b_l``
of shape ``(n_out,)``; the layer computes ``y = act(x @ W_l + b_l)``. These kernels take arrays and scalars
only; the game kernels reach them through the policy seam (:mod:`neuroevo.networks.program`).
"""

import numba
import numpy as np

from neuroevo.networks.activations import activate, activate_any
from neuroevo.networks.simd import fma
from neuroevo.networks.simd_tanh import tanh_fast

@numba.njit(cache=True, error_model="numpy")
def forward_into(genome, sizes, codes, x, buf):
    """Forward pass of one network, written into the scratch buffer ``buf``.

    Args:
        genome: (n_params,) float64 flat weights (layout in the module docstring).
        sizes: (L + 1,) int64 layer sizes, inputs first.
        codes: (L,) int64 activation codes of the layers.
        x: (sizes[0],) float input; read before anything is written.
        buf: (2, max(sizes)) float64 scratch.

    Returns:
        A (sizes[-1],) float64 view into ``buf``: valid until the next call with the same buffer.
    """
    src, dst = buf[0], buf[1]
    for i in range(sizes[0]):
        src[i] = x[i]
    off = 0
    for layer in range(sizes.shape[0] - 1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        b_off = off + n_in * n_out
        code = codes[layer]
        for j in range(n_out):
            s = genome[b_off + j]
            for i in range(n_in):
                s = fma(src[i], genome[off + i * n_out + j], s)
            dst[j] = activate(s, code)
        off = b_off + n_out
        src, dst = dst, src
    return src[: sizes[sizes.shape[0] - 1]]


@numba.njit(cache=True, inline="always")
def activate_rows(block, rows, code):
    """``activate`` on ``block[:rows, :]`` (rows, lanes) in place, one loop per activation code so that
    each loop has a constant code and vectorises across the lanes (a shared ``code`` argument would not).
    In the block's precision: float32 blocks (``dtype="float32"`` networks) use :func:`activate32`. A float64
    tanh block of whole vectors goes through :func:`~neuroevo.networks.simd_tanh.tanh_fast` (the same bits)."""
    lanes = block.shape[1]
    if code == 1:
        if tanh_fast(block, rows):
            return
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate_any(block[j, lane], 1)
    elif code == 2:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate_any(block[j, lane], 2)
    elif code == 3:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate_any(block[j, lane], 3)
    elif code == 4:
        for j in range(rows):
            for lane in range(lanes):
                block[j, lane] = activate_any(block[j, lane], 4)


@numba.njit(cache=True, error_model="numpy")
def forward_lanes(wt, sizes, codes, x, buf_a, buf_b):
    """Forward pass of ``LANES`` networks at once, vectorised across the lanes (the last axis).

    Same operations in the same order as :func:`forward_into`, so each lane's output has the same bits.

    Args:
        wt: (n_params, LANES) float64: column ``l`` is lane ``l``'s genome.
        sizes, codes: as in :func:`forward_into`.
        x: (sizes[0], LANES) float64 inputs.
        buf_a, buf_b: (max(sizes), LANES) float64 scratch.

    Returns:
        (sizes[-1], LANES) view into one of the scratch buffers.
    """
    lanes = wt.shape[1]
    for i in range(sizes[0]):
        for lane in range(lanes):
            buf_a[i, lane] = x[i, lane]
    src, dst = buf_a, buf_b
    off = 0
    for layer in range(sizes.shape[0] - 1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        b_off = off + n_in * n_out
        code = codes[layer]
        for j in range(n_out):
            for lane in range(lanes):
                dst[j, lane] = wt[b_off + j, lane]
            for i in range(n_in):
                row = off + i * n_out + j
                for lane in range(lanes):
                    dst[j, lane] = fma(src[i, lane], wt[row, lane], dst[j, lane])
        activate_rows(dst, n_out, code)
        off = b_off + n_out
        src, dst = dst, src
    return src[: sizes[sizes.shape[0] - 1]]


