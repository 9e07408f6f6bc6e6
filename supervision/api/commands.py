"""The one way an HTTP endpoint runs a command: auth → JSON → dispatcher → read-your-writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request

from supervision.api.schemas import ErrorSchema
from supervision.api.security import context
from supervision.application import Accepted
from supervision.domain.errors import InvalidCommand


def services() -> Any:
    """The composition root the app was created with (views, dispatcher, tokens)."""
    return current_app.extensions["eldercare"]


def json_body() -> dict[str, Any]:
    """The command's JSON object. Required, as the OpenAPI document declares (`requestBody.required`):
    an absent body is 422, `{}` is the body of a command whose fields are all optional."""
    if not request.data:
        raise InvalidCommand("a JSON object body is required ({} when every field is optional)",
                             {"_body": ["required"]})
    payload = request.get_json(silent=True)
    if payload is None:
        raise InvalidCommand("malformed JSON body", {"_body": ["not valid JSON"]})
    if not isinstance(payload, Mapping):
        raise InvalidCommand("body must be a JSON object", {"_body": ["must be an object"]})
    return dict(payload)


def run(name: str, **path: Any) -> dict[str, Any]:
    """Run command `name` with the JSON body plus path parameters (which win over the body)."""
    root = services()
    ctx = context()
    root.dispatcher.authorize(name, ctx)
    payload = {**json_body(), **path}
    result: Accepted = root.dispatcher.dispatch(name, payload, ctx)
    root.wait_for(result.notification_id)
    return {
        "id": result.id,
        "version": result.version,
        "notification_id": result.notification_id,
        "data": result.data,
    }


ERROR_RESPONSES = {
    "401": "missing or unknown token",
    "403": "role not allowed",
    "404": "unknown id",
    "409": "conflict with current state",
    "422": "invalid input, field by field",
    "503": "database unavailable",
}


def command_doc(schema: Any, summary: str) -> dict[str, Any]:
    """OpenAPI documentation of a command endpoint (body schema, auth, error responses)."""
    return {
        "summary": summary,
        "security": [{"bearerAuth": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {
            # the schema object, not its name: "ErrorSchema" by name resolves to flask-smorest's own
            code: {"description": text, "content": {"application/json": {"schema": ErrorSchema}}}
            for code, text in ERROR_RESPONSES.items()
        },
    }
