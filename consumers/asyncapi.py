"""AsyncAPI 3.0 document and docs/topics.md, generated from the catalogue and its schemas.

Generated, never hand-edited: `python -m consumers.asyncapi` rewrites docs/asyncapi.json and
docs/topics.md, and a test fails when either is out of date with the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields

from consumers.envelope import CONTENT_TYPE, SCHEMA_VERSION
from consumers.inbound import FIXED_FIELDS
from consumers.topics import DLQ, DOMAIN, INBOUND, LIST, Catalogue, DeadLetterHeaders, Topic

DOCS = Path(__file__).resolve().parent.parent / "docs"

_CE_HEADERS = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka binding, binary content mode",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "stable id: <aggregate id>:<version>[:<list topic>]; "
                                                   "de-duplicate on it (delivery is at-least-once)"},
        "ce_type": {"type": "string", "description": "e.g. cn.eldercare.facility.registered.v1"},
        "ce_source": {"type": "string", "description": "e.g. /eldercare/eldercare"},
        "ce_time": {"type": "string", "format": "date-time", "description": "recorded_at, RFC 3339 UTC"},
        "ce_subject": {"type": "string", "description": "the facility's USCC"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
    },
}


def _field(field: fields.Field) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(field, fields.Nested):
        nested = field.nested
        schema = nested if isinstance(nested, Schema) else nested() if isinstance(nested, type) else None
        out = json_schema(schema) if schema is not None else {"type": "object"}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": _field(field.inner)}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
    elif isinstance(field, fields.Date):
        out = {"type": "string", "format": "date"}
    elif isinstance(field, fields.DateTime):
        out = {"type": "string", "format": "date-time"}
    elif isinstance(field, fields.UUID):
        out = {"type": "string", "format": "uuid"}
    elif isinstance(field, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(field, fields.Number):
        out = {"type": "number"}
    elif isinstance(field, fields.Boolean):
        out = {"type": "boolean"}
    else:
        out = {"type": "string"}
    if field.allow_none:
        out = {**out, "type": [out.get("type", "object"), "null"]} if "type" in out else out
    description = field.metadata.get("description")
    if description:
        out["description"] = description
    choices = getattr(field.validate, "choices", None)
    if choices:
        out["enum"] = list(choices)
    return out


def json_schema(schema: Schema, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """JSON Schema of a marshmallow schema (the subset our schemas use)."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        if name in exclude or field.dump_only:
            continue
        props[key] = _field(field)
        if field.required:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if schema.__doc__:
        out["description"] = " ".join(schema.__doc__.split())
    return out


def _payload(topic: Topic) -> dict[str, Any]:
    schema = json_schema(topic.schema())
    if topic.kind == INBOUND and topic.command:
        from supervision.dispatcher import ALL_COMMANDS

        spec = next((s for s in ALL_COMMANDS if s.name == topic.command), None)
        if spec is not None:
            command = json_schema(spec.schema(), exclude=tuple(FIXED_FIELDS.get(topic.name, {})))
            schema["properties"] = {**command["properties"], **schema["properties"]}
            schema["required"] = sorted({*command.get("required", []), *schema.get("required", [])})
    if topic.kind == LIST:
        schema["description"] = schema.get("description", "") + " A tombstone (null value) removes the key."
    return schema


def _id(topic: Topic) -> str:
    return "".join(p.capitalize() for p in topic.name.replace(".", "-").split("-"))


