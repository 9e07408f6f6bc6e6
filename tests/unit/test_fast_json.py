"""orjson where the relay and the views read and write JSON: the same values as the standard library's,
byte for byte on the way out and object for object on the way in (supervision/transcoder.py,
consumers/envelope.py `encode_body`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.envelope import encode_body
from supervision.application import ActorAsDict, DateAsISO
from supervision.domain.values import Actor
from supervision.transcoder import FastJSONTranscoder


def transcoders() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    ours, library = FastJSONTranscoder(), JSONTranscoder()
    for transcoder in (ours, library):
        for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr(), DateAsISO(), ActorAsDict()):
            transcoder.register(transcoding)
    return library, ours


LIBRARY, OURS = transcoders()

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False) | st.text(st.characters(exclude_categories=("Cs",))))
typed = (st.uuids() | st.dates() | st.datetimes(timezones=st.just(UTC)) | st.decimals(allow_nan=False)
         | st.builds(Actor, agency=st.text(max_size=5), role=st.text(max_size=5), user=st.text(max_size=5)))
values = st.recursive(scalars | typed, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(values)
def test_a_stored_state_decodes_to_what_the_library_decodes(value):
    for stored in (LIBRARY.encode({"state": value}), LIBRARY.encode(value)):  # nested, and as it is
        assert OURS.decode(stored) == LIBRARY.decode(stored)


def test_an_event_state_with_every_transcoding_decodes_alike():
    state = {"originator_id": uuid.uuid4(), "originator_version": 3, "timestamp": datetime.now(UTC),
             "occurred_on": date(2024, 2, 29), "amount": Decimal("12.50"),
             "actor": Actor(agency="MZJ-140500", role="civil_affairs", user="u-1"),
             "parts": [{"on": date(2021, 1, 1), "ids": [uuid.uuid4()]}], "pair": {"agency": "a", "role": "b"},
             "name": "晋城市城区第一养老院", "beds": 120}
    stored = LIBRARY.encode(state)
    decoded = OURS.decode(stored)
    assert decoded == LIBRARY.decode(stored) == state
    assert type(decoded["actor"]) is Actor and type(decoded["parts"][0]["on"]) is date


def test_what_orjson_refuses_is_read_by_json():
    # NaN and Infinity are what json writes for such floats; orjson does not read them
    stored = LIBRARY.encode({"x": float("inf"), "when": date(2020, 1, 1)})
    assert OURS.decode(stored) == {"x": float("inf"), "when": date(2020, 1, 1)}


def test_an_unknown_transcoding_is_the_library_error():
    with pytest.raises(TranscodingNotRegisteredError, match="'nope'"):
        OURS.decode(b'{"x":{"_type_":"nope","_data_":1}}')
    with pytest.raises(ValueError):
        OURS.decode(b"{not json")


finite = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
          | st.floats(allow_nan=False, allow_infinity=False)
          | st.text(st.characters(exclude_categories=("Cs",))))
json_values = st.recursive(finite, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_a_record_value_is_what_json_writes(body, sort_keys):
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode()
    written = encode_body(body, sort_keys=sort_keys)
    if b"e-" in expected or b"e+" in expected:  # a float's exponent is spelled otherwise: the same number
        assert json.loads(written) == json.loads(expected)
    else:
        assert written == expected


def test_what_json_refuses_is_still_refused():
    with pytest.raises(TypeError):
        encode_body({"on": date(2020, 1, 1)})  # a value the body's builder forgot to make plain
    with pytest.raises(UnicodeEncodeError):
        encode_body({"text": "\ud800"})  # a lone surrogate cannot be UTF-8
    assert encode_body({1: "a"}) == b'{"1":"a"}'  # json's own way with a key that is not a string
    assert encode_body({"n": 2**70}) == b'{"n":1180591620717411303424}'  # beyond 64 bits: json's digits
    assert encode_body({"x": float("inf")}) == b'{"x":null}'  # not JSON at all; json wrote Infinity
