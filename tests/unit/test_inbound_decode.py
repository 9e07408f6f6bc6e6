"""Decoding inbound records into commands: every way a record can be wrong names its reason."""

from __future__ import annotations

import json

from consumers.inbound import Decoded, Rejected, decode
from consumers.topics import Catalogue
from supervision.dispatcher import Dispatcher

CAT = Catalogue()
FIRE = CAT.get("inbound.fire-safety-findings")
HOTLINE = CAT.get("inbound.hotline-complaints")
DISPATCHER = Dispatcher(app=None)  # decoding needs the schemas only


def headers(ce_type: str = FIRE.ce_type, **overrides: bytes | None) -> list[tuple[str, bytes]]:
    base = {"ce_specversion": b"1.0", "ce_id": b"msg-1", "ce_type": ce_type.encode(),
            "ce_source": b"/119", "ce_time": b"2026-11-26T01:00:00Z", "content-type": b"application/json"}
    base.update(overrides)
    return [(k, v) for k, v in base.items() if v is not None]


FINDING = {"schema_version": 1, "uscc": "91350100M000100Y43", "finding_no": "XF-1", "category": "evacuation",
           "location": "2号楼", "occurred_on": "2026-11-20"}


def test_a_valid_finding_becomes_record_fire_finding_from_the_fire_authority():
    out = decode(FIRE, headers(), json.dumps(FINDING).encode(), DISPATCHER)
    assert isinstance(out, Decoded) and out.command == "record_fire_finding" and out.ce_id == "msg-1"
    assert out.payload["origin"] == "fire_authority" and "schema_version" not in out.payload


def test_a_hotline_work_order_becomes_a_complaint_on_the_hotline_channel():
    body = {"schema_version": 1, "uscc": "91350100M000100Y43", "reference": "12345-1", "category": "fees",
            "summary": "押金", "complainant": {"name": "张三", "phone": "13800138000"}}
    out = decode(HOTLINE, headers(HOTLINE.ce_type), json.dumps(body).encode(), DISPATCHER)
    assert isinstance(out, Decoded) and out.payload["channel"] == "hotline_12345"


def test_wrong_envelope_is_rejected_with_its_reason():
    body = json.dumps(FINDING).encode()
    cases = [
        (headers(ce_specversion=b"0.3"), body, "not a CloudEvents 1.0"),
        (headers(ce_id=None), body, "missing ce_id"),
        (headers("cn.other.type.v1"), body, "unexpected ce_type"),
        (headers(), None, "tombstone"),
        (headers(), b"\xff\xfe not json", "not UTF-8 JSON"),
        (headers(), b"[1, 2]", "must be a JSON object"),
    ]
    for hdrs, value, reason in cases:
        out = decode(FIRE, hdrs, value, DISPATCHER)
        assert isinstance(out, Rejected) and reason in out.reason, (reason, out)


def test_field_errors_of_the_topic_schema_and_of_the_command_are_named():
    out = decode(FIRE, headers(), json.dumps({**FINDING, "schema_version": 2, "finding_no": ""}).encode(),
                 DISPATCHER)
    assert isinstance(out, Rejected) and set(out.fields) == {"schema_version", "finding_no"}
    out = decode(FIRE, headers(), json.dumps({**FINDING, "category": "arson", "uscc": "91350100M000100Y44"})
                 .encode(), DISPATCHER)
    assert isinstance(out, Rejected) and out.reason == "invalid record_fire_finding"
    assert set(out.fields) == {"category", "uscc"}
