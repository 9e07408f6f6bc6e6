"""What a fresh user's try found at the door (2026-12-01), each fixed by kind, over HTTP on SQLite and
PostgreSQL: dates no arithmetic can hold (500 before), deadlines and validities beyond what a rule
allows, blank required text, a JSON key given twice, a body contradicting its path, an agency
dissolving itself. Each is refused field by field and nothing is written."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError
from marshmallow import fields as f

from supervision.commands import bounds
from supervision.commands.fields import Day, Deadline, Moment, check_horizons
from supervision.dispatcher import ALL_COMMANDS
from supervision.domain.errors import InvalidValue
from tests.support import Client, facility_payload

FAC = "/api/v1/facilities"
USCC = "91350100M000100Y43"
IN_CITY = "12140502GYGLUY3W7E"  # not registered: schemas refuse before anything is looked up


def head(client: Client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def refused(response, field: str, status: int = 422) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.json
    assert field in body["fields"], body
    return " ".join(body["fields"][field])


def register(client: Client, **overrides) -> None:
    r = client.post(FAC, facility_payload(uscc=USCC, region_code="140502", **overrides))
    assert r.status_code == 201, r.json


# -- dates -------------------------------------------------------------------------------------------
def test_dates_no_arithmetic_can_hold_are_refused_not_a_500(client):
    before = head(client)
    r = client.post(f"/api/v1/credit/listings/{uuid.uuid4()}/confirmation", {"effective_on": "9999-12-31"})
    assert "between 1949-10-01 and 2199-12-31" in refused(r, "effective_on")
    incident = {"uscc": IN_CITY, "category": "fire", "severity": "general", "summary": "x",
                "occurred_at": "2026-11-20T10:00:00+08:00", "reported_at": "2026-11-20T11:00:00+08:00"}
    for name, moment in (("occurred_at", "0001-01-01T00:00:00+14:00"),
                         ("reported_at", "9999-12-31T23:59:59-12:00")):
        refused(client.post("/api/v1/incidents", {**incident, name: moment}), name)
    refused(client.post(FAC, facility_payload(uscc=USCC, region_code="140502", opened_on="0001-01-01")),
            "opened_on")
    assert head(client) == before


def test_a_grade_is_valid_three_years_at_most_and_a_deadline_ten_years_ahead_at_most(client, today):
    register(client)
    grade = {"level": 3, "score": 700, "assessing_body": "晋城市民政局", "certificate_no": "C-1",
             "occurred_on": today.isoformat()}
    before = head(client)
    r = client.post(f"{FAC}/{USCC}/grade-assessments", {**grade, "valid_until": "9999-12-31"})
    refused(r, "valid_until")
    r = client.post(f"{FAC}/{USCC}/grade-assessments",
                    {**grade, "valid_until": today.replace(year=today.year + 4).isoformat()})
    assert "valid 3 years" in refused(r, "valid_until")
    summon = {"uscc": USCC, "reason": "多次投诉", "summoned_roles": ["legal_representative"]}
    far = today.replace(year=today.year + bounds.HORIZON_YEARS) + timedelta(days=1)
    r = client.post("/api/v1/interviews", {**summon, "scheduled_on": far.isoformat()})
    assert "years after today" in refused(r, "scheduled_on")
    assert head(client) == before
    last_day = today.replace(year=today.year + 3) - timedelta(days=1)
    ok = client.post(f"{FAC}/{USCC}/grade-assessments", {**grade, "valid_until": last_day.isoformat()})
    assert ok.status_code == 201, ok.json
    soon = (today + timedelta(days=7)).isoformat()
    ok = client.post("/api/v1/interviews", {**summon, "scheduled_on": soon})
    assert ok.status_code == 201, ok.json


def command_fields():
    """(where, field) of every leaf field of every command schema (lists' items, nested objects')."""

    def walk(schema, prefix):
        for name, field in schema.fields.items():
            inner = field.inner if isinstance(field, f.List) else field
            if isinstance(inner, f.Nested):
                yield from walk(inner.schema, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", inner

    for spec in ALL_COMMANDS:
        yield from walk(spec.schema(), f"{spec.name}.")


def test_every_date_a_command_carries_is_bounded():
    """No command has a plain marshmallow Date or DateTime (unbounded: year 9999, year 1)."""
    assert [where for where, field in command_fields()
            if isinstance(field, f.Date | f.DateTime) and not isinstance(field, Day | Moment)] == []


@given(st.dates())
def test_a_day_is_accepted_exactly_within_its_bounds(day):
    inside = bounds.EARLIEST_DAY <= day <= bounds.LATEST_DAY
    try:
        assert Day().deserialize(day.isoformat()) == day and inside
    except ValidationError:
        assert not inside


def test_every_deadline_is_checked_against_the_horizon(today):
    limit = today.replace(year=today.year + bounds.HORIZON_YEARS)
    checked = 0
    for spec in ALL_COMMANDS:
        schema = spec.schema()
        for name, field in schema.fields.items():
            if isinstance(field, Deadline):
                check_horizons(schema, {name: limit}, today)
                with pytest.raises(InvalidValue) as refusal:
                    check_horizons(schema, {name: limit + timedelta(days=1)}, today)
                assert refusal.value.fields == {name: [str(refusal.value.fields[name][0])]}
                checked += 1
    assert checked >= 8
    leap = date(2028, 2, 29)
    assert check_horizons(spec.schema(), {}, leap) is None  # 2038-02-29 does not exist: no error


# -- text ----------------------------------------------------------------------------------------------
def test_every_free_string_a_command_carries_is_text_with_the_blank_rule():
    """A plain marshmallow String (no blank rule, no control-character rule of its own) only for a
    closed set of choices; free text is `Text`, document numbers `Reference`, identifiers typed."""
    from marshmallow import validate

    def choice(field) -> bool:
        return any(isinstance(v, validate.OneOf) for v in field.validators)

    assert [where for where, field in command_fields() if type(field) is f.String and not choice(field)] == []


@pytest.mark.parametrize("blank", ["\u2800", "\u3164", "\u115f", "\uffa0", "\u3000 \u00a0"])
def test_characters_that_show_nothing_are_blank(client, blank):
    before = head(client)
    refused(client.post(FAC, facility_payload(uscc=USCC, region_code="140502", name=blank)), "name")
    assert head(client) == before

@pytest.mark.parametrize(("field", "value"), [("address", ""), ("address", "   "), ("name", "\u3000"),
                                              ("legal_representative", " "), ("person_in_charge", "\t")])
def test_blank_text_is_refused_where_it_is_required_or_given(client, field, value):
    before = head(client)
    r = client.post(FAC, facility_payload(uscc=USCC, region_code="140502", **{field: value}))
    assert "blank" in refused(r, field) or "Shorter" in refused(r, field) or "shorter" in refused(r, field)
    assert head(client) == before


def test_an_optional_text_may_still_be_left_empty(client):
    register(client, legal_representative="", person_in_charge="")


# -- ambiguity -----------------------------------------------------------------------------------------
def test_a_json_key_given_twice_is_refused_not_resolved_last_wins(client):
    other = "91350100M000101Y40"
    body = json.dumps(facility_payload(uscc=USCC, region_code="140502"), ensure_ascii=False)
    doubled = body[:-1] + f', "uscc": "{other}"}}'
    before = head(client)
    r = client.http.post(FAC, data=doubled.encode(), content_type="application/json",
                         headers={"Authorization": f"Bearer {client.tokens['civil_affairs']}"})
    assert "twice" in r.json["error"] and "given more than once" in refused(r, "uscc")
    assert head(client) == before


def test_a_body_contradicting_its_path_is_refused(client):
    register(client)
    before = head(client)
    for value in ["91350100M000101Y40", "\u0000", [1] * 100, {}]:
        r = client.patch(f"{FAC}/{USCC}", {"uscc": value, "address": "新地址1号"})
        assert "given as '91350100M000100Y43' already" in refused(r, "uscc")
    assert head(client) == before
    full_width = USCC.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    for same_value in (USCC, USCC.lower(), full_width):  # the same identifier, as it is read
        same = client.patch(f"{FAC}/{USCC}", {"uscc": same_value, "address": "新地址1号"})
        assert same.status_code == 200, same.json


def test_an_agency_cannot_dissolve_itself(client):
    before = head(client)
    admin = client.container.tokens.actor_for(client.tokens["admin"])
    r = client.post(f"/api/v1/agencies/{admin.agency}/dissolution", {"reason": "撤销"}, as_="admin")
    assert r.status_code == 403 and "cannot dissolve itself" in r.json["error"]
    assert head(client) == before
    assert client.post(FAC, facility_payload(uscc=USCC, region_code="140502"), as_="admin").status_code == 201


def test_a_key_given_twice_is_refused_in_cli_data_jsonl_imports_and_inbound_records(capsys):
    from consumers.inbound import Rejected, decode
    from infra.cli_support import load_json_option
    from infra.import_lines import parse_json
    from tests.unit.test_inbound_decode import DISPATCHER, FIRE, headers

    doubled = '{"uscc": "91350100M000100Y43", "uscc": "91350100M000101Y40"}'
    with pytest.raises(SystemExit) as exit_:
        load_json_option(doubled)
    assert exit_.value.code == 2 and "appears twice" in capsys.readouterr().err
    assert parse_json(doubled.encode()).startswith("ambiguous JSON")
    out = decode(FIRE, headers(), doubled.encode(), DISPATCHER)
    assert isinstance(out, Rejected) and "appears twice" in out.reason and "uscc" in out.fields


def test_cli_data_contradicting_an_argument_is_refused_not_overridden(capsys):
    from infra.cli_support import data_with

    with pytest.raises(SystemExit) as exit_:
        data_with('{"uscc": "91350100M000101Y40", "total_beds": 77}', uscc=USCC)
    assert exit_.value.code == 2 and "contradicts" in capsys.readouterr().err
    assert data_with(f'{{"uscc": "{USCC.lower()}"}}', uscc=USCC) == {"uscc": USCC}
    assert data_with('{"commitment_no": 2}', commitment_no=2) == {"commitment_no": 2}
