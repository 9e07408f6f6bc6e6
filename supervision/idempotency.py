"""Idempotency keys: a client's retry of a command that creates a record never records it twice.

A command that creates a record under an id (or a ledger number) the server chooses — a complaint
taken without a hotline ticket, an incident report, a prepaid-ledger entry without its receipt
number, a spot-check campaign without a reference — would record a second one when the client
retries after losing the answer (a timeout, a 503 after the commit, a dropped connection). With an
`Idempotency-Key` HTTP header on the command, those ids and numbers are derived from the key
instead of drawn at random:

    id = uuid5(NAMESPACE, 'idempotent:<kind>:["<command>", "<agency>", "<user>", "<key>"]:<n>')

so the retry creates the same record under the same id, which the event store refuses as a
version conflict: the answer is `409 Conflict` naming the record already stored, and nothing is
written. A prepaid-ledger number is unique within its facility's ledger, so there a key is the
ledger's: the same key on another facility's ledger records that entry (as the same receipt
number would). The scope (command, agency, user) keeps two clients' keys apart; `n` counts the ids one
command draws, in order, so a command drawing several gets distinct ones, the same on a retry.

Keys: 1-128 characters of `[A-Za-z0-9._:-]` after NFKC (a UUID is the usual choice); anything
else is refused with 422 naming the header. A key sent to a command whose records are keyed by
their natural key already (a facility by its USCC, a fire finding by its number, ...) changes
nothing: those are idempotent by construction (409 on a repeat).

Source: the IETF draft "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key),
except that a repeat answers 409 naming the stored record rather than replaying the first answer
(which is not kept).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID, uuid4

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.values import deterministic_id

HEADER = "Idempotency-Key"
#: where the API's door (`supervision.api.check_request`) leaves the normalised key for `run`
ENVIRON = "eldercare.idempotency_key"
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class _Seed:
    __slots__ = ("drawn", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.drawn = 0

    def next(self, kind: str) -> str:
        self.drawn += 1
        return f"{kind}:{self.text}:{self.drawn}"


_seed: ContextVar[_Seed | None] = ContextVar("eldercare_idempotency_seed", default=None)


def normalise_key(raw: str) -> str:
    """The key as kept: its UTF-8 text, NFKC, then 1-128 of `[A-Za-z0-9._:-]`. Raises `InvalidValue`
    (422) naming the header otherwise.

    A WSGI server hands header values over as latin-1 text (PEP 3333): their bytes are read as
    UTF-8 here, so a full-width key sent in UTF-8 gets its NFKC form, and bytes that are not UTF-8
    are refused rather than folded (a lone 0xB2 is not a "2")."""
    text = raw
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = None  # characters beyond latin-1: already text (an in-process client)
    if data is not None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidValue(HEADER, "must be UTF-8 text") from None
    key = unicodedata.normalize("NFKC", text).strip()
    if not _KEY.fullmatch(key):
        raise InvalidValue(HEADER, "must be 1-128 characters of A-Z a-z 0-9 . _ : - (a UUID, say)")
    return key


@contextmanager
def idempotent(key: str | None, command: str, agency: str, user: str) -> Iterator[None]:
    """Within the block, `fresh_id` and `fresh_number` derive from `key` (scoped to the command and
    the actor); without a key they are random, as before."""
    if key is None:
        yield
        return
    # JSON, not a joined string: user names (OIDC subjects) and keys may hold the separator
    token = _seed.set(_Seed(json.dumps([command, agency, user, key], ensure_ascii=True)))
    try:
        yield
    finally:
        _seed.reset(token)


def fresh_id(kind: str) -> UUID:
    """A new record's id: random, or derived from the request's idempotency key."""
    seed = _seed.get()
    return uuid4() if seed is None else deterministic_id("idempotent", seed.next(kind))


def fresh_number(prefix: str) -> str:
    """A ledger number the server chooses (`R-…`, `F-…`): 16 hex digits, random or derived from the
    request's idempotency key."""
    seed = _seed.get()
    if seed is None:
        return f"{prefix}-{uuid4().hex[:16]}"
    return f"{prefix}-{hashlib.sha256(seed.next(prefix).encode()).hexdigest()[:16]}"


def keyed() -> bool:
    """Does the request being handled carry an idempotency key?"""
    return _seed.get() is not None


def repeated(kind: str, record: object) -> Conflict:
    """The 409 of a retried creation: the first attempt stored `record` under this key."""
    return Conflict(f"{kind} {record} is already recorded under this {HEADER} (the first attempt was "
                    "stored; nothing was written now)", {HEADER: [f"already used: {kind} {record}"]})
