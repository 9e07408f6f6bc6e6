"""The front server's own errors in the API's JSON error shape.

gunicorn answers a request it cannot parse (non-ASCII or malformed request line, oversized
headers, ...) itself, before Flask sees it, with an HTML page. Every error of this server is
`{"error": ..., "fields": {}}` (the OpenAPI `ErrorSchema`), so the worker class below writes that
instead. gunicorn has no hook for the body of these answers: its workers call
`gunicorn.util.write_error`, which this module replaces in the worker processes that import it.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

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
    body = json.dumps({"error": error, "fields": {}}, ensure_ascii=True).encode("ascii")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1", "replace")
    util.write_nonblock(sock, head + body)


util.write_error = write_json_error


class JSONErrorWorker(ThreadWorker):
    """gunicorn's threaded worker (`gthread`) whose own error answers are JSON."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        util.write_error = write_json_error  # in case another import restored it
        super().handle_error(req, client, addr, exc)


#: the `worker_class` setting that selects it
WORKER_CLASS = "infra.gunicorn_errors.JSONErrorWorker"
