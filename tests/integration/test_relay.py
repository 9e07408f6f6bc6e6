"""The relay on PostgreSQL against the real broker: what reaches the topics, and what never does."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from consumers.envelope import to_cloudevent
from consumers.mirror import Mirror, MirrorStore
from infra.kafka_relay import build_relay
from infra.sample_city import facilities
from tests.kafka_support import CIVIL, FAST_PRODUCER, list_facility, read_topic, revoke
from tests.support import facility_payload, make_container

pytestmark = pytest.mark.integration

USCC = "91350100M000100Y43"
COMPLAINANT = {"name": "赵小燕", "id_number": "11010519491231002X", "phone": "13912345678"}


@pytest.fixture
def kafka_container(pg_url, tmp_path, today, unique_name):
    c = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("city"))
    yield c
    c.close()


@pytest.fixture(params=["kafka-python", "confluent"])
def relay(request, kafka_container, broker):
    """The relay on each Kafka client it can use (ELDERCARE_KAFKA_CLIENT): the same tests pass on both."""
    r = build_relay(kafka_container, broker.bootstrap_servers, client=request.param, **FAST_PRODUCER)
    yield r
    r.close()


def stored_events(container) -> list:
    return list(container.app.recorder.select_notifications(1, 100_000))


def test_every_fact_is_published_once_in_order_as_a_cloudevent_keyed_by_uscc(kafka_container, relay, broker):
    d = kafka_container.dispatcher
    rows = list(facilities(5))
    for row in rows:
        d.dispatch("register_facility", row, CIVIL)
    first = rows[0]["uscc"]
    d.dispatch("change_facility_profile", {"uscc": first, "total_beds": 300}, CIVIL)
    d.dispatch("assess_facility_grade", {"uscc": first, "level": 4, "score": 800, "certificate_no": "JC-1",
                                         "assessing_body": "晋城市民政局"}, CIVIL)
    d.dispatch("close_facility", {"uscc": rows[1]["uscc"], "reason": "停业"}, CIVIL)
    assert relay.catch_up() == kafka_container.app.recorder.max_notification_id()
    assert relay.status().lag == 0

    records = read_topic(broker.bootstrap_servers, relay.catalogue.full("facilities"), expected=8)
    assert len(records) == 8
    by_key: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        event = to_cloudevent(record.headers, record.key, record.value)
        body = event.get_data()
        assert event.get_subject() == body["uscc"] == record.key.decode()
        assert event.get_id() == body["event_id"] == f"{body['aggregate_id']}:{body['aggregate_version']}"
        suffix = {"Facility.Registered": "registered", "Facility.ProfileChanged": "profile_changed",
                  "Facility.GradeAssessed": "grade_assessed", "Facility.Closed": "closed"}[body["event_type"]]
        assert event.get_type() == f"cn.eldercare.facility.{suffix}.v1"
        assert body["schema_version"] == 1
        assert body["actor"] == {"agency": CIVIL.actor.agency, "role": "civil_affairs"}
        by_key[record.key].append(body["aggregate_version"])
    assert by_key[first.encode()] == [1, 2, 3]  # one facility's events stay in order
    registered = [to_cloudevent(r.headers, r.key, r.value).get_data() for r in records]
    profile = next(b for b in registered if b["event_type"] == "Facility.Registered")["data"]["profile"]
    assert profile["legal_representative"].endswith("*")  # responsible persons masked

    grades = read_topic(broker.bootstrap_servers, relay.catalogue.full("grades"), expected=1)
    assert [to_cloudevent(g.headers, g.key, g.value).get_data()["entries"][0]["level"] for g in grades] == [4]
    assert relay.catch_up() == 0  # nothing new: nothing re-sent


def test_complainant_identity_never_appears_in_any_public_topic_byte(kafka_container, relay, broker):
    d = kafka_container.dispatcher
    d.dispatch("register_facility", facility_payload(region_code="140502"), CIVIL)
    d.dispatch("register_complaint", {"uscc": USCC, "channel": "hotline_12345", "category": "abuse_cheating",
                                      "summary": f"{COMPLAINANT['name']}反映护工打骂老人", "reference": "W-1",
                                      "complainant": COMPLAINANT, "occurred_on": "2026-11-20"}, CIVIL)
    relay.catch_up()
    summary = read_topic(broker.bootstrap_servers, relay.catalogue.full("complaints-summary"), expected=1)
    body = to_cloudevent(summary[0].headers, summary[0].key, summary[0].value).get_data()
    assert body["category"] == "abuse_cheating" and body["channel"] == "hotline_12345"
    assert body["received_on"] == "2026-11-20" and body["ack_due_on"] and body["conclude_due_on"]
    everything = b""
    for name in relay.catalogue.outbound_names():
        for record in read_topic(broker.bootstrap_servers, name, quiet=0.3, timeout=3):
            everything += (record.value or b"") + b"".join(v for _, v in record.headers)
    assert everything
    for secret in [*COMPLAINANT.values(), "打骂", "11010519491231002X", "13800138000", "王建国"]:
        assert secret.encode() not in everything, secret
    assert b"_sealed" not in everything


def test_joint_punishment_list_carries_current_state_and_a_tombstone_mirrored_downstream(
        kafka_container, relay, broker, tmp_path):
    d = kafka_container.dispatcher
    d.dispatch("register_facility", facility_payload(region_code="140502"), CIVIL)
    list_facility(d, USCC, "晋民罚〔2026〕1号")
    relay.catch_up()
    topic = relay.catalogue.full("joint-punishment")
    store = MirrorStore(f"sqlite:///{tmp_path}/mirror.sqlite")
    mirror = Mirror(store, topic, lambda: __import__("kafka").KafkaConsumer(
        bootstrap_servers=broker.bootstrap_servers, enable_auto_commit=False))
    mirror.run(threading.Event(), quiet_s=1.0)
    listed = store.current()
    assert listed == relay.view.current("joint-punishment")
    entry = listed[USCC][0]
    assert entry["criterion"] == "obstructing_inspection" and entry["list_kind"] == "joint_punishment"
    assert entry["measures"] == ["key_supervision", "no_subsidies"]
    assert entry["responsible_persons"]["legal_representative"] == "王**"
    kafka_container.runner("credit_lists").catch_up()  # the mirror agrees with the credit view
    in_force = kafka_container.view("credit_lists").in_force("joint_punishment", kafka_container.clock())
    assert {r["listing_id"] for r in in_force} == {e["listing_id"] for e in listed[USCC]}

    revoke(d, "晋民罚〔2026〕1号")  # the decision is revoked: the listing is removed at once
    relay.catch_up()
    records = read_topic(broker.bootstrap_servers, topic, expected=2)
    assert [r.value is None for r in records] == [False, True]
    assert records[1].key == USCC.encode()
    assert dict(records[1].headers)["ce_type"] == b"cn.eldercare.list.joint_punishment.removed.v1"
    mirror.run(threading.Event(), quiet_s=1.0)
    assert store.current() == {} == relay.view.current("joint-punishment")
    blacklist = read_topic(broker.bootstrap_servers, relay.catalogue.full("blacklist"), expected=2)
    assert [r.value is None for r in blacklist] == [False, True]
