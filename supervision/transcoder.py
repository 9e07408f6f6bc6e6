"""The store's transcoder: eventsourcing's `JSONTranscoder`, decoding with orjson.

Why: every projection and the relay decode each stored event's JSON; `json` with an `object_hook`
(called for every object) took about 11 µs of an event's ~110 µs of translation in the relay. orjson
parses the same text in about a fifth of the time; the transcodings (`{"_type_": ..., "_data_": ...}`)
are then applied by a walk that, like `json`'s hook, decodes inner objects before outer ones (the
whole decode: about two thirds of `json`'s). What orjson refuses or reads otherwise than `json`
(`NaN`; an integer beyond 64 bits, which orjson reads as a float) is decoded by `json`, so every
state decodes exactly as with the library's own transcoder (tests/unit/test_fast_json.py, a property
test against it). Encoding is the library's own: the stored text does not change.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

#: 19 digits in a row: maybe an integer beyond 64 bits (the bounds keep them out of events; a text
#: or a long fraction with such a run is merely decoded by `json`)
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


class FastJSONTranscoder(JSONTranscoder):
    """`JSONTranscoder` (same registrations, same stored text) whose `decode` uses orjson."""

    def decode(self, data: bytes) -> Any:
        """bytes (UTF-8 JSON, as `encode` wrote it) → the object, transcodings applied; raises
        `TranscodingNotRegisteredError` for an unknown `_type_`, `ValueError` for text that is not JSON."""
        if _LONG_NUMBER.search(data) is not None:
            return super().decode(data)  # orjson reads an integer beyond 64 bits as a float: json does not
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)  # json's own reading, and its error for text that is not JSON
        return self._revive(obj) if type(obj) is dict or type(obj) is list else obj

    def _revive(self, obj: Any) -> Any:
        """Apply the transcodings to `obj` (a dict or list from orjson), inner objects first, in
        place; returns the result. A transcoded object (`{"_type_": name, "_data_": data}`, the
        common leaf) is decoded here without a further call."""
        items = obj.items() if type(obj) is dict else enumerate(obj)
        for key, value in items:
            kind = type(value)
            if kind is dict:
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    data = value["_data_"]
                    if type(data) is dict or type(data) is list:
                        data = self._revive(data)
                    transcoding = self.names.get(value["_type_"])
                    if transcoding is None:  # the library's error for a name not registered
                        self._decode_obj({"_type_": value["_type_"], "_data_": data})
                    obj[key] = transcoding.decode(data)
                else:
                    obj[key] = self._revive(value)
            elif kind is list:
                obj[key] = self._revive(value)
        if type(obj) is dict and len(obj) == 2:
            return self._decode_obj(obj)
        return obj
