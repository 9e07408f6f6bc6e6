"""Encryption at rest of personal data (complainants, ID numbers, phone numbers).

Personal fields are sealed with Fernet (AES-128-CBC + HMAC) before they enter an event, so the event
store, backups and the relay only ever hold ciphertext. `MultiFernet` lets operators rotate keys: the
first key seals, every listed key can open.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from supervision.public.persons import mask_person


class SealError(Exception):
    """A sealed value could not be opened with any configured key."""


class Sealer:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @staticmethod
    def generate_key() -> bytes:
        return Fernet.generate_key()

    def seal(self, data: dict[str, Any]) -> str:
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        return self._fernet.encrypt(payload).decode("ascii")

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
