"""The TokenGrant aggregate: the audit record of a static bearer token's issue and revocation.

Only the token's public id (12 hex digits of its digest) enters the events, never the token or
its full digest. Keyed by the token id, so issuing the same token twice is a conflict.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.values import Actor, deterministic_id


def token_grant_id(token_id: str) -> UUID:
    return deterministic_id("token", token_id)


class TokenAlreadyRevoked(Conflict):
    def __init__(self, token_id: str) -> None:
        super().__init__(f"token {token_id} is already revoked", {"token_id": ["already revoked"]})


class TokenGrant(Aggregate):
    @staticmethod
    def create_id(token_id: str, **_: Any) -> UUID:
        return token_grant_id(token_id)

    @event("Issued")
    def __init__(self, *, token_id: str, user: str, agency: str, role: str, expires_at: str | None,
                 occurred_on: date, actor: Actor, source: str) -> None:
        self.token_id, self.user, self.agency, self.role = token_id, user, agency, role
        self.expires_at = expires_at
        self.issued_on = occurred_on
        self.revoked_on: date | None = None

    def revoke(self, *, reason: str, occurred_on: date, actor: Actor, source: str) -> None:
        if self.revoked_on is not None:
            raise TokenAlreadyRevoked(self.token_id)
        if occurred_on < self.issued_on:
            raise InvalidValue("occurred_on", f"a revocation cannot precede the issue "
                                              f"({self.issued_on.isoformat()})")
        self._revoked(token_id=self.token_id, agency=self.agency, reason=reason, occurred_on=occurred_on,
                      actor=actor, source=source)

    @event("Revoked")
    def _revoked(self, token_id: str, agency: str, reason: str, occurred_on: date, actor: Actor,
                 source: str) -> None:
        self.revoked_on = occurred_on
