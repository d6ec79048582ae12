"""Networks evolved by neuroevo: layered feed-forward / Elman recurrent specs and the kernels' policy seam.

- :mod:`~neuroevo.networks.spec`: :class:`NetworkSpec` (genome layout), :func:`forward`, :class:`Network`.
- :mod:`~neuroevo.networks.program`: the policy program every game kernel steps (``policy_step``).
- :mod:`~neuroevo.networks.feedforward`, :mod:`~neuroevo.networks.activations`: the jitted building blocks.
"""

from neuroevo.networks.activations import ACTIVATIONS, LANES, activate, argmax, exp
from neuroevo.networks.feedforward import forward_into, forward_lanes
from neuroevo.networks.program import (Program, as_program, max_header, policy_reset, policy_step,
                                       policy_step_lanes, reset_lane)
from neuroevo.networks.spec import Network, NetworkSpec, forward

__all__ = ["ACTIVATIONS", "LANES", "Network", "NetworkSpec", "Program", "activate", "argmax", "as_program", "exp",
           "forward", "forward_into", "forward_lanes", "max_header", "policy_reset", "policy_step",
           "policy_step_lanes", "reset_lane"]
