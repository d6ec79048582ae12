"""Run folders belong to one process and to the command that made them.

- **Lock**: an OS file lock (``flock`` through the ``filelock`` library) on ``.neuroevo.lock`` held for
  the whole run. The kernel drops it when the process ends, however it ends, so the lock of a killed run
  never blocks a resume. A second writer gets :class:`~neuroevo.errors.FolderBusyError` naming the
  holder's pid (read from ``/proc/locks``: nothing is written to find it, so taking the lock changes no
  byte of the folder).
- **Marker**: ``.neuroevo-folder.json`` names the command that made the folder (``evolve``, ``train``,
  ``compare``, ``bench``). A command writes only into a folder that does not exist, an empty one, or
  one whose marker names it; anything else is refused, listing what the folder holds.
- **Temporary files** (``.<name>.<random>.tmp`` of :func:`neuroevo.agent.atomic_write`) left by a killed
  write are removed when a command next takes the folder.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import filelock

from neuroevo.errors import FolderBusyError, FolderOwnershipError, OutputError, output_error

MARKER = ".neuroevo-folder.json"
LOCK = ".neuroevo.lock"
MARKER_FORMAT = "neuroevo-folder"
MARKER_VERSION = 1
#: The commands that own folders.
COMMANDS = ("evolve", "train", "compare", "bench")
_TMP = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")  # tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")
_BOOKKEEPING = {MARKER, LOCK}


def holder_pid(path: Path) -> int | None:
    """Pid of the process holding an ``flock`` on ``path`` (from ``/proc/locks``), or None if unknown."""
    try:
        st = os.stat(path)
        text = Path("/proc/locks").read_text()
    except OSError:
        return None
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in text.splitlines():
        parts = line.split()
        if "->" in parts:  # a waiting request, not a held lock
            continue
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == inode:
            try:
                return int(parts[4])
            except ValueError:
                return None
    return None


class FolderLock:
    """The exclusive lock of a run folder, held from :meth:`acquire` to :meth:`release` (a context manager).

    Raises (from :meth:`acquire`):
        FolderBusyError: another process holds it (the message names its pid).
        OutputError: the lock file cannot be created (read-only folder...).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self._lock = filelock.FileLock(self.path, timeout=0, thread_local=False, fallback_to_soft=False,
                                       preserve_lock_file=True)

    def acquire(self) -> "FolderLock":
        try:
            self._lock.acquire()
        except filelock.Timeout:
            pid = holder_pid(self.path)
            who = f"pid {pid}" if pid else "another process"
            raise FolderBusyError(f"{self.folder} is in use by another neuroevo process ({who}); wait for it "
                                  f"to end or stop it, or choose another folder") from None
        except OSError as e:
            raise output_error(self.path, e, "lock") from None
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def owner(folder: str | Path) -> str | None:
    """The command named by the folder's marker, or None (no marker, or not a valid one)."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT or data.get("command") not in COMMANDS:
        return None
    return data["command"]


def is_temporary(name: str) -> bool:
    """True for the name of a temporary file of :func:`neuroevo.agent.atomic_write`."""
    return bool(_TMP.match(name))


def contents(folder: str | Path) -> list[str]:
    """Names in ``folder`` other than neuroevo's bookkeeping (marker, lock, temporary files), sorted."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n not in _BOOKKEEPING and not is_temporary(n))


def describe(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_owner(folder: Path, command: str) -> None:
    """Refuse a folder that is not empty and not marked as made by ``command``."""
    names = contents(folder)
    made_by = owner(folder)
    if names and made_by != command:
        by = f"made by `neuroevo {made_by}`" if made_by else "not made by neuroevo"
        raise FolderOwnershipError(f"{folder} is {by} and not empty (it holds {describe(names)}); `neuroevo "
                                   f"{command}` writes only into a new or empty folder or one it made: choose "
                                   f"another --out")


def remove_temporary(folder: str | Path) -> list[str]:
    """Delete the temporary files of interrupted writes in ``folder``; returns their names."""
    removed = []
    for name in os.listdir(folder):
        if is_temporary(name):
            try:
                os.unlink(Path(folder) / name)
                removed.append(name)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise output_error(Path(folder) / name, e, "remove") from None
    return removed


def write_marker(folder: str | Path, command: str) -> None:
    """Mark ``folder`` as made by ``command`` (if it is not marked already)."""
    from neuroevo.agent import write_json

    if owner(folder) != command:
        write_json(Path(folder) / MARKER, {"format": MARKER_FORMAT, "version": MARKER_VERSION, "command": command})


def make_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents); OSError -> OutputError naming it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot use {folder} as a folder: it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create the folder {folder}: a file is in the way") from None
    except OSError as e:
        raise output_error(folder, e, "create the folder") from None
    return folder


def claim(folder: str | Path, command: str) -> FolderLock:
    """Take ``folder`` for ``command``: create it, lock it, check its owner, mark it, clean temporary files.

    Returns the held :class:`FolderLock` (release it when the command ends).

    Raises:
        OutputError, FolderBusyError, FolderOwnershipError.
    """
    folder = Path(folder)
    if folder.is_dir():
        check_owner(folder, command)  # before the lock file is made: a refused folder stays as it was
    folder = make_folder(folder)
    lock = FolderLock(folder).acquire()
    try:
        check_owner(folder, command)
        remove_temporary(folder)
        write_marker(folder, command)
    except BaseException:
        lock.release()
        raise
    return lock


def free_folder(name: str) -> Path:
    """``runs/<name>`` (lower case, safe characters), with a numeric suffix while that folder is not empty."""
    base = Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "-", name).lower()
    folder, n = base, 1
    while (folder.exists() and not folder.is_dir()) or contents(folder):
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder
