"""The importer's registration builds exactly what `new_facility` records, or refuses alike.

`infra.import_lines.Registration` builds the `Facility.Registered` event without the aggregate (half
of a row's building time); the import stores it as the store's mapper maps it. For every row it must
give the event `app.new_facility(ctx, **args)` records — same fields in the same order, same values,
the same stored JSON apart from the time of recording and the sealed personal data's IV — and for
every row `new_facility` refuses, the same error with the same message. A preparer whose shortcut
differs from the aggregate's path on its first row uses the aggregate's path for the whole import.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from infra.import_lines import BuiltFacility, FacilityLine, LinePreparer, Registration
from infra.sample_city import facilities
from supervision.app import SupervisionApp
from supervision.commands.fast_facilities import fast_register_facility
from supervision.crypto import Sealer
from supervision.dispatcher import Dispatcher
from supervision.domain.errors import DomainError
from tests.support import ROLE_ACTORS

TODAY = date(2026, 11, 30)
CTX_ACTOR = ROLE_ACTORS["civil_affairs"]


@pytest.fixture(scope="module")
def app() -> SupervisionApp:
    return SupervisionApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                          sealer=Sealer([Fernet.generate_key()]), clock=lambda: TODAY)


@pytest.fixture(scope="module")
def rows(app: SupervisionApp) -> list[dict[str, Any]]:
    dispatcher = Dispatcher(app)
    return [dispatcher.load("register_facility", r) for r in facilities(300, seed=21)]


def _ctx() -> Any:
    from supervision.application import Context

    return Context(CTX_ACTOR, source="import")


def _stored_fields(app: SupervisionApp, event: Any) -> tuple[Any, ...]:
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    times = state.pop("timestamp")
    sealed = state.pop("personal_sealed")
    opened = app.sealer.unseal(sealed) if sealed else None
    return stored.originator_id, stored.originator_version, stored.topic, list(state.items()), opened, \
        times["_type_"]


def outcome(app: SupervisionApp, build: Any, args: dict[str, Any]) -> Any:
    try:
        event = build(dict(args))
    except DomainError as exc:
        return type(exc), str(exc), exc.fields
    except Exception as exc:
        return type(exc), str(exc)
    return _stored_fields(app, event)


def test_every_sample_row_is_the_event_the_aggregate_records(app, rows):
    registration = Registration(app, _ctx())
    for args in rows:
        ours = outcome(app, registration.event, args)
        theirs = outcome(app, lambda a: app.new_facility(_ctx(), **a).collect_events()[0], args)
        assert ours == theirs
        assert isinstance(ours[0], type(theirs[0]))


@pytest.mark.parametrize("change", [
    {"opened_on": TODAY + timedelta(days=1)},
    {"opened_on": date(1949, 9, 30)},
    {"occurred_on": TODAY + timedelta(days=1)},
    {"occurred_on": date(1900, 1, 1)},
    {"occurred_on": None},
    {"nursing_beds": 10**6},
    {"total_beds": -1},
    {"name": "   "},
    {"ownership": "state"},
    {"profit_status": "charity"},
    {"region_code": "999999"},
    {"uscc": "52140502MJY0000100"},  # a wrong check character
    {"uscc": "not a code"},
    {"personal": {}},
    {"personal": None},
    {"opened_on": None},
])
def test_a_row_new_facility_refuses_is_refused_alike(app, rows, change):
    registration = Registration(app, _ctx())
    args = {**rows[0], **change}
    ours = outcome(app, registration.event, args)
    theirs = outcome(app, lambda a: app.new_facility(_ctx(), **a).collect_events()[0], args)
    assert ours == theirs


def test_the_preparer_builds_mapped_records_by_the_shortcut_once_it_matched(app, rows):
    preparer = LinePreparer(Dispatcher(app), app, _ctx(), fast_register_facility)
    raw = [r for r in facilities(3, seed=21)]
    lines = [preparer.prepare(n, 1, r) for n, r in enumerate(raw, start=1)]
    assert preparer.direct is True
    for line in lines:
        assert type(line) is FacilityLine and isinstance(line.facility, BuiltFacility)
        (stored,) = line.facility.events
        assert stored.topic.endswith("Facility.Registered") and stored.originator_version == 1


def test_a_shortcut_that_differs_on_the_first_row_is_not_used(app, rows):
    class Drifted(Registration):
        def event(self, args: dict[str, Any]) -> Any:
            return super().event({**args, "name": args["name"] + "（旧）"})

    preparer = LinePreparer(Dispatcher(app), app, _ctx(), fast_register_facility)
    preparer.registration = Drifted(app, _ctx())
    lines = [preparer.prepare(n, 1, r) for n, r in enumerate(facilities(3, seed=22), start=1)]
    assert preparer.direct is False
    for line, row in zip(lines, facilities(3, seed=22), strict=True):
        state = json.loads(line.facility.events[0].state)
        assert state["profile"]["name"] == row["name"]
