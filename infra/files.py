"""Files at rest: `var/` is 0700; the SQLite stores, the keys and the token file are 0600.

SQLite gives its `-wal` and `-shm` files the mode of the database file, so creating the database
file 0600 before the library opens it covers them too. Called by the composition root before the
event store or the read-model store is opened; safe to call any number of times.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if missing; tighten it to 0600 if present."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.close(fd)
    except FileExistsError:
        pass
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if candidate.exists():
            os.chmod(candidate, FILE_MODE)


def sqlite_files(settings: Any) -> list[Path]:
    out: list[Path] = []
    if settings.is_sqlite:
        out.append(settings.sqlite_path())
    views = settings.views_sqlalchemy_url()
    if views.startswith("sqlite"):
        raw = unquote(urlsplit(views).path)
        out.append(Path(raw[1:] if raw.startswith("/") else raw))
    return out


def harden(settings: Any) -> None:
    """`var/` 0700 and every store, key and token file 0600 (creating the SQLite files if needed).

    `var/` is not created here for its own sake: only when a SQLite file is to be written in it (the
    key file and the token file create it when they are written). A process refused at start (no
    such database, a key the store does not know) thus leaves no empty `var/` behind.
    """
    for path in sqlite_files(settings):
        if str(path) not in ("", ":memory:"):
            private_file(path)
    var = Path(settings.var_dir)
    if var.is_dir():
        os.chmod(var, DIR_MODE)
    for path in (settings.secret_key_path, settings.tokens_path):
        if path.exists():
            os.chmod(path, FILE_MODE)
