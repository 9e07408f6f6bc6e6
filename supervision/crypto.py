"""Encryption at rest of personal data (complainants, ID numbers, phone numbers).

Personal fields are sealed with Fernet (AES-128-CBC + HMAC) before they enter an event, so the event
store, backups and the relay only ever hold ciphertext. `MultiFernet` lets operators rotate keys: the
first key seals, every listed key can open.

Each token's 16-byte IV comes from the operating system's CSPRNG (`os.urandom`), as in
`Fernet.encrypt`, but drawn 4 KiB (256 IVs) at a time: `os.urandom` releases the GIL, and a bulk import
sealing a row per call while its saver thread holds the GIL waited about 100 µs to get it back on every
row (a third of its sealing time). A process that forked gets a fresh draw (the pool remembers its
process id), so no two processes ever use the same IV.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from supervision.public.persons import mask_person


class SealError(Exception):
    """A sealed value could not be opened with any configured key."""


class _IVPool:
    """16-byte initialisation vectors from `os.urandom`, 256 per system call; thread-safe; drawn
    again in a forked child (never shared across processes)."""

    SIZE = 16
    PER_DRAW = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0
        self._pid = -1

    def take(self) -> bytes:
        with self._lock:
            if self._at >= len(self._pool) or self._pid != os.getpid():
                self._pool, self._at, self._pid = os.urandom(self.SIZE * self.PER_DRAW), 0, os.getpid()
            iv = self._pool[self._at : self._at + self.SIZE]
            self._at += self.SIZE
            return iv


class Sealer:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        fernets = [Fernet(k) for k in keys]
        self._fernet = MultiFernet(fernets)
        # MultiFernet seals with its first key; `Fernet.encrypt` is `_encrypt_from_parts` with a fresh
        # os.urandom(16) IV (cryptography 1.x to 50, checked by tests/unit/test_sealer.py)
        self._seal_parts = getattr(fernets[0], "_encrypt_from_parts", None)
        self._ivs = _IVPool()

    @staticmethod
    def generate_key() -> bytes:
        return Fernet.generate_key()

    def seal(self, data: dict[str, Any]) -> str:
        """A Fernet token (URL-safe base64 text) of `data` as sorted JSON, sealed with the first key."""
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        if self._seal_parts is None:  # a cryptography release without it: its own IV per token
            return self._fernet.encrypt(payload).decode("ascii")
        token: bytes = self._seal_parts(payload, int(time.time()), self._ivs.take())
        return token.decode("ascii")

    def unseal(self, token: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token.encode("ascii")))
        except InvalidToken as exc:
            raise SealError("personal data cannot be decrypted with the configured keys") from exc

    def seal_optional(self, data: dict[str, Any] | None) -> str | None:
        """Seal only what is present, so an empty form leaves no ciphertext to guard."""
        cleaned = {k: v for k, v in (data or {}).items() if v not in (None, "")}
        return self.seal(cleaned) if cleaned else None


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: names of responsible persons in public outputs (the one rule: `mask_person`)."""
    return mask_person(name)
