"""Poison items for the fault suite: events that can never be applied, appended beside good ones.

They bypass the command door on purpose (the door refuses most of them now): what is tested is that
a pipeline survives whatever is already in the store.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from infra.sample_city import facilities
from supervision.application import Context
from supervision.domain.facility import Facility
from tests.support import ROLE_ACTORS

CIVIL = Context(ROLE_ACTORS["civil_affairs"], source="api")
REGISTERED_TOPIC = get_topic(Facility.Registered)


def register(container: Any, rows: list[dict[str, Any]], **override: Any) -> list[int]:
    """Register facilities one save each (so each gets its own notification); returns their ids."""
    ids = []
    for row in rows:
        loaded = container.dispatcher.load("register_facility", row)
        loaded.update(override)
        facility = container.app.new_facility(CIVIL, **loaded)
        ids.append(container.app._save(facility))
    return ids


def raw_event(container: Any, topic: str, state: bytes) -> int:
    """Append one stored event with this topic and state bytes; returns its notification id."""
    stored = StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic=topic, state=state)
    container.app.recorder.insert_events([stored])
    return container.app.recorder.max_notification_id()


def undecodable(container: Any, topic: str = REGISTERED_TOPIC) -> int:
    """A stored event whose state is not JSON: the mapper can never decode it."""
    return raw_event(container, topic, b"\xff{not json")


def too_deep(container: Any, topic: str = REGISTERED_TOPIC) -> int:
    """A stored event nested 5,000 levels deep: decoding raises RecursionError."""
    return raw_event(container, topic, b"[" * 5000 + b"]" * 5000)


def sample_rows(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    return list(facilities(count, seed=seed))
