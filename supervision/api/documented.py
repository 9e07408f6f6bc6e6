"""The flask-smorest `Api` with the error body this API really sends.

flask-smorest documents every error status (and the `default` response) with its own schema
(`code`, `status`, `message`, `errors`), which no response here carries: every error leaves through
`supervision.api.errors` as `ErrorSchema` (`error`, `fields`, `request_id`). This subclass makes the
OpenAPI document say so.

It also makes query arguments obey their schema's `unknown = "raise"`, as the document says
(`additionalProperties: false`): webargs otherwise loads query strings with `EXCLUDE` whatever the
schema says, and an unknown or misspelt parameter (`?stauts=listed`) was silently ignored.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api, Blueprint

from supervision.api.schemas import ErrorSchema
from supervision.idempotency import HEADER as IDEMPOTENCY_HEADER

IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    "description": "Optional, on commands: a retry with the same key of a command that creates a record "
                   "under an id or number the server chooses (a complaint without a ticket, an incident, "
                   "a prepaid entry without its number, a campaign without a reference) records nothing "
                   "and answers 409 naming the record the first attempt stored. Scoped to the command "
                   "and the caller; NFKC-normalised; anything else than 1-128 of A-Z a-z 0-9 . _ : - is "
                   "422.",
}


class IdempotencyKeyPlugin(BasePlugin):  # type: ignore[misc]
    """Documents the optional `Idempotency-Key` header on every write of `/api/v1`
    (supervision/idempotency.py)."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **_: Any) -> None:
        if not path or not path.startswith("/api/v1/"):
            return
        for method, operation in (operations or {}).items():
            if method in ("post", "put", "patch", "delete"):
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))


class DefaultErrorSchema(ErrorSchema):  # type: ignore[misc,valid-type]
    """`ErrorSchema` under its own component name for flask-smorest's per-status and `default`
    responses (registering `ErrorSchema` itself twice makes apispec warn)."""


class DocumentedApi(Api):
    ERROR_SCHEMA = DefaultErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the one parser every flask-smorest Blueprint shares; None = let each schema's Meta decide
        Blueprint.ARGUMENTS_PARSER.unknown = None
        super().__init__(*args, **kwargs)
        plugin = IdempotencyKeyPlugin()
        plugin.init_spec(self.spec)
        self.spec.plugins.append(plugin)
