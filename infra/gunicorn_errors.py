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


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Same contract as `gunicorn.util.write_error`: status line, close, a JSON error body."""
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
