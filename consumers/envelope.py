"""CloudEvents 1.0 over Kafka, binary content mode: `ce_*` headers, a JSON body, key = USCC.

Why binary mode: consumers route and de-duplicate on headers (`ce_type`, `ce_id`) without parsing the
body, and a tombstone (null value) still carries its headers. Every body is validated by its topic's
marshmallow schema (with a `schema_version`) before it leaves, and no public body may carry personal
data: sealed fields, complainant identity and resident references are refused by the schema itself,
not just left out by the code that builds the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from marshmallow import Schema, ValidationError, fields, validate

from supervision.crypto import mask_name

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "cn.eldercare"
#: the schema version of every body this module defines; bump on an incompatible change
SCHEMA_VERSION = 1

#: keys that are personal data wherever they appear (their values never leave the store)
PERSONAL_KEYS = frozenset({
    "complainant", "complainant_name", "complainant_id_number", "complainant_phone",
    "personal", "resident_ref", "resident_refs", "id_number", "phone", "contact_phone",
    "legal_representative_id_number", "summary", "findings", "note",
})
#: names of responsible persons: published masked (张** ), as the listing rules require
MASKED_KEYS = frozenset({"legal_representative", "person_in_charge"})


class EnvelopeError(ValueError):
    """A body failed its topic schema: a bug in the mapping, never published."""

    def __init__(self, topic: str, errors: Mapping[str, Any]) -> None:
        super().__init__(f"body for {topic} fails its schema: {json.dumps(errors, ensure_ascii=False)}")
        self.topic = topic
        self.errors = dict(errors)


@dataclass(frozen=True)
class Message:
    """One Kafka record ready to send; `value=None` is a tombstone."""

    topic: str
    key: str | None
    headers: dict[str, bytes]
    value: bytes | None

    @property
    def ce_id(self) -> str:
        return self.headers["ce_id"].decode()

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return list(self.headers.items())


def event_id(originator_id: UUID | str, version: int) -> str:
    """Stable across re-publication: the same stored event always has the same `ce_id`."""
    return f"{originator_id}:{version}"


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@lru_cache(maxsize=1024)
def ce_type(event_type: str, version: int = 1) -> str:
    """`Facility.Registered` → `cn.eldercare.facility.registered.v1`."""
    parts = ".".join(snake(p) for p in event_type.split("."))
    return f"{TYPE_PREFIX}.{parts}.v{version}"


def rfc3339(moment: datetime) -> str:
    """UTC with a `Z`, as CloudEvents' `time` attribute expects (RFC 3339)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: value types `plain` and `_has_personal_key` pass through as they are (checked by exact type, so
#: the common case skips the isinstance chain and the `Mapping` ABC)
_SCALARS = frozenset({str, int, bool, float, type(None)})


def plain(value: Any) -> Any:
    """Event values as JSON values: dates ISO, ids as strings, actors as dicts."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    return value


def scrub(data: Mapping[str, Any]) -> dict[str, Any]:
    """Public copy of event data: personal and sealed keys dropped, responsible persons masked."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in PERSONAL_KEYS or key.endswith("_sealed") or key.startswith("_"):
            continue
        if key in MASKED_KEYS and isinstance(value, str):
            out[key] = mask_name(value)
        elif isinstance(value, Mapping):
            out[key] = scrub(value)
        elif isinstance(value, list):
            out[key] = [scrub(v) if isinstance(v, Mapping) else v for v in value]
        else:
            out[key] = value
    return out


def personal_keys_in(data: Any, path: str = "") -> list[str]:
    """Paths of every personal key left in `data` (the schemas refuse a body with any)."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if key in PERSONAL_KEYS or str(key).endswith("_sealed"):
                found.append(here)
            found.extend(personal_keys_in(value, here))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(personal_keys_in(value, f"{path}[{i}]"))
    return found


def _has_personal_key(data: Any) -> bool:
    """`personal_keys_in(data) != []`, without building the paths (every record is checked)."""
    if type(data) is dict or isinstance(data, Mapping):
        for key, value in data.items():
            if key in PERSONAL_KEYS or str(key).endswith("_sealed"):
                return True
            if type(value) in _SCALARS:
                continue
            if isinstance(value, Mapping | list) and _has_personal_key(value):
                return True
    elif isinstance(data, list):
        return any(isinstance(v, Mapping | list) and _has_personal_key(v) for v in data)
    return False


def _no_personal_data(data: Any) -> None:
    if not _has_personal_key(data):
        return
    found = personal_keys_in(data)
    if found:
        raise ValidationError(f"personal data must not be published: {', '.join(found)}")


class PublicData(fields.Dict):
    """A free-form object that is checked, recursively, to hold no personal data."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), validate=_no_personal_data, **kwargs)


