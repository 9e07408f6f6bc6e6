"""A save whose COMMIT went through but whose answer was lost (the connection died in between) is
retried by the store, and the retry meets its own rows: that save succeeded and must be answered so
— never 409 "already registered" for a registration that is stored, never an event twice. A real
conflict (another command's event at that version) is still 409. Found by a new-user try that
killed the database's connections under load. Both stores."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from infra.sample_city import facilities
from supervision.application import Context
from supervision.domain.errors import FacilityAlreadyRegistered, VersionMismatch
from tests.support import ROLE_ACTORS, make_container, stored_events

pytestmark = pytest.mark.integration

CTX = Context(ROLE_ACTORS["civil_affairs"], source="api")


def _answer_lost_once(recorder: Any) -> list[int]:
    """The next insert commits, then behaves as the store's retry after a lost answer does: inserts
    the same records again, which the store refuses as a duplicate."""
    insert = recorder.insert_events
    calls: list[int] = []

    def committed_then_retried(events: Sequence[Any], **kwargs: Any) -> Any:
        calls.append(len(events))
        if len(calls) == 1:
            insert(events, **kwargs)  # committed; its answer "lost"
        return insert(events, **kwargs)  # the retry: IntegrityError on our own rows

    recorder.insert_events = committed_then_retried
    return calls


def test_a_registration_whose_answer_was_lost_is_answered_as_stored(store_url, tmp_path: Path):
    container = make_container(store_url, tmp_path / "var")
    try:
        rows = list(facilities(2, seed=77))
        calls = _answer_lost_once(container.app.recorder)
        accepted = container.dispatcher.dispatch("register_facility", rows[0], CTX)
        assert calls == [1]  # one save, which met its own row on the retry
        assert accepted.notification_id is not None
        registered = [e for e in stored_events(container) if e[0] == "Facility.Registered"]
        assert [e[1]["uscc"] for e in registered] == [rows[0]["uscc"]]  # stored once
        # a real duplicate, another command's registration of the same facility: still 409
        with pytest.raises(FacilityAlreadyRegistered):
            container.dispatcher.dispatch("register_facility", rows[0], CTX)
    finally:
        container.close()


def test_a_profile_change_whose_answer_was_lost_is_applied_once(store_url, tmp_path: Path):
    container = make_container(store_url, tmp_path / "var")
    try:
        row = next(iter(facilities(1, seed=78)))
        container.dispatcher.dispatch("register_facility", row, CTX)
        _answer_lost_once(container.app.recorder)
        change = {"uscc": row["uscc"], "expected_version": 1, "total_beds": row["total_beds"] + 10}
        container.dispatcher.dispatch("change_facility_profile", change, CTX)
        assert container.app.get_facility(row["uscc"]).version == 2
        with pytest.raises(VersionMismatch):  # the same change again is a stale version, as before
            container.dispatcher.dispatch("change_facility_profile", change, CTX)
    finally:
        container.close()
