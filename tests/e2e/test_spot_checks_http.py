"""“双随机、一公开” spot checks over HTTP on PostgreSQL: the commit–reveal draw and who sees it when,
recusal, results, publication."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from uuid import UUID

import pytest

from infra.clock import tick
from supervision.domain.spot_check import SpotCheckCampaign, inspection_id
from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from supervision.policy.draw import DrawInputs, draw, verify_chain
from tests.support import facility_payload

MZJ, XF = "MZJ-140500", "XFJY-140500"
CAMPAIGNS = "/api/v1/spot-checks/campaigns"
INSPECTORS = "/api/v1/inspectors"
PUBLIC = "/api/v1/public/spot-check-results"
PUBLIC_DRAWS = "/api/v1/public/spot-check-draws"
CHECKLIST = [
    {"code": "FS-01", "title": "消防设施器材完好有效"},
    {"code": "SV-01", "title": "服务合同与收费公示"},
]
ALL_PASS = [{"code": "FS-01", "result": "pass"}, {"code": "SV-01", "result": "pass"}]


@pytest.fixture(autouse=True)
def city_bureaus(request):
    """Campaigns are run by the agencies they name: the 晋城市 bureaus act in these scenarios."""
    for name in ("client", "pg_client"):
        if name in request.fixturenames:
            c = request.getfixturevalue(name)
            for role, code in (("civil_affairs", MZJ), ("fire", XF), ("market", "SCJG-140500")):
                c.tokens[role] = c.container.tokens.issue(Actor(f"{role}-jc", code, role))


def uscc(n: int, region: str = "140502") -> str:
    return with_check_character(f"52{region}MJ{n:07d}")


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def register(client, n: int, region: str = "140502") -> str:
    code = uscc(n, region)
    body = facility_payload(uscc=code, region_code=region, name=f"养老院{n}号")
    r = client.post("/api/v1/facilities", body)
    assert r.status_code == 201, r.json
    return code


def certify(client, inspector_id: str, agency: str = MZJ, **extra) -> None:
    role = {"MZJ": "civil_affairs", "XFJY": "fire", "SCJG": "market"}[agency.split("-")[0]]
    body = {"inspector_id": inspector_id, "name": f"检查员{inspector_id}", "agency": agency,
            "region_code": "140500", "certificate_no": f"晋执{inspector_id}", "occurred_on": "2025-01-10",
            **extra}
    r = client.post(INSPECTORS, body, as_=role)
    assert r.status_code == 201, r.json
    client.token_for(Actor(inspector_id, agency, "inspector"))


def plan(client, reference: str, region_prefix: str = "1405", agencies: tuple[str, ...] = (MZJ,),
         **extra) -> str:
    body = {"reference": reference, "name": f"养老机构双随机抽查 {reference}", "kind": "annual",
            "agencies": list(agencies), "region_prefix": region_prefix, "checklist": CHECKLIST,
            "occurred_on": "2025-09-01", **extra}
    r = client.post(CAMPAIGNS, body)
    assert r.status_code == 201, r.json
    return r.json["data"]["campaign_id"]


def commit(client, campaign_id: str, on: str = "2025-09-02", as_: str = "civil_affairs", **extra):
    return client.post(f"{CAMPAIGNS}/{campaign_id}/commitment", {"occurred_on": on, **extra}, as_=as_)


def draw_only(client, campaign_id: str, on: str = "2025-09-02", visit_on: str = "2025-09-05",
              as_: str = "civil_affairs"):
    return client.post(f"{CAMPAIGNS}/{campaign_id}/draw", {"occurred_on": on, "visit_on": visit_on}, as_=as_)


def draw_campaign(client, campaign_id: str, on: str = "2025-09-02", visit_on: str | None = None):
    """Both steps: the commitment (public), then the draw (visits from the draw day by default)."""
    r = commit(client, campaign_id, on)
    assert r.status_code == 201, r.json
    return draw_only(client, campaign_id, on, visit_on or on)


def team_of(client, campaign_id: str, code: str) -> list[str]:
    r = client.get(f"{CAMPAIGNS}/{campaign_id}/inspections/{code}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return r.json["inspectors"]


def record(client, campaign_id: str, code: str, as_: str, **body):
    payload = {"conclusion": "no_problem", "items": ALL_PASS, "evidence": ["现场检查记录 001"], **body}
    return client.post(f"{CAMPAIGNS}/{campaign_id}/inspections/{code}/result", payload, as_=as_)


def event_types(client, code: str) -> list[str]:
    client.container.wait_for(head(client))
    return [e["event_type"] for e in client.get(f"/api/v1/facilities/{code}/events", as_="admin").json]


def test_result_not_published_within_20_working_days_is_overdue_across_national_day(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-NATIONAL-DAY")
    assert draw_campaign(client, campaign).status_code == 201
    inspector = team_of(client, campaign, code)[0]

    client.container.clock.set(date(2025, 9, 26))
    r = record(client, campaign, code, as_=inspector, completed_on="2025-09-26")
    assert r.status_code == 201, r.json
    # 2025-09-28 (Sunday) is a working day, 10-01..10-08 are holidays, 10-11 (Saturday) works
    assert r.json["data"]["publish_due_on"] == "2025-10-30" and r.json["data"]["due_basis"] == "official"

    client.container.clock.set(date(2025, 10, 30))
    assert tick(client.container).appended == 0  # publishing on the due day is still on time
    assert "Inspection.PublicationOverdue" not in event_types(client, code)

    client.container.clock.set(date(2025, 10, 31))
    assert tick(client.container).appended == 1
    assert event_types(client, code).count("Inspection.PublicationOverdue") == 1
    again = tick(client.container)
    assert again.appended == 0 and not again.failed
    assert event_types(client, code).count("Inspection.PublicationOverdue") == 1

    shown = client.get(f"{CAMPAIGNS}/{campaign}/inspections/{code}", as_="civil_affairs").json
    assert shown["publication_overdue"] is True and shown["status"] == "recorded"
    assert client.get(PUBLIC).json["total"] == 0  # only published results are public


def test_a_supplied_seed_is_refused_and_the_committed_seed_is_the_one_drawn(pg_client):
    client = pg_client
    codes = [register(client, n) for n in range(1, 7)]
    for inspector_id, agency in (("MZ-A", MZJ), ("MZ-B", MZJ), ("XF-A", XF), ("XF-B", XF)):
        certify(client, inspector_id, agency)
    campaign = plan(client, "2025-SSJ-VERIFY", agencies=(MZJ, XF))
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify").status_code == 409  # nothing drawn yet
    r = draw_only(client, campaign)
    assert r.status_code == 409 and "commit first" in r.json["error"]  # no draw without a commitment

    before = head(client)
    for path, body in (("commitment", {}), ("draw", {"visit_on": "2025-09-05"})):
        r = client.post(f"{CAMPAIGNS}/{campaign}/{path}", {**body, "seed": "my-favourite-seed"})
        assert r.status_code == 422, r.json
        assert "a caller cannot supply one" in r.json["fields"]["seed"][0]
    assert client.post(f"{CAMPAIGNS}/{campaign}/commitment", {}, as_="market").status_code == 403
    assert head(client) == before

    r = commit(client, campaign)
    assert r.status_code == 201, r.json
    commitment = r.json["data"]["commitment"]
    assert len(commitment) == 64 and "seed" not in r.json["data"]
    # the commitment is public at once; nothing that gives the draw away is
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json
    assert public["attempts"][0]["commitment"] == commitment and public["attempts"][0]["seed"] is None
    assert public["disclosed"] is False

    r = draw_only(client, campaign)
    assert r.status_code == 201, r.json
    seed = r.json["data"]["seed"]
    assert len(seed) == 64 and r.json["data"]["algorithm"] == "draw-v2"
    assert hashlib.sha256(seed.encode()).hexdigest() == commitment
    # the seed was never stored in clear before its reveal: the commitment event holds ciphertext
    events = client.container.app.events.get(UUID(campaign))
    committed = next(e for e in events if isinstance(e, SpotCheckCampaign.SeedCommitted))
    assert committed.commitment == commitment and seed not in committed.seed_sealed
    raw = [n.state for n in client.container.app.recorder.select_notifications(1, 1000)
           if n.topic.endswith("SeedCommitted")]
    assert raw and all(seed.encode() not in state for state in raw)

    drawn = next(e for e in events if isinstance(e, SpotCheckCampaign.Drawn))
    assert drawn.seed == seed and drawn.commitment == commitment
    assert drawn.inputs["directory"] == [[c, "A"] for c in sorted(codes)]  # unrated facilities are A
    assert [p["inspector_id"] for p in drawn.inputs["pool"]] == ["MZ-A", "MZ-B", "XF-A", "XF-B"]
    assert draw(DrawInputs.from_record(drawn.inputs)) == drawn.result

    verified = client.get(f"{CAMPAIGNS}/{campaign}/verify")  # public: the visit date has passed
    assert verified.status_code == 200
    assert verified.json["verified"] is True and verified.json["differences"] == []
    assert [(s["step"], s["ok"]) for s in verified.json["steps"]] == [
        ("commitment", True), ("order", True), ("snapshot", True), ("result", True)]
    assert verified.json["seed"] == seed and verified.json["commitment"] == commitment
    assert verified.json["directory_size"] == 6

    shown = client.get(f"{CAMPAIGNS}/{campaign}", as_="market").json
    assert shown["status"] == "drawn" and shown["drawn_count"] == 1  # 5 % of 6, at least 1
    assert [(i["uscc"], i["inspectors"]) for i in shown["inspections"]] == [
        (f["uscc"], f["inspectors"]) for f in drawn.result["facilities"]]
    r = draw_only(client, campaign)
    assert r.status_code == 409 and r.json["fields"] == {"campaign_id": ["already drawn"]}
    assert client.get(f"{CAMPAIGNS}/00000000-0000-0000-0000-000000000000/verify").status_code == 404
    assert client.get(f"{PUBLIC_DRAWS}/00000000-0000-0000-0000-000000000000").status_code == 404


def test_anyone_can_rerun_the_draw_from_the_public_record_alone(pg_client):
    client = pg_client
    for n in range(1, 9):
        register(client, n)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C"):
        certify(client, inspector_id)
    campaign = plan(client, "2025-SSJ-PUBLIC")
    assert draw_campaign(client, campaign).status_code == 201
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json  # no token
    assert public["disclosed"] is True
    attempt = public["attempts"][0]

    # commitment → seed → snapshot → result, with hashlib, json and the published algorithm only
    assert hashlib.sha256(attempt["seed"].encode("utf-8")).hexdigest() == attempt["commitment"]
    canonical = json.dumps(attempt["snapshot"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == attempt["snapshot_digest"]
    rerun = draw(DrawInputs.from_record({**attempt["snapshot"], "seed": attempt["seed"],
                                         "algorithm": attempt["algorithm"]}))
    assert rerun == attempt["result"]
    assert verify_chain(attempt)["verified"] is True
    assert verify_chain({**attempt, "seed": "0" * 64})["verified"] is False  # only the committed seed
    body = client.get(f"{PUBLIC_DRAWS}/{campaign}").get_data(as_text=True)
    assert "检查员" not in body and "晋执" not in body  # pool codes only: no names, no certificate numbers


def test_until_the_visit_date_only_organisers_see_the_draw_and_inspectors_their_own_assignments(pg_client):
    client = pg_client
    client.container.clock.set(date(2025, 9, 3))
    codes = [register(client, n) for n in range(1, 5)]
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C", "MZ-D", "MZ-E"):
        certify(client, inspector_id)
    campaign = plan(client, "2025-SSJ-SECRET", sampling_ratios={"A": 100})
    assert commit(client, campaign, on="2025-09-03").status_code == 201
    r = draw_only(client, campaign, on="2025-09-03", visit_on="2025-09-10")
    assert r.status_code == 201, r.json
    teams = {f["uscc"]: f["inspectors"] for f in r.json["data"]["drawn"]}
    assert sorted(teams) == sorted(codes)

    organiser = client.get(f"{CAMPAIGNS}/{campaign}", as_="civil_affairs").json
    assert organiser["draw_visibility"] == "organiser" and organiser["seed"] is not None
    assert len(organiser["inspections"]) == 4 and organiser["visit_on"] == "2025-09-10"
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify", as_="civil_affairs").json["verified"] is True

    outsider = client.get(f"{CAMPAIGNS}/{campaign}", as_="market").json  # not one of its agencies
    assert outsider["draw_visibility"] == "none" and outsider["inspections"] == []
    assert outsider["seed"] is None and outsider["visit_on"] is None
    assert outsider["commitment"] == organiser["commitment"]  # the commitment is public
    assert client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_="market").json == []
    assert client.get(f"{CAMPAIGNS}/{campaign}/inspections/{codes[0]}", as_="market").status_code == 404
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify", as_="market").status_code == 403
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify").status_code == 403
    assert next(c for c in client.get(CAMPAIGNS, as_="market").json if c["campaign_id"] == campaign)[
        "seed"] is None
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json
    assert public["disclosed"] is False
    assert public["attempts"][0]["result"] is None and public["attempts"][0]["snapshot"] is None
    # a result cannot be completed before the visits start: published, it would disclose the draw
    before = head(client)
    early = record(client, campaign, codes[0], "civil_affairs")
    assert early.status_code == 422 and "2025-09-10" in str(early.json["fields"]["completed_on"]), early.json
    assert head(client) == before

    drawn_inspectors = sorted({i for team in teams.values() for i in team})
    inspector = min(drawn_inspectors, key=lambda i: sum(i in team for team in teams.values()))
    mine = sorted(u for u, team in teams.items() if inspector in team)
    own = client.get(f"{CAMPAIGNS}/{campaign}", as_=inspector).json
    assert own["draw_visibility"] == "own" and own["seed"] is None
    assert [i["uscc"] for i in own["inspections"]] == mine
    assert [i["uscc"] for i in client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_=inspector).json] == mine
    others = [u for u in codes if u not in mine]
    for code in others:
        assert client.get(f"{CAMPAIGNS}/{campaign}/inspections/{code}", as_=inspector).status_code == 404
    assert client.get(f"{CAMPAIGNS}/{campaign}/inspections/{mine[0]}", as_=inspector).status_code == 200
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify", as_=inspector).status_code == 403

    client.container.wait_for(head(client))
    history = f"/api/v1/facilities/{codes[0]}/events"
    assert "Inspection.Scheduled" not in [e["event_type"] for e in client.get(history, as_="market").json]
    assert "Inspection.Scheduled" in [e["event_type"] for e in client.get(history, as_="civil_affairs").json]

    client.container.clock.set(date(2025, 9, 10))  # the visits begin: the draw is public
    assert "Inspection.Scheduled" in [e["event_type"] for e in client.get(history, as_="market").json]
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json
    assert public["disclosed"] is True and public["attempts"][0]["result"]["facilities"]
    assert client.get(f"{CAMPAIGNS}/{campaign}/verify").json["verified"] is True
    assert len(client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_="market").json) == 4
    assert len(client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_=inspector).json) == 4


def test_a_redraw_needs_a_reason_is_public_and_every_attempt_is_kept(pg_client):
    client = pg_client
    client.container.clock.set(date(2025, 9, 3))
    for n in range(1, 21):
        register(client, n)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C", "MZ-D"):
        certify(client, inspector_id)
    campaign = plan(client, "2025-SSJ-REDRAW", sampling_ratios={"A": 25})  # 5 of 20
    assert commit(client, campaign, on="2025-09-03").status_code == 201
    first = draw_only(client, campaign, on="2025-09-03", visit_on="2025-09-15").json["data"]

    before = head(client)
    r = commit(client, campaign, on="2025-09-03")
    assert r.status_code == 422 and "a redraw needs a reason" in r.json["fields"]["reason"][0]
    assert head(client) == before
    reason = "名录库漏录两家新备案机构，补录后重新抽取"
    r = commit(client, campaign, on="2025-09-03", reason=reason)
    assert r.status_code == 201 and r.json["data"]["attempt"] == 2
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json  # the redraw is public before the visit
    assert [(a["attempt"], a["status"], a["reason"]) for a in public["attempts"]] == [
        (1, "drawn", None), (2, "committed", reason)]

    second = draw_only(client, campaign, on="2025-09-03", visit_on="2025-09-15").json["data"]
    assert second["attempt"] == 2 and second["commitment"] != first["commitment"]
    events = client.container.app.events.get(UUID(campaign))
    assert [type(e).__name__ for e in events] == [
        "Planned", "SeedCommitted", "Drawn", "SeedCommitted", "Drawn"]
    drawn_now = sorted(f["uscc"] for f in second["drawn"])
    listed = client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_="civil_affairs").json
    assert [i["uscc"] for i in listed] == drawn_now and {i["attempt"] for i in listed} == {2}
    for code in sorted({f["uscc"] for f in first["drawn"]} - set(drawn_now)):
        types = [type(e).__name__ for e in client.container.app.events.get(inspection_id(campaign, code))]
        assert types == ["Scheduled", "Withdrawn"]
        r = record(client, campaign, code, as_="civil_affairs", completed_on="2025-09-03")
        assert r.status_code == 404  # a facility the redraw left out takes no result

    verified = client.get(f"{CAMPAIGNS}/{campaign}/verify", as_="civil_affairs").json
    assert verified["verified"] is True and verified["attempt"] == 2
    assert verified["redraws"] == [{"attempt": 2, "reason": reason, "committed_on": "2025-09-03"}]
    client.container.clock.set(date(2025, 9, 15))
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json
    assert [(a["attempt"], a["status"]) for a in public["attempts"]] == [(1, "superseded"), (2, "drawn")]
    assert all(verify_chain(a)["verified"] for a in public["attempts"])  # superseded ones too

    assert record(client, campaign, drawn_now[0], as_="civil_affairs",
                  completed_on="2025-09-15").status_code == 201
    r = commit(client, campaign, on="2025-09-15", reason="again")
    assert r.status_code == 409  # a result is recorded (and the visits began): no more redraws


def test_inspector_with_declared_conflict_is_never_drawn(pg_client):
    client = pg_client
    code = register(client, 1)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C", "MZ-D"):
        certify(client, inspector_id)
    r = client.post(f"{INSPECTORS}/MZ-D/conflicts", {"uscc": code, "reason": "配偶在该机构任职"}, as_="MZ-C")
    assert r.status_code == 403  # an inspector declares only their own conflicts
    r = client.post(f"{INSPECTORS}/MZ-D/conflicts", {"uscc": code, "reason": "配偶在该机构任职",
                                                   "occurred_on": "2025-02-01"}, as_="MZ-D")
    assert r.status_code == 201, r.json
    pool = client.get(f"{INSPECTORS}/MZ-D", as_="civil_affairs").json
    assert pool["conflicts"][0]["uscc"] == code

    teams = []
    for n in range(10):  # system seeds: P(an eligible inspector is never drawn) = 3 × (1/3)^10 < 1e-4
        campaign = plan(client, f"2025-SSJ-CONFLICT-{n}")
        assert draw_campaign(client, campaign).status_code == 201
        teams.append(team_of(client, campaign, code))
    assert all("MZ-D" not in team and len(team) == 2 for team in teams)
    assert {i for team in teams for i in team} == {"MZ-A", "MZ-B", "MZ-C"}


def test_not_enough_eligible_inspectors_is_409_and_nothing_is_written(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    certify(client, "XF-A", XF)  # outside the campaign's agencies
    client.post(f"{INSPECTORS}/MZ-B/conflicts", {"uscc": code, "reason": "曾在该机构任职"})
    campaign = plan(client, "2025-SSJ-SHORT")
    assert commit(client, campaign).status_code == 201
    before = head(client)
    r = draw_only(client, campaign)
    assert r.status_code == 409 and "any of them may be drawn" in r.json["error"]  # seed-independent
    assert r.json["fields"]["inspectors"] == [f"{code}: 1 eligible, 2 needed"]
    assert head(client) == before  # nothing written, the commitment stays pending, the seed sealed
    assert client.get(f"{PUBLIC_DRAWS}/{campaign}").json["attempts"][0]["status"] == "committed"
    assert client.get(f"{CAMPAIGNS}/{campaign}", as_="civil_affairs").json["status"] == "planned"


def test_the_inspectors_of_the_last_inspection_are_recused_next_time(pg_client):
    client = pg_client
    code = register(client, 1)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C", "MZ-D"):
        certify(client, inspector_id)
    first = plan(client, "2025-SSJ-FIRST")
    draw_campaign(client, first)
    last_team = team_of(client, first, code)
    assert record(client, first, code, as_=last_team[0], completed_on="2025-09-10").status_code == 201
    second = plan(client, "2025-SSJ-SECOND")
    assert draw_campaign(client, second, on="2025-10-09").status_code == 201
    assert set(team_of(client, second, code)).isdisjoint(last_team)


def test_results_for_a_facility_not_drawn_are_refused(pg_client):
    client = pg_client
    drawn_code = register(client, 1, "140502")
    other_code = register(client, 2, "140522")  # outside the campaign's region
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-DISTRICT", region_prefix="140502")
    draw_campaign(client, campaign)
    before = head(client)
    r = record(client, campaign, other_code, as_="civil_affairs")
    assert r.status_code == 404 and r.json["fields"] == {"uscc": ["not drawn in this campaign"]}
    r = record(client, "8d6f1f9e-0000-4000-8000-000000000000", drawn_code, as_="civil_affairs")
    assert r.status_code == 404 and "campaign_id" in r.json["fields"]
    assert head(client) == before
    assert record(client, campaign, drawn_code, as_="civil_affairs").status_code == 201


def test_an_inspector_not_drawn_cannot_record_results(pg_client):
    client = pg_client
    code = register(client, 1)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C"):
        certify(client, inspector_id)
    client.post(f"{INSPECTORS}/MZ-C/conflicts", {"uscc": code, "reason": "亲属关系"})
    campaign = plan(client, "2025-SSJ-WHO")
    draw_campaign(client, campaign)
    assert sorted(team_of(client, campaign, code)) == ["MZ-A", "MZ-B"]
    before = head(client)
    r = record(client, campaign, code, as_="MZ-C")
    assert r.status_code == 403 and "was not drawn" in r.json["error"]
    assert record(client, campaign, code, as_="fire").status_code == 403  # role may not record
    assert head(client) == before
    r = record(client, campaign, code, as_="MZ-B", completed_on="2025-09-20")
    assert r.status_code == 201, r.json
    shown = client.get(f"{CAMPAIGNS}/{campaign}/inspections/{code}", as_="civil_affairs").json
    assert shown["status"] == "recorded" and shown["recorded_by"] == "MZ-B"
    assert record(client, campaign, code, as_="MZ-A").status_code == 409  # one result per inspection


def test_second_publication_is_409(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-PUBLISH")
    draw_campaign(client, campaign)
    publish = f"{CAMPAIGNS}/{campaign}/inspections/{code}/publish"
    assert client.post(publish, {"occurred_on": "2025-09-20"}).status_code == 409  # nothing to publish yet
    failed = [{"code": "FS-01", "result": "fail", "severity": "major", "note": "灭火器过期（张三房间）"},
              {"code": "SV-01", "result": "pass"}]
    r = record(client, campaign, code, as_="MZ-A", conclusion="problems_rectification_ordered",
               items=failed, completed_on="2025-09-19")
    assert r.status_code == 201, r.json
    assert client.get(PUBLIC).json["total"] == 0

    assert client.post(publish, {"occurred_on": "2025-09-22"}).status_code == 201
    before = head(client)
    r = client.post(publish, {"occurred_on": "2025-09-23"})
    assert r.status_code == 409 and r.json["fields"] == {"uscc": ["already published"]}
    assert head(client) == before

    public = client.get(PUBLIC).json
    assert public["total"] == 1
    item = public["items"][0]
    assert item["uscc"] == code and item["facility_name"] == "养老院1号"
    assert item["conclusion_label"] == "发现问题已责令改正" and item["published_on"] == "2025-09-22"
    assert item["items"][0] == {"code": "FS-01", "title": "消防设施器材完好有效", "result": "fail",
                                "severity": "major"}
    body = client.get(PUBLIC).get_data(as_text=True)
    assert "张三" not in body and "现场检查记录" not in body and "MZ-A" not in body


def test_occurred_on_in_the_future_is_422(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-FUTURE")
    draw_campaign(client, campaign)
    client.container.clock.set(date(2025, 9, 26))
    before = head(client)
    r = record(client, campaign, code, as_="MZ-A", completed_on="2025-09-27")
    assert r.status_code == 422 and "in the future" in r.json["fields"]["completed_on"][0]
    r = record(client, campaign, code, as_="MZ-A", occurred_on="2025-09-27")
    assert r.status_code == 422 and "in the future" in r.json["fields"]["occurred_on"][0]
    r = client.post(CAMPAIGNS, {"name": "x", "kind": "special", "agencies": [MZJ], "region_prefix": "1405",
                                "checklist": CHECKLIST, "occurred_on": "2025-10-01"})
    assert r.status_code == 422 and "occurred_on" in r.json["fields"]
    assert head(client) == before


def test_bad_campaign_plans_are_422_field_by_field(pg_client):
    client = pg_client
    r = client.post(CAMPAIGNS, {"name": "x", "kind": "weekly", "agencies": ["civil"], "region_prefix": "14",
                                "checklist": [], "sampling_ratios": {"A": 150}})
    assert r.status_code == 422
    assert set(r.json["fields"]) >= {"kind", "agencies.0", "checklist"}
    r = client.post(CAMPAIGNS, {"name": "x", "kind": "special", "agencies": [MZJ], "region_prefix": "1405",
                                "checklist": CHECKLIST, "sampling_ratios": {"A": 150}})
    assert r.status_code == 422 and any(f.startswith("sampling_ratios") for f in r.json["fields"])
    assert head(client) == client.seed_head


def test_inspector_personal_data_is_sealed_and_never_shown(pg_client):
    client = pg_client
    certify(client, "MZ-A", personal={"id_number": "11010519491231002X", "phone": "13900139000"})
    raw = b"".join(n.state for n in client.container.app.recorder.select_notifications(1, 10))
    assert b"13900139000" not in raw and b"11010519491231002X" not in raw
    body = client.get(INSPECTORS, as_="civil_affairs").get_data()
    assert b"13900139000" not in body and b"MZ-A" in body
    r = client.post(INSPECTORS, {"inspector_id": "XF-A", "name": "李", "agency": XF, "region_code": "140500",
                                 "certificate_no": "1"})
    assert r.status_code == 403  # civil affairs keeps only its own inspectors in the pool


def test_a_decertified_inspector_leaves_the_pool_and_is_not_drawn(pg_client):
    client = pg_client
    code = register(client, 1)
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C"):
        certify(client, inspector_id)
    body = {"reason": "调离执法岗位", "occurred_on": "2025-06-01"}
    r = client.post(f"{INSPECTORS}/MZ-C/decertification", body)
    assert r.status_code == 201, r.json
    assert client.post(f"{INSPECTORS}/MZ-C/decertification", {"reason": "again"}).status_code == 409
    assert client.post(f"{INSPECTORS}/MZ-X/decertification", {"reason": "x"}).status_code == 404
    assert [i["inspector_id"] for i in client.get(f"{INSPECTORS}?status=certified", as_="admin").json] == [
        "MZ-A", "MZ-B"]
    campaign = plan(client, "2025-SSJ-DECERT")
    draw_campaign(client, campaign)
    assert sorted(team_of(client, campaign, code)) == ["MZ-A", "MZ-B"]
