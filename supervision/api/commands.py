"""The one way an HTTP endpoint runs a command: auth → JSON → dispatcher → read-your-writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request

from supervision.api.security import context
from supervision.application import Accepted
from supervision.domain.errors import InvalidCommand


def json_body() -> dict[str, Any]:
    if not request.data:
        return {}
    payload = request.get_json(silent=True)
    if payload is None:
        raise InvalidCommand("malformed JSON body", {"_body": ["not valid JSON"]})
    if not isinstance(payload, Mapping):
        raise InvalidCommand("body must be a JSON object", {"_body": ["must be an object"]})
    return dict(payload)


def run(name: str, **path: Any) -> dict[str, Any]:
    """Run command `name` with the JSON body plus path parameters (which win over the body)."""
    services = current_app.extensions["eldercare"]
    ctx = context()
    services.dispatcher.authorize(name, ctx)
    payload = {**json_body(), **path}
    result: Accepted = services.dispatcher.dispatch(name, payload, ctx)
    services.wait_for(result.notification_id)
    return {
        "id": result.id,
        "version": result.version,
        "notification_id": result.notification_id,
        "data": result.data,
    }


def command_doc(schema: Any, summary: str) -> dict[str, Any]:
    """OpenAPI documentation of a command endpoint (body schema, auth, error responses)."""
    return {
        "summary": summary,
        "security": [{"bearerAuth": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {
            "401": {"description": "missing or unknown token", "content": {"application/json": {"schema": "ErrorSchema"}}},
            "403": {"description": "role not allowed", "content": {"application/json": {"schema": "ErrorSchema"}}},
            "404": {"description": "unknown id", "content": {"application/json": {"schema": "ErrorSchema"}}},
            "409": {"description": "conflict with current state", "content": {"application/json": {"schema": "ErrorSchema"}}},
            "422": {"description": "invalid input, field by field", "content": {"application/json": {"schema": "ErrorSchema"}}},
            "503": {"description": "database unavailable", "content": {"application/json": {"schema": "ErrorSchema"}}},
        },
    }