def document(catalogue: Catalogue | None = None) -> dict[str, Any]:
    cat = catalogue or Catalogue()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": _CE_HEADERS}
    for topic in cat.topics:
        ident = _id(topic)
        headers: dict[str, Any] = {"$ref": "#/components/schemas/CloudEventHeaders"}
        if topic.kind == DLQ:
            dlq = json_schema(DeadLetterHeaders())
            schemas["DeadLetterHeaders"] = dlq
            headers = {"allOf": [{"$ref": "#/components/schemas/CloudEventHeaders"},
                                 {"$ref": "#/components/schemas/DeadLetterHeaders"}]}
            payload: dict[str, Any] = {"description": "the original record's value, byte for byte"}
        else:
            schemas[f"{ident}Body"] = _payload(topic)
            payload = {"$ref": f"#/components/schemas/{ident}Body"}
        message: dict[str, Any] = {
            "name": ident,
            "title": topic.name,
            "summary": topic.purpose,
            "contentType": CONTENT_TYPE,
            "headers": headers,
            "payload": payload,
            "bindings": {"kafka": {"key": {"type": "string", "description": topic.key},
                                   "bindingVersion": "0.5.0"}},
        }
        if topic.example is not None:
            message["examples"] = [{"key": topic.example.get("uscc"), "payload": topic.example}]
        messages[ident] = message
        config: dict[str, Any] = {"cleanup.policy": ["compact"]} if topic.compacted else {}
        channels[ident] = {
            "address": cat.full(topic.name),
            "description": f"{topic.purpose} Key: {topic.key}. Retention: {topic.retention}.",
            "messages": {ident: {"$ref": f"#/components/messages/{ident}"}},
            "bindings": {"kafka": {"topic": cat.full(topic.name), "partitions": topic.partitions,
                                   "topicConfiguration": config, "bindingVersion": "0.5.0"}},
        }
        action = "receive" if topic.kind == INBOUND else "send"
        operations[f"{action}{ident}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{ident}"},
            "messages": [{"$ref": f"#/channels/{ident}/messages/{ident}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "eldercare-supervision topics",
            "version": str(SCHEMA_VERSION),
            "description": "Facts, lists and inbound feeds of the elderly-care supervision system. "
                           "CloudEvents 1.0 binary mode, key = USCC, delivery at-least-once (de-duplicate "
                           "on ce_id). Topic names carry the deployment prefix (ELDERCARE_TOPIC_PREFIX).",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"kafka": {"host": "KAFKA_BOOTSTRAP_SERVERS", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


_KIND_TITLES = {DOMAIN: "Domain topics (facts)", LIST: "List topics (current state per facility)",
                INBOUND: "Inbound topics", DLQ: "Dead-letter topics"}
_ORDERING = {
    DOMAIN: "per facility (key = USCC → one partition), in event-store order",
    LIST: "per facility; the newest record for a key is the state",
    INBOUND: "per key as the producer sends it; each record is handled once it is read, then committed",
    DLQ: "in the order records were refused",
}


def markdown(catalogue: Catalogue | None = None) -> str:
    cat = catalogue or Catalogue()
    lines = [
        "# Kafka topics",
        "",
        "Generated by `python -m consumers.asyncapi` from `consumers/topics.py`; do not edit by hand.",
        "The machine-readable form is `docs/asyncapi.json` (AsyncAPI 3.0, also at `/api/asyncapi.json`).",
        "",
        "Every record is a CloudEvents 1.0 record in Kafka binary mode: `ce_specversion`, `ce_id` "
        "(stable; de-duplicate on it, delivery is at-least-once), `ce_type`, `ce_source`, `ce_time` "
        "(when recorded), `ce_subject` (USCC) and `content-type: application/json`. Bodies carry "
        f"`schema_version` (now {SCHEMA_VERSION}). No public topic carries personal data: sealed "
        "fields, complainant identity, resident references and free texts are never published, and "
        "responsible persons' names are masked.",
        "",
        "Names below carry the default prefix `eldercare` (`ELDERCARE_TOPIC_PREFIX`).",
    ]
    for kind in (DOMAIN, LIST, INBOUND, DLQ):
        lines += ["", f"## {_KIND_TITLES[kind]}"]
        for topic in cat.of_kind(kind):
            lines += [
                "",
                f"### `{cat.full(topic.name)}`",
                "",
                topic.purpose,
                "",
                f"- **key**: {topic.key}",
                f"- **ordering**: {_ORDERING[kind]}",
                f"- **partitions**: {topic.partitions}",
                f"- **retention / compaction**: {topic.retention}",
            ]
            if topic.command:
                lines.append(f"- **becomes**: the `{topic.command}` command (`ce_type` must be "
                             f"`{topic.ce_type}`); refused records go to `{cat.full(topic.dlq or '')}`")
            if topic.example is not None:
                lines += ["", "```json", json.dumps(topic.example, ensure_ascii=False, indent=2), "```"]
    return "\n".join(lines) + "\n"


def render() -> tuple[str, str]:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", markdown()


def main() -> None:
    spec, md = render()
    (DOCS / "asyncapi.json").write_text(spec, encoding="utf-8")
    (DOCS / "topics.md").write_text(md, encoding="utf-8")
    sys.stdout.write(f"wrote {DOCS / 'asyncapi.json'} and {DOCS / 'topics.md'}\n")


if __name__ == "__main__":
    main()
