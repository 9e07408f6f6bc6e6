"""`If-Match` on a command: the aggregate version the client last saw (RFC 9110 §13.1.1).

A command endpoint that takes the header reads it with `expected_version()`: the entity tag is the
aggregate's version (`"3"`, `3`, `W/"3"` all name version 3). `*` matches any current representation,
so the command proceeds as if no condition were given (the usual 404 when the record does not exist);
an absent or blank header is no condition either. A stale version is the aggregate's own 409
(`VersionMismatch`, README "Errors").
"""

from __future__ import annotations

from flask import request

from supervision.commands import bounds
from supervision.domain.errors import InvalidCommand

HEADER = "If-Match"

#: the header's OpenAPI parameter, for `@blp.doc(parameters=[...])` of each endpoint that takes it
IF_MATCH_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "the version the client last saw (`expected_version`): `3` or `\"3\"`; a stale one is 409. "
        "`*` matches whenever the record exists (RFC 9110 §13.1.1): the command proceeds as without "
        "the header (404 when the record does not exist)"
    ),
}


def expected_version() -> int | None:
    """The version named by this request's `If-Match`, None when there is no condition (no header,
    blank, or `*`).

    Raises InvalidCommand (422 on `If-Match`) when the header names something that is not a version,
    or several tags (a command names one version it last saw).
    """
    raw = request.headers.get(HEADER, "").strip()
    if not raw or raw == "*":
        return None
    tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
    if len(tags) != 1:
        raise InvalidCommand("If-Match names one version", {HEADER: ["one version, or *"]})
    tag = tags[0].removeprefix("W/").strip('"')
    # the length first: int() of a caller's 5,000 digits raises (Python's digit limit), a 500
    if (not (tag.isascii() and tag.isdigit()) or len(tag) > len(str(bounds.MAX_VERSION))
            or not 1 <= int(tag) <= bounds.MAX_VERSION):
        raise InvalidCommand(
            "If-Match is not a version", {HEADER: [f"a version 1–{bounds.MAX_VERSION} (\"3\") or *"]})
    return int(tag)
