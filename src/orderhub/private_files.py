"""Folders and files only their owner may read: the hub's home, its SQLite database, the key.

The home holds the secret key and, by default, the SQLite database: API tokens (encrypted, with
the key beside them), password hashes, customers' names and addresses. Nobody else on the
machine should read any of it, whatever the umask. So the hub creates them private (home 0700,
files 0600) and, on start, takes the group and world bits off ones that older versions left
open (0755, 0644) — only when this user owns them: a folder someone else set up is theirs to
decide, and the start must not fail over it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["SQLITE_SIBLINGS", "make_private_dir", "make_private_file", "tighten"]

SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside a database, holding the same data."""

_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def make_private_dir(path: Path) -> Path:
    """Create `path` (and any missing parents) with mode 0700, or tighten it if it exists."""
    # mkdir's mode applies to the last folder only; its parents are ordinary folders.
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    tighten(path)
    return path


def make_private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 unless it exists (then tighten it); never truncates."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """Take the group and world permissions off `path` if it exists and this user owns it."""
    if os.name != "posix":
        return  # Windows has no mode bits to speak of: ACLs decide there
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_mode & _OTHERS and info.st_uid == os.geteuid():
        # A read-only file system, say: the start goes on, as it did before this check.
        with contextlib.suppress(OSError):
            path.chmod(stat.S_IMODE(info.st_mode) & ~_OTHERS)
