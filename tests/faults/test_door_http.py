"""The door refuses what cannot be kept (issue 9, items 1, 4 and 5), over HTTP on PostgreSQL and SQLite.

Each seen case is sent as it was seen; the command is refused with a field-level 4xx (or accepted and
then projected correctly, for the ¥30M fine), nothing is written, and a facility registered afterwards
is visible: no view was stopped by what came in before it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supervision.commands import bounds
from supervision.domain.uscc import with_check_character
from tests.support import Client, facility_payload, make_container

FAC = "/api/v1/facilities"
CREDIT = "/api/v1/credit"
CAMPAIGNS = "/api/v1/spot-checks/campaigns"
USCC = "91350100M000100Y43"
LATER = with_check_character("91140502MA0K0000" + "9")


def head(client: Client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def settle(client: Client) -> None:
    assert client.container.wait_for(head(client), timeout=15)


def a_facility_registered_afterwards_is_visible(client: Client, uscc: str = LATER) -> None:
    r = client.post(FAC, facility_payload(uscc=uscc, region_code="140502"))
    assert r.status_code == 201, r.json
    settle(client)
    shown = client.get(f"{FAC}/{uscc}", as_="civil_affairs")
    assert shown.status_code == 200, shown.json
    listed = client.get(f"{FAC}?region_code=1405", as_="civil_affairs")
    assert uscc in {f["uscc"] for f in listed.json["items"]}


def refused(response, status: int = 422, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.json
    assert isinstance(body, dict) and body["error"] and isinstance(body["fields"], dict)
    if field:
        assert field in body["fields"], body
    return body


def test_a_thirty_million_yuan_fine_is_accepted_and_held_by_every_view(pg_client):
    client = pg_client
    assert client.post(FAC, facility_payload(uscc=USCC, region_code="140502")).status_code == 201
    fine = 3_000_000_000  # ¥30,000,000.00 in fen: above a 32-bit INTEGER
    r = client.post(f"{CREDIT}/penalty-decisions", {
        "uscc": USCC, "decision_no": "晋城民罚决字〔2026〕30号",
        "authority_kind": "civil_affairs", "conduct": "abuse_cheating",
        "legal_basis": "《养老机构管理办法》第四十六条", "summary": "殴打入住老人", "fine_fen": fine,
        "occurred_on": "2026-05-01"}, as_="civil_affairs")
    assert r.status_code == 201, r.json
    settle(client)
    shown = client.get(f"{CREDIT}/penalty-decisions/晋城民罚决字〔2026〕30号", as_="civil_affairs")
    assert shown.status_code == 200 and shown.json["fine_fen"] == fine
    a_facility_registered_afterwards_is_visible(client)
    assert client.get("/api/v1/public/credit/blacklist").status_code == 200


def test_a_fine_above_the_stated_maximum_is_refused(client):
    assert client.post(FAC, facility_payload(uscc=USCC)).status_code == 201
    before = head(client)
    r = client.post(f"{CREDIT}/penalty-decisions", {
        "uscc": USCC, "decision_no": "X-1", "authority_kind": "civil_affairs",
        "conduct": "abuse_cheating", "legal_basis": "第四十六条", "fine_fen": bounds.MAX_FEN + 1})
    refused(r, 422, "fine_fen")
    assert head(client) == before


REGISTRATIONS_THAT_CANNOT_BE_KEPT = [
    ({"total_beds": 2**63}, "total_beds"),
    ({"total_beds": 2**31}, "total_beds"),
    ({"nursing_beds": -1}, "nursing_beds"),
    ({"name": "a\u0000b"}, "name"),
    ({"address": "示范路\u001b[31m1号"}, "address"),
    ({"name": "院" * (bounds.TITLE + 1)}, "name"),
    ({"region_code": "1٤٠٥٠٢"}, "region_code"),
    ({"region_code": "140502\n"}, "region_code"),
    ({"region_code": " 140502"}, "region_code"),
    ({"personal": {"contact_phone": "13800138000\n"}}, "personal.contact_phone"),
    ({"personal": {"legal_representative_id_number": "11010519491231002X\n"}},
     "personal.legal_representative_id_number"),
]


def test_registrations_that_cannot_be_kept_are_refused_and_later_ones_still_arrive(client):
    before = head(client)
    for overrides, field in REGISTRATIONS_THAT_CANNOT_BE_KEPT:
        refused(client.post(FAC, facility_payload(uscc=USCC, **overrides)), 422, field)
    refused(client.post(FAC, facility_payload(uscc=USCC + "\n")), 422, "uscc")
    surrogate = json.dumps(facility_payload(uscc=USCC)).replace('"name": "', '"name": "\\ud800').encode()
    refused(client.http.post(FAC, data=surrogate, headers={
        "Authorization": f"Bearer {client.tokens['civil_affairs']}", "Content-Type": "application/json"}),
        422, "name")
    assert head(client) == before
    a_facility_registered_afterwards_is_visible(client)


def test_a_nul_in_a_penalty_summary_is_refused(pg_client):
    client = pg_client
    assert client.post(FAC, facility_payload(uscc=USCC, region_code="140502")).status_code == 201
    before = head(client)
    r = client.post(f"{CREDIT}/penalty-decisions", {
        "uscc": USCC, "decision_no": "X-2", "authority_kind": "civil_affairs",
        "conduct": "abuse_cheating", "legal_basis": "第四十六条", "summary": "a\u0000b"})
    refused(r, 422, "summary")
    assert head(client) == before
    a_facility_registered_afterwards_is_visible(client)


def test_a_full_width_region_code_is_stored_in_ascii_and_found_by_region_queries(client):
    r = client.post(FAC, facility_payload(uscc=USCC, region_code="1４０５０２"))
    assert r.status_code == 201, r.json
    settle(client)
    assert client.get(f"{FAC}/{USCC}", as_="civil_affairs").json["region_code"] == "140502"
    for prefix in ("14", "1405", "140502", "１４０５"):
        items = client.get(f"{FAC}?region_code={prefix}", as_="civil_affairs").json["items"]
        assert [f["uscc"] for f in items] == [USCC], prefix


def test_a_full_width_uscc_names_the_same_facility(client):
    full_width = USCC.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    assert client.post(FAC, facility_payload(uscc=full_width)).status_code == 201
    assert client.post(FAC, facility_payload(uscc=USCC)).status_code == 409


def test_two_kilobytes_of_nested_arrays_are_a_422_not_a_500(client):
    before = head(client)
    body = b"[" * 1024 + b"]" * 1024
    for path in (FAC, f"{CREDIT}/penalty-decisions", CAMPAIGNS):
        r = client.http.post(path, data=body, headers={
            "Authorization": f"Bearer {client.tokens['admin']}", "Content-Type": "application/json"})
        assert "32" in refused(r, 422, "_body")["error"]
    nested_value = b'{"uscc": "' + USCC.encode() + b'", "name": ' + b"[" * 1024 + b"]" * 1024 + b"}"
    r = client.http.post(FAC, data=nested_value, headers={
        "Authorization": f"Bearer {client.tokens['admin']}", "Content-Type": "application/json"})
    refused(r, 422)
    assert head(client) == before
    a_facility_registered_afterwards_is_visible(client)


def test_a_body_over_the_limit_is_413_in_the_error_shape(client):
    body = b'{"name": "' + b"a" * (bounds.MAX_BODY_BYTES + 10) + b'"}'
    r = client.http.post(FAC, data=body, headers={
        "Authorization": f"Bearer {client.tokens['admin']}", "Content-Type": "application/json"})
    assert str(bounds.MAX_BODY_BYTES) in refused(r, 413)["error"]


BAD_QUERIES = ["page=10000000000000000000", "page=0", "page_size=501", "page=１٤", "region_code=140502%0A",
               "region_code=1%00", "name=%00"]
BAD_PATHS = [
    "/api/v1/complaints?page=10000000000000000000", "/api/v1/fire-safety/cases?page=10000000000000000000",
    "/api/v1/public/spot-checks/results?page=10000000000000000000", f"{FAC}/%00", f"{FAC}/{USCC}%0A/events",
    "/api/v1/prepaid/%00", f"{CREDIT}/listings?uscc={USCC}%0A",
]


def test_an_out_of_range_or_malformed_query_arg_is_422_with_or_without_a_token(client):
    for query in BAD_QUERIES:
        for token in (None, "civil_affairs"):
            r = client.get(f"{FAC}?{query}", as_=token)
            assert r.status_code in ((401, 422) if token is None else (422,)), (query, token, r.status_code)
            refused(r, r.status_code)
    assert client.get(f"{FAC}?page=10000000000000000000").status_code == 422  # the seen case, no token


def test_no_query_or_path_value_reaches_sql_unchecked(client):
    for path in BAD_PATHS:
        r = client.get(path, as_="admin")
        assert r.status_code in (404, 422), (path, r.status_code, r.get_data(as_text=True)[:300])


def checklist(items: int, title_chars: int) -> list[dict]:
    return [{"code": f"C{i:04d}", "title": "检" * title_chars} for i in range(items)]


def campaign(items: list[dict]) -> dict:
    return {"reference": "SJ-2026-BIG", "name": "大清单抽查", "kind": "special",
            "agencies": ["MZJ-140500", "MZB-100000"],
            "region_prefix": "1405", "checklist": items, "occurred_on": "2026-05-01"}


def test_a_campaign_with_a_checklist_longer_than_the_bound_is_refused(client):
    before = head(client)
    r = client.post(CAMPAIGNS, campaign(checklist(bounds.MAX_CHECKLIST + 1, 10)))
    refused(r, 422, "checklist")
    assert head(client) == before
    a_facility_registered_afterwards_is_visible(client)


@pytest.fixture
def small_broker_client(pg_url: str, tmp_path: Path):
    """A deployment whose broker takes at most 64 KiB per message (ELDERCARE_MAX_MESSAGE_BYTES)."""
    container = make_container(pg_url, tmp_path / "var", max_message_bytes=64 * 1024)
    container.start_projections()
    yield Client(container)
    container.close()


def test_a_campaign_whose_event_exceeds_the_broker_limit_is_413_naming_it_and_writes_nothing(
        small_broker_client):
    client = small_broker_client
    before = head(client)
    items = checklist(bounds.MAX_CHECKLIST, 60)  # within every field bound; ~100 KB of JSON
    r = client.post(CAMPAIGNS, campaign(items))
    body = refused(r, 413)
    assert "65536" in body["error"] and "ELDERCARE_MAX_MESSAGE_BYTES" in body["error"]
    assert head(client) == before
    fits = client.post(CAMPAIGNS, campaign(checklist(20, 60)))
    assert fits.status_code == 201, fits.json
    a_facility_registered_afterwards_is_visible(client)


def test_a_campaign_at_every_list_bound_fits_the_default_message_limit(client):
    """The list and text bounds are chosen so that the largest campaign the schema admits still fits a
    1 MiB broker message: the size check is a second line, not the only one."""
    r = client.post(CAMPAIGNS, campaign(checklist(bounds.MAX_CHECKLIST, bounds.TITLE)))
    assert r.status_code == 201, r.json


def test_the_openapi_document_shows_the_bounds(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]

    def prop(schema: str, name: str) -> dict:
        return schemas[schema]["properties"][name]

    assert prop("RecordPenaltyDecision", "fine_fen")["maximum"] == bounds.MAX_FEN
    assert prop("RecordPenaltyDecision", "fine_fen")["minimum"] == 0
    assert prop("RegisterFacility", "region_code")["pattern"] == "^[1-8][0-9]{5}$"
    assert prop("RegisterFacility", "total_beds")["maximum"] == bounds.MAX_BEDS
    assert prop("RegisterFacility", "name")["maxLength"] == bounds.TITLE
    assert "pattern" in prop("RegisterFacility", "name")
    assert prop("PlanSpotCheckCampaign", "checklist")["maxItems"] == bounds.MAX_CHECKLIST
    params = {p["name"]: p for p in spec["paths"]["/api/v1/facilities/"]["get"]["parameters"]} \
        if "/api/v1/facilities/" in spec["paths"] else \
        {p["name"]: p for p in spec["paths"]["/api/v1/facilities"]["get"]["parameters"]}
    assert params["page"]["schema"]["maximum"] == bounds.MAX_PAGE
    assert params["page_size"]["schema"]["maximum"] == bounds.MAX_PAGE_SIZE


def test_the_event_size_estimate_is_honest_about_what_the_relay_sends(tmp_path):
    """The largest campaign accepted under a 64 KiB limit becomes a relay record (envelope, headers and
    key included) that still fits 64 KiB, and the next size up is refused."""
    from consumers.relay import EventTranslator
    from consumers.topics import Catalogue
    from supervision.application import Context, EventTooLarge
    from tests.support import ROLE_ACTORS

    limit = 64 * 1024
    container = make_container(f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var",
                               max_message_bytes=limit)
    try:
        ctx = Context(ROLE_ACTORS["civil_affairs"], "api")
        accepted, n = None, 100
        while True:
            body = {**campaign(checklist(n, 60)), "reference": f"SJ-{n}"}
            try:
                accepted = container.dispatcher.dispatch("plan_spot_check_campaign", body, ctx)
            except EventTooLarge as exc:
                assert exc.limit == limit
                break
            n += 10
        assert accepted is not None and n > 100
        notification = container.app.recorder.select_notifications(accepted.notification_id, 1)[0]
        event = container.app.mapper.to_domain_event(notification)
        catalogue = Catalogue()
        etype = EventTranslator.event_type(notification)
        topic = catalogue.for_event(etype)
        assert topic is not None, etype  # a planned campaign is published
        message = EventTranslator(container.app, catalogue, None, "/eldercare/eldercare").domain_message(
            topic, etype, event)
        size = len(message.value or b"") + len((message.key or "").encode()) + sum(
            len(k) + len(v) for k, v in message.headers.items())
        assert limit / 2 < size <= limit
    finally:
        container.close()


def test_a_client_request_id_is_kept_only_when_it_is_a_bounded_token(client):
    """`X-Request-Id` goes into every log line and back out: a proxy's id is kept, anything that could
    forge or bloat a log line (newline, control characters, quotes, kilobytes) is replaced."""
    kept = client.get("/api/v1/facilities", headers={"X-Request-Id": "req-01HX.7:span_2"})
    assert kept.headers["X-Request-Id"] == "req-01HX.7:span_2"
    for bad in ("a" * 129, "x\tforged=1", "x forged", '"quoted"', "-leading", "中文"):
        answer = client.get("/api/v1/facilities?page_size=0", headers={"X-Request-Id": bad})
        assert answer.status_code == 422
        rid = answer.headers["X-Request-Id"]
        assert rid != bad and len(rid) == 32 and answer.json["request_id"] == rid


def test_a_bad_query_value_names_the_parameter_in_the_error_line(client):
    """The 422 for a query value says which parameter, not werkzeug's generic sentence."""
    answer = client.get("/api/v1/facilities?page_size=0&grade=9")
    assert answer.status_code == 422
    assert answer.json["error"] == "invalid query parameters: grade, page_size"
    assert set(answer.json["fields"]["query"]) == {"grade", "page_size"}
