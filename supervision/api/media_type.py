"""A command's body is JSON and says so: `Content-Type: application/json` (RFC 9110 §8.3, §15.5.16).

`application/json` with an optional `charset=utf-8` (RFC 8259 §8.1: JSON exchanged between systems is
UTF-8), or a structured `application/<name>+json` (RFC 6839 §3.1). Anything else — `text/plain`, a form
(`application/x-www-form-urlencoded`, `multipart/form-data`), or no `Content-Type` on a body — is 415
before the body is read: even well-formed JSON is not taken on a guess, and nothing is written. No
body and no `Content-Type` stays the 422 "body required" of `commands.json_body`.

The console's forms are not the JSON API: they post to /console/ pages, which never call this.
"""

from __future__ import annotations

from flask import request

EXPECTED = "application/json"


class UnsupportedMediaType(Exception):
    """Raised when a command's body is not declared JSON; answered 415 by `api.errors`, with
    `Accept-Post` / `Accept-Patch: application/json` naming what is accepted."""

    def __init__(self, given: str) -> None:
        self.given = given
        super().__init__(
            f"unsupported media type {given!r}: a command's body is JSON, sent with "
            f"'Content-Type: {EXPECTED}'" if given else
            f"the body has no Content-Type: a command's body is JSON, sent with 'Content-Type: {EXPECTED}'")


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def is_json(mimetype: str) -> bool:
    """`application/json` or `application/<name>+json` (the media type without parameters, lower case)."""
    return mimetype == EXPECTED or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_json() -> None:
    """Refuse (UnsupportedMediaType) a request whose body is not declared as UTF-8 JSON."""
    declared = request.headers.get("Content-Type", "").strip()
    if not declared:
        if _has_body():
            raise UnsupportedMediaType("")
        return  # no body at all: json_body's 422 "required"
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if not is_json(request.mimetype) or charset not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType(declared[:100])
