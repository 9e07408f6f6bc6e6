"""The front server's own errors in the API's JSON error shape.

gunicorn answers a request it cannot parse (non-ASCII or malformed request line, oversized
headers, ...) itself, before Flask sees it, with an HTML page. Every error of this server is
`{"error": ..., "fields": {}, "request_id": ...}` with an `X-Request-Id` header (the OpenAPI
`ErrorSchema`), so the worker class below writes that instead, and logs one `request_refused` line
with the same id (the request never reached Flask, whose hooks give every other answer its id).
gunicorn has no hook for the body of these answers: its workers call `gunicorn.util.write_error`,
which this module replaces in the worker processes that import it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import structlog
from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

log = structlog.get_logger(__name__)

#: what a request line with raw (not percent-encoded) non-ASCII bytes gets instead of gunicorn's echo of
#: those bytes decoded as Latin-1 (unreadable mojibake such as `\u00e5\\x9f\\x8e` for 城)
NON_ASCII_REQUEST_LINE = ("the URL must be ASCII: percent-encode non-ASCII characters "
                          "(RFC 3986, e.g. 城 as %E5%9F%8E)")


def readable_message(mesg: str) -> str:
    """gunicorn's message, except that a request line it refused for raw non-ASCII bytes is not
    echoed back (it would be mojibake) but explained."""
    if mesg.startswith("Invalid Request Line") and (not mesg.isascii() or "\\x" in mesg):
        return NON_ASCII_REQUEST_LINE
    return mesg


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Same contract as `gunicorn.util.write_error`: status line, close, a JSON error body."""
    mesg = readable_message(mesg)
    error = f"{reason}: {mesg}" if mesg else reason
    request_id = uuid.uuid4().hex  # the request could not be read: no client id to take over
    body = json.dumps({"error": error, "fields": {}, "request_id": request_id},
                      ensure_ascii=True).encode("ascii")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"X-Request-Id: {request_id}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1", "replace")
    log.info("request_refused", status=status_int, error=error[:300], request_id=request_id)
    util.write_nonblock(sock, head + body)


util.write_error = write_json_error


class JSONErrorWorker(ThreadWorker):
    """gunicorn's threaded worker (`gthread`) whose own error answers are JSON."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        util.write_error = write_json_error  # in case another import restored it
        super().handle_error(req, client, addr, exc)


#: the `worker_class` setting that selects it
WORKER_CLASS = "infra.gunicorn_errors.JSONErrorWorker"
