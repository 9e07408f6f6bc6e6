"""The one way an HTTP endpoint runs a command: auth → JSON → dispatcher → read-your-writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request

from supervision.api.media_type import check_json
from supervision.api.schemas import AcceptedSchema, ErrorSchema
from supervision.api.security import context
from supervision.application import Accepted, recording_writes
from supervision.commands.fields import contradictions
from supervision.domain.errors import InvalidCommand
from supervision.idempotency import ENVIRON as IDEMPOTENCY_ENVIRON
from supervision.idempotency import idempotent


def services() -> Any:
    """The composition root the app was created with (views, dispatcher, tokens)."""
    return current_app.extensions["eldercare"]


def json_body() -> dict[str, Any]:
    """The command's JSON object. Required, as the OpenAPI document declares (`requestBody.required`):
    an absent body is 422, `{}` is the body of a command whose fields are all optional. A body declared
    as anything but JSON is 415 (`media_type.check_json`), before it is read."""
    check_json()
    if not request.data:
        raise InvalidCommand("a JSON object body is required ({} when every field is optional)",
                             {"_body": ["required"]})
    payload = request.get_json(silent=True)
    if payload is None:
        raise InvalidCommand("malformed JSON body", {"_body": ["not valid JSON"]})
    if not isinstance(payload, Mapping):
        raise InvalidCommand("body must be a JSON object", {"_body": ["must be an object"]})
    return dict(payload)


def with_path(body: dict[str, Any], path: Mapping[str, Any]) -> dict[str, Any]:
    """The body with the path's parameters (`/prepaid/{uscc}/receipts`: the USCC is the path's). A
    body that names one of them too must name the same (`restates`): another one, or one no field
    could hold (it would never be validated), is 422, never silently overridden."""
    clashing = contradictions(body, path)
    if clashing:
        raise InvalidCommand("the body contradicts the path", clashing)
    return {**body, **path}


#: the header of a 202: `view=notifications behind, ...` (sorted by view name)
LAG_HEADER = "X-Read-Models-Lag"
Response = dict[str, Any] | tuple[dict[str, Any], int, dict[str, str]]


def run(name: str, **path: Any) -> Response:
    """Run command `name` with the JSON body plus path parameters (which win over the body).

    `Idempotency-Key` (optional header): a retry of a command that creates a record under an id or
    number the server chooses records nothing twice; it answers 409 naming the stored record
    (supervision/idempotency.py).

    Read-your-writes, honestly: the answer waits (at most ELDERCARE_READ_MODELS_WAIT_S, 2 s) until
    every view the write changes shows it: those with a handler for one of the events the command
    saved, and the timeline (`Container.views_showing`). Views with no handler for them show the
    same before and after, so waiting for them (each other command's backlog) bought nothing but
    time. If one does not, the answer is `202 Accepted` instead of the endpoint's 200/201: the
    write is durable, and `read_models.lag` plus the `X-Read-Models-Lag` header name the views
    still behind and by how many notifications.
    """
    root = services()
    ctx = context()
    root.dispatcher.authorize(name, ctx)
    key = request.environ.get(IDEMPOTENCY_ENVIRON)  # normalised (or refused: 422) at the door
    payload = with_path(json_body(), path)
    with recording_writes() as written, idempotent(key, name, ctx.actor.agency, ctx.actor.user):
        result: Accepted = root.dispatcher.dispatch(name, payload, ctx)
    body: dict[str, Any] = {
        "id": result.id,
        "version": result.version,
        "notification_id": result.notification_id,
        "data": result.data,
    }
    showing = getattr(root, "views_showing", None)
    views = showing(written) if showing is not None and result.notification_id is not None else None
    if result.notification_id is None or root.wait_for(result.notification_id, views=views):
        return body
    lag_of = getattr(root, "read_models_lag", None)
    lag: dict[str, int] = lag_of(result.notification_id, views) if lag_of else {}
    if lag_of and not lag:
        return body  # caught up while we looked
    settings = getattr(root, "settings", None)
    body["read_models"] = {"caught_up": False, "lag": lag,
                           "waited_s": getattr(settings, "read_models_wait_s", None)}
    header = ", ".join(f"{view}={behind}" for view, behind in sorted(lag.items())) or "unknown"
    return body, 202, {LAG_HEADER: header}


ERROR_RESPONSES = {
    "401": "missing or unknown token",
    "403": "role not allowed",
    "404": "unknown id",
    "409": "conflict with current state",
    "415": "the body is not declared `Content-Type: application/json`",
    "422": "invalid input, field by field",
    "503": "database unavailable",
}
READ_MODELS_LAGGING = (
    f"accepted and durable, but some views did not show it within the bound: `read_models.lag` and "
    f"the `{LAG_HEADER}` header name them (view=notifications behind)"
)


def command_doc(schema: Any, summary: str) -> dict[str, Any]:
    """OpenAPI documentation of a command endpoint (body schema, auth, error responses)."""
    return {
        "summary": summary,
        "security": [{"bearerAuth": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {
            "202": {"description": READ_MODELS_LAGGING,
                    "headers": {LAG_HEADER: {"schema": {"type": "string"},
                                             "description": "e.g. `credit_lists=3, timeline=1`"}},
                    "content": {"application/json": {"schema": AcceptedSchema}}},
            # the schema object, not its name: "ErrorSchema" by name resolves to flask-smorest's own
            **{code: {"description": text, "content": {"application/json": {"schema": ErrorSchema}}}
               for code, text in ERROR_RESPONSES.items()},
        },
    }
