"""Elman recurrent layers (Elman 1990, "Finding structure in time", Cognitive Science 14).

A recurrent layer ``l`` is declared with ``NetworkSpec(..., recurrent=(..., True, ...))`` (or
``NetworkSpec.build(..., recurrent=True)`` for every hidden layer). Its genome block is ``W_l`` (n_in x
n_out), ``U_l`` (n_out x n_out, row ``k`` = weights from the layer's previous output ``k``), ``b_l``; it
computes ``h_t = act(x_t @ W_l + h_{t-1} @ U_l + b_l)`` with ``h`` zeroed at each episode start
(:func:`~neuroevo.networks.program.policy_reset`). The step itself is the layered policy program of
:mod:`neuroevo.networks.program`, shared with feed-forward layers, so every game kernel runs both.
"""

from collections.abc import Sequence

from neuroevo.networks.program import policy_reset, policy_step, policy_step_lanes
from neuroevo.networks.spec import Network, NetworkSpec


def elman(n_in: int, hidden: Sequence[int], n_out: int, activation: str = "tanh", output_activation: str = "linear") -> NetworkSpec:
    """Spec ``n_in -> hidden... -> n_out`` with every hidden layer recurrent (Elman)."""
    return NetworkSpec.build(n_in, tuple(hidden), n_out, activation, output_activation, recurrent=True)


__all__ = ["Network", "NetworkSpec", "elman", "policy_reset", "policy_step", "policy_step_lanes"]
