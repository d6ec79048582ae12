"""``python -m neuroevo``: the same as the ``neuroevo`` command."""

from neuroevo.cli import entry

entry()
