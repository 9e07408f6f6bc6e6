"""备案 registry over HTTP, on SQLite and on real PostgreSQL (the `store_url` fixture)."""

from __future__ import annotations

import threading

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.support import facility_payload

USCC = "91350100M000100Y43"
BASE = "/api/v1/facilities"


def count_events(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def test_a_registered_facility_is_listed_and_shown_with_its_history(client):
    r = client.post(BASE, facility_payload())
    assert r.status_code == 201, r.json
    assert r.json["data"]["uscc"] == USCC and r.json["version"] == 1

    listed = client.get(f"{BASE}?region_code=3501").json
    assert listed["total"] == 1 and listed["items"][0]["name"] == "福州夕阳红养老院"
    shown = client.get(f"{BASE}/{USCC}").json
    assert shown["status"] == "open" and shown["nursing_beds"] == 60

    history = client.get(f"{BASE}/{USCC}/events", as_="civil_affairs").json
    assert [h["event_type"] for h in history] == ["Facility.Registered"]
    assert history[0]["actor_user"] == "mz-officer" and history[0]["source"] == "api"


def test_personal_data_is_sealed_in_the_store_and_absent_from_every_read(client):
    client.post(BASE, facility_payload())
    raw = b"".join(n.state for n in client.container.app.recorder.select_notifications(1, 10))
    assert b"13800138000" not in raw and b"11010519491231002X" not in raw
    history = client.get(f"{BASE}/{USCC}/events", as_="civil_affairs").get_data()
    listing = client.get(BASE).get_data()
    for body in (history, listing):
        assert b"13800138000" not in body and b"personal" not in body
    facility = client.container.app.get_facility(USCC)
    assert client.container.sealer.unseal(facility.personal_sealed)["contact_phone"] == "13800138000"


def test_invalid_uscc_is_422_naming_the_field_and_writes_nothing(client):
    for bad, reason in [
        ("91350100M000100Y44", "check character is wrong"),
        ("9135010", "must be 18 characters"),
        ("91350100M0001O0Y43", "not allowed by GB 32100"),
    ]:
        r = client.post(BASE, facility_payload(uscc=bad))
        assert r.status_code == 422
        assert reason in r.json["fields"]["uscc"][0]
    assert count_events(client) == client.seed_head


def test_wrong_types_and_malformed_json_are_422(client):
    r = client.post(BASE, facility_payload(total_beds="many", nursing_beds=1.5, region_code="35"))
    assert r.status_code == 422
    assert set(r.json["fields"]) >= {"total_beds", "nursing_beds", "region_code"}
    r = client.post(BASE, facility_payload(nursing_beds=101))
    assert r.status_code == 422 and "nursing_beds" in r.json["fields"]
    r = client.http.post(BASE, data="{not json", headers={
        "Authorization": f"Bearer {client.tokens['civil_affairs']}", "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json["error"] == "malformed JSON body"
    r = client.post(BASE, facility_payload(occurred_on="2099-01-01"))
    assert r.status_code == 422 and "in the future" in r.json["fields"]["occurred_on"][0]
    assert count_events(client) == client.seed_head


def test_duplicate_registration_is_409(client):
    assert client.post(BASE, facility_payload()).status_code == 201
    r = client.post(BASE, facility_payload(name="另一个名字"))
    assert r.status_code == 409 and r.json["fields"] == {"uscc": ["already registered"]}
    assert count_events(client) == client.seed_head + 1


def test_unknown_facility_is_404(client):
    assert client.get(f"{BASE}/91110000802100433B").status_code == 404
    r = client.post(f"{BASE}/91110000802100433B/exit", {"reason": "停业"})
    assert r.status_code == 404 and r.json["error"] == "facility 91110000802100433B is not registered"


def test_writes_need_a_known_token_with_the_right_role(client):
    assert client.post(BASE, facility_payload(), as_=None).status_code == 401
    r = client.http.post(BASE, json=facility_payload(), headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
    r = client.post(BASE, facility_payload(), as_="fire")
    assert r.status_code == 403 and "may not register_facility" in r.json["error"]
    assert client.get(BASE).status_code == 200  # public read, no token
    assert client.get(f"{BASE}/{USCC}/events").status_code == 401  # the full history is not public
    inspector = client.token_for(Actor("INS-1", "MZJ-140500", "inspector"))
    r = client.http.get(f"{BASE}/{USCC}/events", headers={"Authorization": f"Bearer {inspector}"})
    assert r.status_code == 403
    assert count_events(client) == client.seed_head


def test_stale_version_in_if_match_is_409(client):
    client.post(BASE, facility_payload())
    ok = client.patch(f"{BASE}/{USCC}", {"total_beds": 120}, headers={"If-Match": "1"})
    assert ok.status_code == 200 and ok.json["version"] == 2
    stale = client.patch(f"{BASE}/{USCC}", {"total_beds": 130}, headers={"If-Match": "1"})
    assert stale.status_code == 409
    assert client.get(f"{BASE}/{USCC}").json["total_beds"] == 120


def test_if_match_star_matches_any_current_version_and_is_404_without_a_record(client):
    """RFC 9110 §13.1.1: `*` is true when the record has a current representation: the change proceeds as
    without a condition; on a facility never registered it is the usual 404. Seen case: 422 "Not a valid
    integer"."""
    client.post(BASE, facility_payload())
    client.patch(f"{BASE}/{USCC}", {"total_beds": 110})
    r = client.patch(f"{BASE}/{USCC}", {"total_beds": 120}, headers={"If-Match": "*"})
    assert r.status_code == 200, r.json
    assert r.json["version"] == 3 and client.get(f"{BASE}/{USCC}").json["total_beds"] == 120
    r = client.patch(f"{BASE}/{USCC}", {"total_beds": 125}, headers={"If-Match": 'W/"3"'})
    assert r.status_code == 200, r.json
    head = count_events(client)
    unknown = with_check_character("91350100M000200Y5")
    r = client.patch(f"{BASE}/{unknown}", {"total_beds": 120}, headers={"If-Match": "*"})
    assert r.status_code == 404, r.json
    # a tag of 5,000 digits: int() refuses it (Python's digit limit) — was a 500
    for bad in ("abc", '"1", "2"', "0", "-1", "2147483648", "9" * 5000, '"' + "1" * 4301 + '"'):
        r = client.patch(f"{BASE}/{USCC}", {"total_beds": 130}, headers={"If-Match": bad})
        assert r.status_code == 422 and "If-Match" in r.json["fields"], (bad, r.json)
    assert count_events(client) == head


def test_the_if_match_header_is_documented_with_its_star(client):
    spec = client.get("/api/openapi.json").json
    parameters = spec["paths"]["/api/v1/facilities/{uscc}"]["patch"]["parameters"]
    header = next(p for p in parameters if p["in"] == "header" and p["name"] == "If-Match")
    assert "`*`" in header["description"] and "RFC 9110" in header["description"]


def test_concurrent_edits_one_wins_the_other_gets_409_and_nothing_is_half_written(client):
    client.post(BASE, facility_payload())
    app = client.container.app
    a, b = app.get_facility(USCC), app.get_facility(USCC)  # both read version 1
    ctx_actor = client.container.tokens.actor_for(client.tokens["civil_affairs"])
    from datetime import date

    for facility, beds in ((a, 110), (b, 150)):
        facility.change_profile(changes={"total_beds": beds}, personal_sealed=None,
                                occurred_on=date(2025, 2, 1), actor=ctx_actor, source="api")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def save(f):
        barrier.wait()
        try:
            app._save(f, what="facility")
            results.append("ok")
        except Exception as exc:  # the loser
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=save, args=(f,)) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ConcurrentModification", "ok"]
    assert app.get_facility(USCC).version == 2
    # and over HTTP: the loser's status code
    r = client.patch(f"{BASE}/{USCC}", {"total_beds": 99}, headers={"If-Match": "1"})
    assert r.status_code == 409


def test_grade_assessment_is_checked_against_its_score_and_shown(client):
    client.post(BASE, facility_payload())
    r = client.post(f"{BASE}/{USCC}/grade-assessments",
                    {"level": 5, "score": 880, "assessing_body": "福州市民政局", "certificate_no": "FZ-1"})
    assert r.status_code == 422 and "needs at least 900" in r.json["fields"]["level"][0]
    r = client.post(f"{BASE}/{USCC}/grade-assessments", {
        "level": 4, "score": 800, "assessing_body": "福州市民政局", "certificate_no": "FZ-1",
        "occurred_on": "2025-06-23"})
    assert r.status_code == 201, r.json
    shown = client.get(f"{BASE}/{USCC}").json
    assert shown["grade_level"] == 4 and shown["grade_valid_until"] == "2028-06-23"
    assert client.get(f"{BASE}?grade=4").json["total"] == 1


def test_exit_closes_the_facility_and_keeps_its_history(client):
    client.post(BASE, facility_payload())
    r = client.post(f"{BASE}/{USCC}/exit", {"reason": "经营困难停业", "occurred_on": "2026-03-01"})
    assert r.status_code == 201
    assert client.post(f"{BASE}/{USCC}/exit", {"reason": "again"}).status_code == 409
    assert client.get(f"{BASE}?status=closed").json["total"] == 1
    assert client.get(f"{BASE}?status=open").json["total"] == 0
    history = client.get(f"{BASE}/{USCC}/events", as_="admin").json
    assert [h["event_type"] for h in history] == ["Facility.Registered", "Facility.Closed"]


def test_list_filters_and_pages(client):
    from infra.sample_city import facilities

    for row in facilities(12):
        assert client.post(BASE, row).status_code == 201
    page1 = client.get(f"{BASE}?page_size=5").json
    page3 = client.get(f"{BASE}?page_size=5&page=3").json
    assert page1["total"] == 12 and len(page1["items"]) == 5 and len(page3["items"]) == 2
    district = client.get(f"{BASE}?region_code=140502").json
    assert district["total"] == 2 and {i["region_code"] for i in district["items"]} == {"140502"}
    bad = client.get(f"{BASE}?grade=9&ownership=state")
    assert bad.status_code == 422 and set(bad.json["fields"]["query"]) == {"grade", "ownership"}
