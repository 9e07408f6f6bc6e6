"""The duties' public topic on PostgreSQL against the real broker: only allow-listed shapes reach it."""

from __future__ import annotations

import pytest

from consumers.envelope import to_cloudevent
from infra.kafka_relay import build_relay
from tests.kafka_support import CIVIL, FAST_PRODUCER, read_topic
from tests.support import facility_payload, make_container

pytestmark = pytest.mark.integration

USCC = "91350100M000100Y43"
OPERATED = "91110000802100433B"
RESIDENT = "钱秀英"


@pytest.fixture
def kafka_container(pg_url, tmp_path, today, unique_name):
    c = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("duties"))
    yield c
    c.close()


def test_only_annual_filings_and_concluded_incidents_are_published_and_never_resident_data(
    kafka_container, broker
):
    d = kafka_container.dispatcher
    d.dispatch("register_facility", facility_payload(uscc=USCC), CIVIL)
    d.dispatch(
        "register_facility", facility_payload(uscc=OPERATED, ownership="public_built_private_run"), CIVIL
    )
    open_one = d.dispatch(
        "report_incident",
        {
            "uscc": USCC,
            "category": "missing_resident",
            "severity": "general",
            "occurred_at": "2026-11-01T18:00:00+08:00",
            "reported_at": "2026-11-01T20:00:00+08:00",
            "summary": "老人傍晚走失，次日寻回",
            "residents": [{"name": RESIDENT, "outcome": "missing"}],
        },
        CIVIL,
    )
    concluded = d.dispatch(
        "report_incident",
        {
            "uscc": USCC,
            "category": "food_poisoning",
            "severity": "serious",
            "occurred_at": "2026-10-01T12:00:00+08:00",
            "reported_at": "2026-10-02T15:00:00+08:00",
            "summary": "午餐后12名老人腹泻",
            "residents": [{"name": RESIDENT, "outcome": "affected"}],
        },
        CIVIL,
    )
    iid = concluded.data["incident_id"]
    d.dispatch(
        "find_incident_responsibility",
        {
            "uscc": USCC,
            "incident_id": iid,
            "decision_no": "晋市监认〔2026〕4号",
            "responsibility": "main",
            "cause": "食材储存不当",
        },
        CIVIL,
    )
    d.dispatch(
        "submit_duty_report",
        {"uscc": USCC, "kind": "annual_report", "period": "2025", "occurred_on": "2026-05-20"},
        CIVIL,
    )
    d.dispatch(
        "submit_duty_report",
        {"uscc": OPERATED, "kind": "operations_report", "period": "2026Q1", "occurred_on": "2026-04-20"},
        CIVIL,
    )
    assert open_one.data["incident_id"] != iid

    relay = build_relay(kafka_container, broker.bootstrap_servers, **FAST_PRODUCER)
    try:
        relay.catch_up()
        assert relay.status().lag == 0
        records = read_topic(broker.bootstrap_servers, relay.catalogue.full("duties-public"), expected=2)
        everything = [
            r
            for name in relay.catalogue.outbound_names()
            for r in read_topic(broker.bootstrap_servers, name, quiet=0.5)
        ]
    finally:
        relay.close()

    bodies = [to_cloudevent(r.headers, r.key, r.value).get_data() for r in records]
    assert sorted(b["event_type"] for b in bodies) == [
        "DutyReport.FilingDisclosed",
        "Incident.InvestigationConcluded",
    ]
    by_type = {b["event_type"]: b for b in bodies}
    assert by_type["Incident.InvestigationConcluded"]["data"] == {
        "category": "food_poisoning",
        "incident_on": "2026-10-01",
    }
    assert by_type["DutyReport.FilingDisclosed"]["data"] == {
        "kind": "annual_report",
        "period": "2025",
        "filed_on": "2026-05-20",
    }
    assert all(r.key.decode() == USCC for r in records)
    text = "\n".join(r.value.decode() for r in everything)
    for secret in (RESIDENT, "腹泻", "走失", "食材储存不当", "晋市监认"):
        assert secret not in text
