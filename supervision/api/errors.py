"""Every error leaves as JSON `{"error": ..., "fields": {...}, "request_id": ...}` with an
`X-Request-Id` header; never a stack trace.

The request id is normally set by the app's first hook; an error raised before it (another hook,
routing) gets one made here, so no error answer of the Flask app is without it (gunicorn's own
answers to requests it cannot parse: infra/gunicorn_errors.py).

Status: 422 invalid input, 401, 403, 404, 409, 413, 415 (a command's body not declared JSON); 503
when the database cannot be used — with ``Retry-After`` when it is unreachable (transient), and
saying "a configuration problem" without ``Retry-After`` when the server refused the configuration
(`StoreMisconfigured`: no such database or role, authentication failed); 500 otherwise, its details
only in the log.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from supervision.api.media_type import EXPECTED, UnsupportedMediaType
from supervision.crypto import SealError
from supervision.domain.errors import DomainError
from supervision.reasons import explained
from supervision.unavailable import StoreMisconfigured, as_unavailable

log = structlog.get_logger(__name__)

STATUS = {"invalid": 422, "conflict": 409, "not_found": 404, "forbidden": 403, "too_large": 413}


class Unauthorized(Exception):
    """401. `error`: RFC 6750 §3.1's code for `WWW-Authenticate` — None when no token was presented,
    `invalid_token` (unknown, revoked, expired) or `invalid_request` (malformed)."""

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


def printable(value: Any, limit: int = 200) -> Any:
    """Error text as valid UTF-8 of bounded length: a refused key or message may hold a lone surrogate
    or be a megabyte long, and must not turn the 422 into a 500 or echo the whole input back."""
    if isinstance(value, str):
        text = value.encode("utf-8", "replace").decode("utf-8")
        return text if len(text) <= limit else text[:limit] + "…"
    if isinstance(value, dict):
        return {printable(k): printable(v, 1000) for k, v in list(value.items())[:200]}
    if isinstance(value, list | tuple):
        return [printable(v, limit) for v in list(value)[:200]]
    return value


def request_id() -> str:
    """This request's id: the one the app's first hook set, or a new one when the error came first."""
    current = getattr(g, "request_id", None)
    if not current:
        current = g.request_id = uuid.uuid4().hex
    return str(current)


def body(error: str, status: int, fields: dict[str, Any] | None = None) -> Any:
    """The error answer: `{"error", "fields", "request_id"}`, and the id in `X-Request-Id`."""
    rid = request_id()
    payload: dict[str, Any] = {"error": printable(error, 1000), "fields": printable(fields or {}),
                               "request_id": rid}
    response = jsonify(payload)
    response.status_code = status
    response.headers["X-Request-Id"] = rid
    return response


def install(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        message, fields = explained(exc)
        return body(message, STATUS.get(exc.category, 422), fields)

    @app.errorhandler(Unauthorized)
    def unauthorized(exc: Unauthorized) -> Any:
        response = body(str(exc), 401)
        challenge = 'Bearer realm="eldercare"'
        if exc.error:
            challenge += f', error="{exc.error}", error_description="{exc}"'
        response.headers["WWW-Authenticate"] = challenge
        return response

    @app.errorhandler(UnsupportedMediaType)
    def unsupported_media_type(exc: UnsupportedMediaType) -> Any:
        response = body(str(exc), 415, {"_body": [f"Content-Type must be {EXPECTED}"]})
        response.headers["Accept-Patch" if request.method == "PATCH" else "Accept-Post"] = EXPECTED
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Any:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return body(f"request body larger than {limit} bytes", 413,
                    {"_body": [f"at most {limit} bytes (MAX_BODY_BYTES)"]})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        fields = {}
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            fields = data["messages"]
        message = exc.description or exc.name
        if exc.code == 422 and fields:  # webargs: {location: {name: [problems]}}: name them up front
            named = sorted({str(n) for place in fields.values() if isinstance(place, dict) for n in place})
            places = ", ".join(sorted(str(p) for p in fields))
            if named:
                message = f"invalid {places} parameters: {', '.join(named)[:300]}"
        return body(message, exc.code or 500, fields)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        unavailable = as_unavailable(exc)
        if isinstance(unavailable, StoreMisconfigured):  # permanent until an operator fixes it
            log.error("database_misconfigured", problem=unavailable.problem, detail=unavailable.detail,
                      permanent=True, hint=unavailable.hint)
            return body(f"{unavailable}; a configuration problem of this server, not of the request "
                        "(its operator must correct the database settings): retrying will not help "
                        "until then", 503)
        if unavailable is not None:
            log.warning("database_unavailable", detail=unavailable.detail)
            response = body(f"{unavailable}; retry later", 503)
            response.headers["Retry-After"] = "5"
            return response
        if isinstance(exc, SealError):
            log.error("seal_error")
            return body("personal data cannot be decrypted with the configured keys", 500)
        log.exception("unhandled_error")
        return body("internal error; the request id identifies it in the logs", 500)
