"""JSON as the door reads it: an object that names a key twice is refused, not resolved.

`json.loads` keeps the last of two equal keys without a word, so `{"uscc": A, "uscc": B}` registers B
while a reviewer (or a log, or a signature over the body) sees A first. RFC 8259 §4 leaves duplicate
names undefined; I-JSON (RFC 7493 §2.3) forbids them. Every entrypoint that takes JSON from outside
(HTTP bodies, `--data` of the CLI, JSONL imports, inbound Kafka records) reads it with `loads`.
"""

from __future__ import annotations

import json
from typing import Any


class DuplicateKey(ValueError):
    """An object of the document names `key` twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one JSON object")
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def loads(document: str | bytes) -> Any:
    """Parse `document` as `json.loads` does; raises `DuplicateKey` (a `ValueError`) for a key given
    twice in one object, `json.JSONDecodeError` for malformed JSON."""
    return json.loads(document, object_pairs_hook=_object)
