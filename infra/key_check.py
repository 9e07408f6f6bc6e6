"""The store remembers which keys sealed its personal data, so a process with another key refuses to start.

Why: personal data is sealed (Fernet) with the key in `var/secret.key` or `ELDERCARE_SECRET_KEYS`. A
process started against an existing PostgreSQL store from another var dir would otherwise generate a new
key and seal new data with it: the old data unreadable to it, the new data unreadable to the others.

Shape: table `eldercare_store_keys (fingerprint TEXT PRIMARY KEY, added_at TEXT)` beside the views;
a fingerprint is HMAC-SHA256(key, "eldercare-store-key-check"), first 32 hex digits — it reveals nothing of
the key. At start:

- no fingerprint recorded yet (a new store, or one from before this check): record the current keys';
- one of the current keys is recorded: record the others (a key rotation adds the new key first);
- none is: `StoreKeyMismatch` (a `SettingsError`: the CLI exits 78, `eldercare serve` stops, it does not
  restart a child that can never succeed).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from infra.settings import SettingsError

CHECK = b"eldercare-store-key-check"
metadata = sa.MetaData()
store_keys = sa.Table(
    "eldercare_store_keys", metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("added_at", sa.String(32), nullable=False),
)


class StoreKeyMismatch(SettingsError):
    """None of the configured keys is one this store's personal data was sealed with."""


def fingerprint(key: bytes) -> str:
    """HMAC-SHA256 of a constant under `key` (the Fernet key as configured), 32 hex digits."""
    return hmac.new(key.strip(), CHECK, hashlib.sha256).hexdigest()[:32]


def mismatch(where: str, known: set[str], this: str) -> StoreKeyMismatch:
    """The refusal of a process whose key (from `where`; `this` says which, or that there is none)
    is not among the `known` fingerprints of the store."""
    return StoreKeyMismatch(
        f"the personal data in this store was sealed with another key than {where} (fingerprints "
        f"known: {', '.join(sorted(known))}; {this}). Restore the store's var/secret.key or set "
        "ELDERCARE_SECRET_KEYS to it (a new key goes first, the old ones after it); a new key is never "
        "generated beside existing data.")


def known_fingerprints(engine: Engine) -> set[str]:
    """The fingerprints this store has recorded; empty for a new store (no table yet)."""
    if not sa.inspect(engine).has_table(store_keys.name):
        return set()
    with engine.connect() as conn:
        return set(conn.execute(sa.select(store_keys.c.fingerprint)).scalars())


def verify_store_key(engine: Engine, keys: list[bytes], where: str) -> None:
    """Refuse (`StoreKeyMismatch`) when the store knows keys and none of `keys` is among them;
    otherwise record the fingerprints of `keys` not yet known. `where` names the key's source."""
    mine = [fingerprint(k) for k in keys]
    for attempt in range(2):  # two processes creating the table at once: the loser reads again
        try:
            metadata.create_all(engine, checkfirst=True)
            with engine.begin() as conn:
                known = set(conn.execute(sa.select(store_keys.c.fingerprint)).scalars())
                if known and not known.intersection(mine):
                    raise mismatch(where, known, f"this key: {mine[0]}")
                now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                for fp in mine:
                    if fp not in known:
                        conn.execute(store_keys.insert().values(fingerprint=fp, added_at=now))
            return
        except (IntegrityError, ProgrammingError, OperationalError):
            if attempt:
                raise
