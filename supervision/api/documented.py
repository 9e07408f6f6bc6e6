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

from flask_smorest import Api, Blueprint

from supervision.api.schemas import ErrorSchema


class DefaultErrorSchema(ErrorSchema):  # type: ignore[misc,valid-type]
    """`ErrorSchema` under its own component name for flask-smorest's per-status and `default`
    responses (registering `ErrorSchema` itself twice makes apispec warn)."""


class DocumentedApi(Api):
    ERROR_SCHEMA = DefaultErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the one parser every flask-smorest Blueprint shares; None = let each schema's Meta decide
        Blueprint.ARGUMENTS_PARSER.unknown = None
        super().__init__(*args, **kwargs)
