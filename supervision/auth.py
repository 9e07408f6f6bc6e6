"""Bearer tokens → actors. Tokens are kept as SHA-256 digests, so the file leaks no credential."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from supervision.domain.values import Actor


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """A JSON file `{"tokens": [{"sha256": ..., "user": ..., "agency": ..., "role": ...}]}`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: float | None = None
        self._actors: dict[str, Actor] = {}

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._actors, self._mtime = {}, None
            return
        if mtime == self._mtime:
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._actors = {
            t["sha256"]: Actor(user=t["user"], agency=t["agency"], role=t["role"])
            for t in data.get("tokens", [])
        }
        self._mtime = mtime

    def actor_for(self, token: str) -> Actor | None:
        self._load()
        return self._actors.get(digest(token))

    def issue(self, actor: Actor, token: str | None = None) -> str:
        """Add a token for `actor` and return it (the only time it is shown in clear)."""
        token = token or secrets.token_urlsafe(24)
        data = {"tokens": []}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
        entries = [t for t in data.get("tokens", []) if t["sha256"] != digest(token)]
        entries.append({"sha256": digest(token), **actor.as_dict()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"tokens": entries}, ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        self._mtime = None
        return token
