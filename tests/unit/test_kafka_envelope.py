"""The CloudEvents envelope and the public-data rules of outbound bodies (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consumers.envelope import EnvelopeError, ce_type, message, rfc3339, scrub, to_cloudevent
from consumers.topics import Catalogue, ComplaintSummaryBody, DomainEventBody

WHEN = datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=UTC)


def domain_body(**data):
    return {"schema_version": 1, "event_id": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10:1",
            "event_type": "Facility.Registered", "aggregate_id": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10",
            "aggregate_version": 1, "uscc": "91350100M000100Y43", "occurred_on": "2025-01-06",
            "recorded_at": rfc3339(WHEN), "actor": {"agency": "MZJ", "role": "civil_affairs"},
            "source": "api", "data": data}


def test_event_class_names_become_versioned_reverse_dns_types():
    assert ce_type("Facility.Registered") == "cn.eldercare.facility.registered.v1"
    assert ce_type("FireSafetyCase.RectificationOverdue") == (
        "cn.eldercare.fire_safety_case.rectification_overdue.v1")


def test_scrub_drops_sealed_and_personal_fields_and_masks_responsible_persons():
    data = {"profile": {"name": "夕阳红", "legal_representative": "王建国", "person_in_charge": "李芳"},
            "personal_sealed": "gAAAA...", "complainant_sealed": "gAAAA...", "resident_ref": "R-1",
            "summary": "text naming people", "amount_fen": 100}
    assert scrub(data) == {"profile": {"name": "夕阳红", "legal_representative": "王**",
                                       "person_in_charge": "李*"}, "amount_fen": 100}


def test_a_body_with_personal_data_is_refused_before_it_is_published():
    with pytest.raises(EnvelopeError, match=r"personal data must not be published: x\.complainant_sealed"):
        message(topic="t", ce_id="a:1", type_="x", source="/s", time=WHEN, subject=None, key=None,
                body=domain_body(x={"complainant_sealed": "gAAAA"}), schema=DomainEventBody())
    with pytest.raises(EnvelopeError, match="summary"):
        body = {"schema_version": 1, "event_id": "a:1", "event_type": "Complaint.Received",
                "complaint_id": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10", "uscc": "91350100M000100Y43",
                "occurred_on": None, "recorded_at": "x", "category": "fees", "channel": "online",
                "summary": "张三 说..."}
        message(topic="t", ce_id="a:1", type_="x", source="/s", time=WHEN, subject=None, key=None,
                body=body, schema=ComplaintSummaryBody())


def test_records_round_trip_through_the_cloudevents_sdk():
    msg = message(topic="eldercare.facilities", ce_id="a:1", type_="cn.eldercare.facility.registered.v1",
                  source="/eldercare/eldercare", time=WHEN, subject="91350100M000100Y43",
                  key="91350100M000100Y43", body=domain_body(beds=1), schema=DomainEventBody())
    event = to_cloudevent(msg.kafka_headers(), msg.key.encode(), msg.value)
    assert event.get_id() == "a:1" and event.get_subject() == "91350100M000100Y43"
    assert event.get_time() == WHEN and event.get_datacontenttype() == "application/json"
    assert event.get_data()["data"] == {"beds": 1}
    tombstone = message(topic="t", ce_id="a:2", type_="cn.eldercare.list.grades.removed.v1", source="/s",
                        time=WHEN, subject="91350100M000100Y43", key="91350100M000100Y43", body=None,
                        schema=None)
    assert tombstone.value is None
    assert to_cloudevent(tombstone.kafka_headers(), b"k", None).get_data() is None


def test_events_route_by_class_name_and_unpublished_results_stay_home():
    cat = Catalogue(prefix="city")
    assert cat.for_event("Facility.Registered").name == "facilities"
    assert cat.for_event("PrepaidLedger.CapExceeded").name == "prepaid-fees"
    assert cat.for_event("Inspection.ResultPublished").name == "spot-checks"
    assert cat.for_event("Inspection.ResultRecorded") is None
    assert cat.for_event("Inspector.Certified") is None
    assert cat.for_event("SomethingNew.Happened") is None
    assert cat.full("grades") == "city.grades"
