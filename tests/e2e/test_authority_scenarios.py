"""Authority scenarios over HTTP on PostgreSQL: attribution of penalty decisions, who may revoke them,
who may record an inspector's conflict, token expiry and revocation (recorded), dissolved agencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from supervision.auth import token_id
from supervision.domain.token_grant import token_grant_id
from supervision.domain.values import Actor
from tests.support import facility_payload

USCC = "91350100M000100Y43"
DECISIONS = "/api/v1/credit/penalty-decisions"


def setup(client) -> None:
    client.container.clock.set(date(2026, 11, 26))
    for user, code, role in (("yc", "MZJ-140522", "civil_affairs"), ("jc", "MZJ-140500", "civil_affairs"),
                             ("jc-xf", "XFJY-140500", "fire"), ("fz-xf", "XFJY-350100", "fire"),
                             ("gl", "MZJ-350102", "civil_affairs"), ("jc-sj", "SCJG-140500", "market"),
                             ("cq", "MZJ-140521", "civil_affairs"), ("jc-admin", "MZJ-140500", "admin")):
        client.token_for(Actor(user, code, role))
    r = client.post("/api/v1/facilities", facility_payload(region_code="140522", occurred_on="2026-01-05"),
                    as_="admin")
    assert r.status_code == 201, r.json


def decide(client, as_: str, no: str, **extra) -> object:
    return client.post(DECISIONS, {"uscc": USCC, "decision_no": no, "conduct": "fraud_fundraising",
                                   "legal_basis": "《防范和处置非法集资条例》第三十条", **extra}, as_=as_)


def test_a_penalty_decision_is_attributed_to_the_recording_actor_s_agency(pg_client):
    client = pg_client
    setup(client)
    head = client.container.app.recorder.max_notification_id()
    forged = decide(client, "jc-xf", "晋消罚〔2026〕1号", authority="MZJ-140522",
                    authority_kind="civil_affairs")
    assert forged.status_code == 403 and "attribution rule" in forged.json["error"]
    claimed = decide(client, "jc-xf", "晋消罚〔2026〕1号", authority="晋城市民政局")
    assert claimed.status_code == 403 and claimed.json["fields"] == {"authority": ["must be XFJY-140500"]}
    assert client.container.app.recorder.max_notification_id() == head  # the refusals wrote nothing
    own = decide(client, "jc-xf", "晋消罚〔2026〕1号")
    assert own.status_code == 201, own.json
    shown = client.get(f"{DECISIONS}/晋消罚〔2026〕1号", as_="jc").json
    assert (shown["authority"], shown["authority_kind"]) == ("XFJY-140500", "fire")
    assert (shown["recorded_by_user"], shown["recorded_by_agency"]) == ("jc-xf", "XFJY-140500")
    outside = client.get(f"{DECISIONS}/晋消罚〔2026〕1号", as_="gl")
    assert outside.status_code == 403 and "jurisdiction rule" in outside.json["error"]


def test_only_the_recording_agency_or_its_superior_revokes_a_decision(pg_client):
    client = pg_client
    setup(client)
    assert decide(client, "yc", "阳民罚〔2026〕1号").status_code == 201
    assert decide(client, "yc", "阳民罚〔2026〕2号").status_code == 201
    head = client.container.app.recorder.max_notification_id()
    for outsider in ("jc-xf", "jc-sj", "fz-xf", "gl", "cq"):  # other lines, other provinces, a peer county
        r = client.post(f"{DECISIONS}/阳民罚〔2026〕1号/revocation", {"reason": "撤销"}, as_=outsider)
        assert r.status_code == 403, (outsider, r.json)
    assert client.container.app.recorder.max_notification_id() == head
    by_superior = client.post(f"{DECISIONS}/阳民罚〔2026〕1号/revocation", {"reason": "市局复议撤销"},
                              as_="jc")
    assert by_superior.status_code == 201, by_superior.json
    by_owner = client.post(f"{DECISIONS}/阳民罚〔2026〕2号/revocation", {"reason": "自行撤销"}, as_="yc")
    assert by_owner.status_code == 201, by_owner.json
    shown = client.get(f"{DECISIONS}/阳民罚〔2026〕1号", as_="jc").json
    assert (shown["revoked_by_user"], shown["revoked_by_agency"]) == ("jc", "MZJ-140500")


def test_an_inspector_s_conflict_is_recorded_by_their_agency_its_superior_or_a_campaign_organiser(pg_client):
    client = pg_client
    setup(client)
    r = client.post("/api/v1/inspectors", {"inspector_id": "INS-1", "name": "王五", "agency": "MZJ-140522",
                                           "region_code": "140522", "certificate_no": "ZF-1"}, as_="yc")
    assert r.status_code == 201, r.json
    conflict = {"uscc": USCC, "reason": "近亲属在该机构任职"}
    head = client.container.app.recorder.max_notification_id()
    for other in ("jc-sj", "jc-xf", "cq", "gl"):
        r = client.post("/api/v1/inspectors/INS-1/conflicts", conflict, as_=other)
        assert r.status_code == 403 and "attribution rule" in r.json["error"], (other, r.json)
    assert client.container.app.recorder.max_notification_id() == head
    assert client.post("/api/v1/inspectors/INS-1/conflicts", conflict, as_="jc").status_code == 201
    # an organiser of a joint campaign the inspector's agency takes part in may record it too
    r = client.post("/api/v1/spot-checks/campaigns", {
        "name": "联合检查", "kind": "special", "agencies": ["SCJG-140500", "MZJ-140522"],
        "region_prefix": "140522", "checklist": [{"code": "A1", "title": "预收费"}]}, as_="jc-sj")
    assert r.status_code == 201, r.json
    other = "91110000802100433B"
    assert client.post("/api/v1/facilities", facility_payload(uscc=other, region_code="140522"),
                       as_="admin").status_code == 201
    r = client.post("/api/v1/inspectors/INS-1/conflicts", {"uscc": other, "reason": "曾任该机构顾问"},
                    as_="jc-sj")
    assert r.status_code == 201, r.json


def test_a_campaign_is_planned_only_inside_the_planner_s_jurisdiction_and_with_the_planner_named(pg_client):
    client = pg_client
    setup(client)
    body = {"name": "阳城县专项", "kind": "special", "agencies": ["MZJ-140522"], "region_prefix": "1405",
            "checklist": [{"code": "A1", "title": "消防通道"}]}
    wide = client.post("/api/v1/spot-checks/campaigns", body, as_="yc")  # a county cannot plan for the city
    assert wide.status_code == 403 and "jurisdiction rule" in wide.json["error"]
    unnamed = client.post("/api/v1/spot-checks/campaigns", {**body, "region_prefix": "140522"}, as_="jc")
    assert unnamed.status_code == 403 and "campaign rule" in unnamed.json["error"]
    unknown = client.post("/api/v1/spot-checks/campaigns", {**body, "agencies": ["MZJ-999999"]}, as_="jc")
    assert unknown.status_code == 422 and "agencies" in unknown.json["fields"]
    ok = client.post("/api/v1/spot-checks/campaigns", {**body, "region_prefix": "140522"}, as_="yc")
    assert ok.status_code == 201, ok.json


def test_tokens_expire_are_revoked_by_an_admin_of_their_jurisdiction_and_both_are_recorded(pg_client):
    client = pg_client
    setup(client)
    store = client.container.tokens
    expired = store.issue(Actor("old", "MZJ-140522", "civil_affairs"),
                          expires_at=datetime.now(UTC) - timedelta(seconds=1))
    r = client.http.post(DECISIONS, json={}, headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401
    # issuing needs an admin, and one whose jurisdiction holds the token's agency
    body = {"user": "new-clerk", "agency": "MZJ-140522", "role": "civil_affairs", "expires_in_days": 30}
    assert client.post("/api/v1/tokens", body, as_="jc").status_code == 403
    assert client.post("/api/v1/tokens", {**body, "agency": "MZJ-350102"}, as_="jc-admin").status_code == 403
    issued = client.post("/api/v1/tokens", body, as_="jc-admin")
    assert issued.status_code == 201, issued.json
    token = issued.json["token"]
    assert issued.json["token_id"] == token_id(token)
    until = datetime.fromisoformat(issued.json["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=29) < until <= timedelta(days=30)
    works = client.http.get(f"/api/v1/facilities/{USCC}/events", headers={"Authorization": f"Bearer {token}"})
    assert works.status_code == 200
    revoked = client.post(f"/api/v1/tokens/{token_id(token)}/revocation", {"reason": "调离"}, as_="jc-admin")
    assert revoked.status_code == 201, revoked.json
    gone = client.http.get(f"/api/v1/facilities/{USCC}/events", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    events = list(client.container.app.events.get(token_grant_id(token_id(token))))
    assert [type(e).__name__ for e in events] == ["Issued", "Revoked"]
    assert events[0].actor.user == "jc-admin" and events[1].reason == "调离"
    assert token not in str([vars(e) for e in events])  # only the id is recorded


def test_a_dissolved_agency_s_tokens_stop_working(pg_client):
    client = pg_client
    setup(client)
    r = client.post("/api/v1/agencies/MZJ-140521/dissolution", {"reason": "撤县设区"}, as_="admin")
    assert r.status_code == 201, r.json
    client.container.app.forget_agency("MZJ-140521")
    refused = client.post("/api/v1/inspectors", {"inspector_id": "INS-9", "name": "x", "agency": "MZJ-140521",
                                                 "region_code": "140521", "certificate_no": "x"}, as_="cq")
    assert refused.status_code == 403 and "dissolved" in refused.json["error"]
    shown = client.get("/api/v1/agencies/MZJ-140521", as_="jc").json
    assert shown["active"] is False and shown["recorded_by_user"] == "system"


def test_a_token_whose_agency_is_not_registered_or_whose_role_does_not_fit_is_refused(pg_client):
    client = pg_client
    setup(client)
    client.token_for(Actor("ghost", "MZJ-999999", "civil_affairs"))
    client.token_for(Actor("mixed", "XFJY-140500", "civil_affairs"))
    r = client.patch(f"/api/v1/facilities/{USCC}", {"total_beds": 120}, as_="ghost")
    assert r.status_code == 403 and "not in the agency registry" in r.json["error"]
    r = client.patch(f"/api/v1/facilities/{USCC}", {"total_beds": 120}, as_="mixed")
    assert r.status_code == 403 and "identity rule" in r.json["error"]


def test_a_token_that_could_never_work_is_not_issued(pg_client):
    """Issuing checks the identity rule every use of the token meets: role fits the agency's kind, the
    agency is active; a refusal stores no token and records nothing."""
    client = pg_client
    setup(client)
    before = client.container.app.recorder.max_notification_id()
    stored = len(client.container.tokens.entries())
    body = {"user": "z", "agency": "XFJY-140500", "role": "civil_affairs", "expires_in_days": 30}
    r = client.post("/api/v1/tokens", body, as_="admin")
    assert r.status_code == 422 and "role" in r.json["fields"], r.json
    client.post("/api/v1/agencies/MZJ-140521/dissolution", {"reason": "撤县设区"}, as_="admin")
    client.container.app.forget_agency("MZJ-140521")
    after_dissolution = client.container.app.recorder.max_notification_id()
    r = client.post("/api/v1/tokens", {**body, "agency": "MZJ-140521"}, as_="admin")
    assert r.status_code == 422 and "agency" in r.json["fields"], r.json
    assert client.container.app.recorder.max_notification_id() == after_dissolution > before
    assert len(client.container.tokens.entries()) == stored
