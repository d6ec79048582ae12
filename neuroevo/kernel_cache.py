"""Keep Numba's on-disk kernel cache true to the sources after an update (``git pull``, an edited checkout).

Numba's ``cache=True`` checks only the source file of the function it loads: a cached kernel that calls a
jitted function of *another* module keeps the old machine code when only that other module changes (seen
here: after a change of the car's physics, a stale kernel gave wrong car returns). :func:`refresh` closes
the gap: it hashes every source file of the given package folders that uses Numba, and when the hash differs
from the one recorded at the last refresh, deletes the cached index and data files (``*.nbi``, ``*.nbc``) of
those folders, so each kernel compiles once more. It writes only inside the folders' own ``__pycache__``
directories (where Numba writes), never an environment variable or a global setting; a folder that cannot be
written is left alone (Numba then caches elsewhere and recompiles by itself).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

STAMP = "neuroevo-kernel-sources.sha256"


def sources_digest(folders: list[Path]) -> str:
    """SHA-256 over the path and content of every ``.py`` file below ``folders`` that mentions numba."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            data = path.read_bytes()
            if b"numba" in data:
                h.update(str(path.relative_to(folder.parent)).encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def refresh(folders: list[Path]) -> bool:
    """Delete the Numba cache files below ``folders`` if their Numba sources changed since the last call.

    Args:
        folders: package folders (``neuroevo/``, ``games/``); the stamp lives in the first one's
            ``__pycache__``.

    Returns:
        True if stale cache files were deleted (or there was no stamp yet), False if the cache was current or
        the folders cannot be written.
    """
    stamp = folders[0] / "__pycache__" / STAMP
    try:
        digest = sources_digest(folders)
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return False
        for folder in folders:
            for cached in [*folder.rglob("*.nbi"), *folder.rglob("*.nbc")]:
                cached.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        part = stamp.with_name(f"{STAMP}.{os.getpid()}.part")
        part.write_text(digest + "\n")
        os.replace(part, stamp)
        return True
    except OSError:  # a read-only install: Numba uses its user-wide cache there
        return False


def refresh_package() -> bool:
    """:func:`refresh` for the installed ``neuroevo`` and ``games`` packages (called once at import)."""
    here = Path(__file__).resolve().parent
    folders = [here] + [p for p in (here.parent / "games",) if (p / "__init__.py").is_file()]
    return refresh(folders)
