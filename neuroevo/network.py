"""Compatibility module: the networks moved to :mod:`neuroevo.networks`; every name is re-exported here."""

from neuroevo.networks import *  # noqa: F401,F403
from neuroevo.networks import __all__  # noqa: F401
