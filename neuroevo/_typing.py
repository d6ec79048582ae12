"""Type aliases shared by neuroevo's annotations (typeshed's names where they exist)."""

from __future__ import annotations

import os
from typing import TypeAlias, Union

#: A file system path given as text or as a path object (typeshed's ``StrPath``).
StrPath: TypeAlias = Union[str, "os.PathLike[str]"]
