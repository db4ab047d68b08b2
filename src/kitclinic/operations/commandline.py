"""Small helpers shared by the backup and restore commands."""

from __future__ import annotations

import getpass
import socket


def requested_by() -> str:
    """Who ran the command, for the audit trail: a command line has no logged-in staff user,
    so the operating-system account and host stand in for one."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid, as in some containers
        user = "unknown user"
    return f"{user}@{socket.gethostname()}"


def short_size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} bytes"
    size = size_bytes / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
