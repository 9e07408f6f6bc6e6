"""`handle`, the plain function behind the inbound consumers, on PostgreSQL without a broker."""

from __future__ import annotations

import json

import pytest

from consumers.inbound import Decoded, decode, handle
from consumers.topics import Catalogue
from supervision.application import Context
from supervision.dispatcher import Dispatcher
from supervision.domain.errors import PermissionDenied
from supervision.domain.values import Actor
from tests.kafka_support import CIVIL, inbound_record
from tests.support import facility_payload

pytestmark = pytest.mark.integration

HOTLINE = Catalogue().get("inbound.hotline-complaints")
CTX = Context(Actor("kafka-hotline-12345", "12345", "system"),
              source="kafka:eldercare.inbound.hotline-complaints")
WORK_ORDER = {"schema_version": 1, "uscc": "91350100M000100Y43", "reference": "12345-20261120-7",
              "category": "fees", "summary": "押金迟迟不退", "occurred_on": "2026-11-20",
              "complainant": {"name": "钱多多", "phone": "13700001111"}}


def decoded(body: dict) -> Decoded:
    _, headers, value = inbound_record("w-7", HOTLINE.ce_type, body)
    out = decode(HOTLINE, headers.items(), value, Dispatcher(app=None))
    assert isinstance(out, Decoded), out
    return out


def test_a_redelivered_work_order_changes_nothing(pg_container):
    pg_container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)
    command = decoded(WORK_ORDER)
    assert handle(command, pg_container.dispatcher, CTX).status == "accepted"
    head = pg_container.app.recorder.max_notification_id()
    again = handle(command, pg_container.dispatcher, CTX)
    assert again.status == "duplicate" and "already registered" in again.detail
    assert pg_container.app.recorder.max_notification_id() == head
    stored = b"".join(n.state for n in pg_container.app.recorder.select_notifications(1, head))
    assert "钱多多".encode() not in stored and b"13700001111" not in stored  # sealed at rest
    assert b"hotline_12345" in stored and b"kafka:eldercare.inbound.hotline-complaints" in stored


def test_a_work_order_about_an_unknown_facility_is_rejected_for_the_dead_letter_topic(pg_container):
    seeded = pg_container.app.recorder.max_notification_id() or 0  # the seed agencies
    outcome = handle(decoded(WORK_ORDER), pg_container.dispatcher, CTX)
    assert outcome.status == "rejected" and outcome.rejected.fields == {"uscc": ["not registered"]}
    assert (pg_container.app.recorder.max_notification_id() or 0) == seeded


def test_a_consumer_actor_without_the_role_stops_instead_of_dead_lettering_everything(pg_container):
    pg_container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)
    wrong = Context(Actor("kafka-hotline-12345", "12345", "fire"), source=CTX.source)
    with pytest.raises(PermissionDenied):
        handle(decoded(json.loads(json.dumps(WORK_ORDER))), pg_container.dispatcher, wrong)


def test_a_record_about_a_facility_outside_the_consumers_jurisdiction_is_dead_lettered_not_a_stop(
        pg_container):
    """One record the consumer's agency may not act on can never succeed: it goes to the dead-letter
    topic and the records behind it go on (a role the actor lacks still stops the consumer)."""
    pg_container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)  # 福州 350102
    jincheng = Context(Actor("kafka-hotline-jc", "MZJ-140500", "civil_affairs"), source=CTX.source)
    seeded = pg_container.app.recorder.max_notification_id()
    outcome = handle(decoded(json.loads(json.dumps(WORK_ORDER))), pg_container.dispatcher, jincheng)
    assert outcome.status == "rejected" and "jurisdiction rule" in outcome.detail
    assert pg_container.app.recorder.max_notification_id() == seeded
