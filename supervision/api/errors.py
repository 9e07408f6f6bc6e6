"""Every error leaves as JSON `{"error": ..., "fields": {...}}`; never a stack trace."""

from __future__ import annotations

from typing import Any

import structlog
from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from supervision.crypto import SealError
from supervision.domain.errors import DomainError
from supervision.unavailable import as_unavailable

log = structlog.get_logger(__name__)

STATUS = {"invalid": 422, "conflict": 409, "not_found": 404, "forbidden": 403, "too_large": 413}


class Unauthorized(Exception):
    pass


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


def body(error: str, status: int, fields: dict[str, Any] | None = None) -> Any:
    payload: dict[str, Any] = {"error": printable(error, 1000), "fields": printable(fields or {})}
    request_id = getattr(g, "request_id", None)
    if request_id:
        payload["request_id"] = request_id
    response = jsonify(payload)
    response.status_code = status
    return response


def install(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        return body(exc.message, STATUS.get(exc.category, 422), exc.fields)

    @app.errorhandler(Unauthorized)
    def unauthorized(exc: Unauthorized) -> Any:
        response = body(str(exc), 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="eldercare"'
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
        return body(exc.description or exc.name, exc.code or 500, fields)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        unavailable = as_unavailable(exc)
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