class ActorBody(Schema):
    agency = fields.String(required=True)
    role = fields.String(required=True)


class BodySchema(Schema):
    """What every body has: its schema version (consumers branch on it)."""

    class Meta:
        unknown = "raise"

    schema_version = fields.Integer(required=True, validate=validate.Equal(SCHEMA_VERSION))


def validate_body(schema: Schema, topic: str, body: Mapping[str, Any]) -> None:
    """Raise `EnvelopeError` unless `body` passes `schema`: the compiled fast check first, and
    marshmallow itself for any body the fast check is not sure of (consumers/contract.py)."""
    from consumers.contract import fast_accepts

    if fast_accepts(schema, body):
        return
    errors = schema.validate(body)
    if errors:
        raise EnvelopeError(topic, errors)


def message(
    *,
    topic: str,
    ce_id: str,
    type_: str,
    source: str,
    time: datetime | str,
    subject: str | None,
    key: str | None,
    body: Mapping[str, Any] | None,
    schema: Schema | None,
) -> Message:
    """Build one binary-mode record; `body=None` makes a tombstone (headers kept, value null).

    `time` is the event's moment, or its `rfc3339` text when the caller already has it."""
    headers = {
        "ce_specversion": _SPECVERSION,
        "ce_id": ce_id.encode(),
        "ce_type": type_.encode(),
        "ce_source": source.encode(),
        "ce_time": (time if type(time) is str else rfc3339(time)).encode(),
    }
    if subject:
        headers["ce_subject"] = subject.encode()
    if body is None:
        return Message(topic, key, headers, None)
    if schema is not None:
        validate_body(schema, topic, body)
    headers["content-type"] = _CONTENT_TYPE
    return Message(topic, key, headers, encode_body(body))


def encode_body(body: Any, *, sort_keys: bool = False) -> bytes:
    """A record's value: compact UTF-8 JSON, the JSON `json.dumps(body, ensure_ascii=False,
    separators=(",", ":"), sort_keys=sort_keys).encode()` gives, by orjson (15 µs → 1 µs a body: the
    relay's JSON was a tenth of its translation). Byte for byte the same but for a float's exponent
    (`5e-08` is written `5e-8`: the same number). What orjson would write otherwise than `json` — a
    `datetime`, a dataclass, a subclass of `str`/`int`, an integer beyond 64 bits, a lone surrogate,
    a key that is not a string — is left to `json`, which writes it or raises exactly as before (the
    relay parks such a record); only a `UUID` and an `Enum`, which `json` refuses, orjson writes as
    their string and value, and a float that is not finite (not JSON: `json` wrote `Infinity`; the
    door keeps them out of events) as `null`. The contract check before it refuses a UUID or an
    Enum in a body's typed fields (a free-form `data` object is checked for personal keys only)."""
    try:
        return orjson.dumps(body, option=_ORJSON_SORTED if sort_keys else _ORJSON_STRICT)
    except TypeError:  # orjson.JSONEncodeError included
        return (_JSON_SORTED if sort_keys else _JSON).encode(body).encode()


#: `json.dumps(body, ensure_ascii=False, separators=(",", ":"))` without building an encoder per record
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_JSON_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
#: orjson hands anything but plain JSON values back (no `default`): `encode_body` then asks `json`
_ORJSON_STRICT = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                  | orjson.OPT_PASSTHROUGH_SUBCLASS)
_ORJSON_SORTED = _ORJSON_STRICT | orjson.OPT_SORT_KEYS
_SPECVERSION = SPECVERSION.encode()
_CONTENT_TYPE = CONTENT_TYPE.encode()


def to_cloudevent(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes], key: bytes | str | None, value: bytes | None
) -> BaseCloudEvent:
    """Parse a consumed record with the CloudEvents SDK (what downstream consumers do)."""
    header_map = dict(headers.items() if isinstance(headers, Mapping) else headers)
    return from_binary(KafkaMessage(headers=header_map, key=key, value=value or b""), JSONFormat())


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name and value is not None:
            return value.decode("utf-8", errors="replace")
    return None
