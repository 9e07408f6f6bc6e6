"""Credit lists (民发〔2019〕103号), grades and the supervision rating, over HTTP on PostgreSQL.

Each test is one rule, told as the facility's story: the events go in through the real endpoints of
the capabilities that produce them (fire safety, complaints, penalty decisions), the policy process
proposes, regulators decide, the clock expires, and the views answer "as of" and "why".
"""

from __future__ import annotations

from datetime import date

import pytest

from infra.clock import tick
from supervision.domain.values import Actor
from tests.support import facility_payload

USCC = "91350100M000100Y43"
OTHER = "91110000802100433B"
FAC = "/api/v1/facilities"
CREDIT = "/api/v1/credit"
PUBLIC = "/api/v1/public/credit"
FIRE = "/api/v1/fire-safety/cases"
# the civil-affairs test actor is the city bureau MZJ-140500, so facilities sit in 1405xx
REGION = "140502"


@pytest.fixture(autouse=True)
def city_bureaus(pg_client):
    """The listing authority is the city or county bureau (谁监管、谁列入): the 晋城市 bureaus act."""
    for role, code in (("civil_affairs", "MZJ-140500"), ("fire", "XFJY-140500"), ("market", "SCJG-140500")):
        pg_client.tokens[role] = pg_client.container.tokens.issue(Actor(f"{role}-jc", code, role))


def settle(client) -> None:
    """Wait until every view (and the policy process's own commands) caught up with the log."""
    container = client.container
    while True:
        head = container.app.recorder.max_notification_id() or 0
        assert container.wait_for(head, timeout=10)
        if (container.app.recorder.max_notification_id() or 0) == head:
            return


def at(client, day: str) -> None:
    client.container.clock.set(date.fromisoformat(day))


def register(client, uscc: str = USCC, on: str = "2020-01-06") -> None:
    r = client.post(FAC, facility_payload(uscc=uscc, region_code=REGION, occurred_on=on))
    assert r.status_code == 201, r.json


def listings_of(client, uscc: str = USCC) -> list[dict]:
    settle(client)
    r = client.get(f"{CREDIT}/listings?uscc={uscc}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return r.json["items"]


def major_hazard_overdue(client, uscc: str = USCC) -> str:
    """消防: a major hazard ordered rectified by 2026-06-01, never verified; the clock marks it."""
    at(client, "2026-05-10")
    r = client.post(FIRE, {
        "uscc": uscc, "finding_no": "XF-2026-017", "category": "evacuation", "location": "3号楼疏散通道",
        "major": True, "major_criterion": "GB 35181-2017 6.3", "order_no": "XFZG-2026-017",
        "due_on": "2026-06-01", "occurred_on": "2026-05-10"}, as_="fire")
    assert r.status_code == 201, r.json
    at(client, "2026-06-02")
    report = tick(client.container)
    assert report.failed == [], report.failed
    settle(client)
    return r.json["id"]


def penalty(client, no: str, conduct: str, on: str, uscc: str = USCC) -> dict:
    r = client.post(f"{CREDIT}/penalty-decisions", {
        "uscc": uscc, "decision_no": no, "authority_kind": "civil_affairs",
        "conduct": conduct, "legal_basis": "《养老机构管理办法》第四十六条", "summary": "殴打入住老人",
        "fine_fen": 3_000_000, "occurred_on": on})
    assert r.status_code == 201, r.json
    return r.json


def listed_by_hand(client, decision_no: str) -> str:
    """Penalty → policy proposal → notice 2026-06-05 → no objection → listed 2026-06-23."""
    at(client, "2026-06-04")
    penalty(client, decision_no, "abuse_cheating", "2026-06-03")
    (proposal,) = [r for r in listings_of(client) if r["penalty_decision_no"] == decision_no]
    lid = proposal["listing_id"]
    at(client, "2026-06-23")
    r = client.post(f"{CREDIT}/listings/{lid}/notice", {"notice_no": "告知-01", "occurred_on": "2026-06-05"})
    assert r.status_code == 201 and r.json["data"]["objection_due_on"] == "2026-06-12", r.json
    r = client.post(f"{CREDIT}/listings/{lid}/confirmation", {"occurred_on": "2026-06-23"})
    assert r.status_code == 201 and r.json["data"]["status"] == "listed", r.json
    settle(client)
    return lid


def public_list(client, as_of: str, name: str = "joint-punishment") -> list[dict]:
    settle(client)
    r = client.get(f"{PUBLIC}/{name}?as_of={as_of}")
    assert r.status_code == 200, r.json
    return r.json["items"]


def test_unrectified_major_hazard_is_listed_after_a_rejected_objection_and_leaves_the_list_on_expiry(
        pg_client):
    client = pg_client
    register(client)
    case_id = major_hazard_overdue(client)

    (proposal,) = listings_of(client)
    assert proposal["status"] == "proposed" and proposal["criterion"] == "major_fire_hazard_overdue"
    assert proposal["proposed_source"] == "policy:listing.major_fire_hazard_overdue"
    assert proposal["authority"] == "MZJ-140500" and proposal["list_kind"] == "joint_punishment"
    assert len(proposal["evidence"]) == 2 and all(e.startswith(case_id) for e in proposal["evidence"])
    lid = proposal["listing_id"]

    at(client, "2026-06-23")
    r = client.post(f"{CREDIT}/listings/{lid}/notice", {"notice_no": "晋民告〔2026〕3号",
                                                       "occurred_on": "2026-06-05"})
    assert r.status_code == 201 and r.json["data"]["objection_due_on"] == "2026-06-12", r.json
    r = client.post(f"{CREDIT}/listings/{lid}/objection", {"summary": "已申请延期整改，非无故拖延",
                                                          "occurred_on": "2026-06-10"})
    assert r.status_code == 201, r.json
    r = client.post(f"{CREDIT}/listings/{lid}/objection-decision", {
        "decision": "rejected", "reasons": "未提交延期申请，复查仍未整改", "occurred_on": "2026-06-23"})
    assert r.status_code == 201 and r.json["data"]["status"] == "listed", r.json

    settle(client)
    shown = client.get(f"{CREDIT}/listings/{lid}", as_="civil_affairs").json
    assert (shown["effective_on"], shown["expires_on"]) == ("2026-06-23", "2029-06-23")
    assert shown["responsible_persons"] == {"legal_representative": "王建国", "person_in_charge": "李芳"}
    assert [s["event_type"] for s in shown["steps"]] == [
        "Listing.Proposed", "Listing.NoticeServed", "Listing.ObjectionFiled", "Listing.ObjectionDecided",
        "Listing.Listed"]

    (entry,) = public_list(client, "2026-06-23")
    assert entry["uscc"] == USCC and entry["criterion"] == "major_fire_hazard_overdue"
    assert entry["responsible_persons"] == {"legal_representative": "王**", "person_in_charge": "李*"}
    assert {m["code"] for m in entry["measures"]} >= {"no_grading", "key_supervision"}
    body = client.get(f"{PUBLIC}/joint-punishment?as_of=2026-06-23").get_data(as_text=True)
    for personal in ("王建国", "李芳", "13800138000", "11010519491231002X"):
        assert personal not in body
    assert [b["uscc"] for b in public_list(client, "2026-06-23", "blacklist")] == [USCC]
    assert public_list(client, "2026-06-22") == []

    at(client, "2029-06-23")
    assert tick(client.container).appended == 0  # still in force on its last day
    at(client, "2029-06-24")
    assert tick(client.container).appended == 1
    settle(client)
    again = tick(client.container)
    assert again.appended == 0  # exactly once
    shown = client.get(f"{CREDIT}/listings/{lid}", as_="civil_affairs").json
    assert shown["status"] == "removed" and shown["end_reason"] == "expired"
    assert shown["ended_on"] == "2029-06-24" and shown["steps"][-1]["source"] == "clock"
    assert public_list(client, "2029-06-24") == []
    assert [e["uscc"] for e in public_list(client, "2029-06-23")] == [USCC]  # the past stays answerable


def test_objection_upheld_drops_the_proposal_and_nothing_is_listed(pg_client):
    client = pg_client
    register(client)
    major_hazard_overdue(client)
    (proposal,) = listings_of(client)
    lid = proposal["listing_id"]
    at(client, "2026-06-23")
    client.post(f"{CREDIT}/listings/{lid}/notice", {"notice_no": "N-1", "occurred_on": "2026-06-05"})
    late = client.post(f"{CREDIT}/listings/{lid}/objection", {"summary": "异议", "occurred_on": "2026-06-15"})
    assert late.status_code == 409 and "2026-06-12" in late.json["error"]
    client.post(f"{CREDIT}/listings/{lid}/objection", {"summary": "已整改完毕", "occurred_on": "2026-06-12"})
    r = client.post(f"{CREDIT}/listings/{lid}/objection-decision", {
        "decision": "upheld", "reasons": "逾期系消防机构延期批复所致", "occurred_on": "2026-06-20"})
    assert r.status_code == 201 and r.json["data"]["status"] == "dropped"
    (row,) = listings_of(client)
    assert row["status"] == "dropped" and row["end_reason"] == "objection_upheld"
    assert public_list(client, "2026-06-23") == []


def test_without_objection_the_clock_lists_from_the_day_after_the_window(pg_client):
    client = pg_client
    register(client)
    at(client, "2026-06-04")
    penalty(client, "晋城民罚决字〔2026〕7号", "subsidy_fraud", "2026-06-03")
    (proposal,) = listings_of(client)
    lid = proposal["listing_id"]
    client.post(f"{CREDIT}/listings/{lid}/notice", {"notice_no": "N-7", "occurred_on": "2026-06-04"})
    at(client, "2026-06-11")  # window 2026-06-05..06-11 (5 working days), not yet passed
    early = client.post(f"{CREDIT}/listings/{lid}/confirmation", {})
    assert early.status_code == 409 and "objection window" in early.json["error"]
    assert tick(client.container).failed == []
    settle(client)
    assert listings_of(client)[0]["status"] == "notice_served"
    at(client, "2026-06-15")
    tick(client.container)
    (row,) = listings_of(client)
    assert row["status"] == "listed" and row["effective_on"] == "2026-06-12"
    assert row["expires_on"] == "2029-06-12"


def test_credit_repair_removes_a_listing_early_but_not_before_two_full_years(pg_client):
    client = pg_client
    register(client)
    lid = listed_by_hand(client, "晋城民罚决字〔2026〕12号")

    at(client, "2028-06-24")
    body = {"no_further_violation": True, "basis": "整改完成，两年内无新的失信行为"}
    early = client.post(f"{CREDIT}/listings/{lid}/credit-repair", {**body, "occurred_on": "2028-06-23"})
    assert early.status_code == 409 and "2028-06-24" in early.json["error"]
    missing = client.post(f"{CREDIT}/listings/{lid}/credit-repair", {"occurred_on": "2028-06-24"})
    assert missing.status_code == 422 and "no_further_violation" in missing.json["fields"]
    r = client.post(f"{CREDIT}/listings/{lid}/credit-repair", {**body, "occurred_on": "2028-06-24"})
    assert r.status_code == 201 and r.json["data"]["status"] == "removed", r.json

    settle(client)
    assert public_list(client, "2028-06-24") == []
    assert [e["uscc"] for e in public_list(client, "2028-06-23")] == [USCC]
    shown = client.get(f"{CREDIT}/listings/{lid}", as_="civil_affairs").json
    assert shown["end_reason"] == "credit_repaired" and shown["through"] == "2028-06-23"


def test_revoking_the_penalty_decision_removes_its_listing_immediately(pg_client):
    client = pg_client
    register(client)
    lid = listed_by_hand(client, "晋城民罚决字〔2026〕13号")
    at(client, "2026-07-01")
    r = client.post(f"{CREDIT}/penalty-decisions/晋城民罚决字〔2026〕13号/revocation",
                    {"reason": "行政复议决定撤销", "revoked_by": "晋城市人民政府",
                     "occurred_on": "2026-07-01"})
    assert r.status_code == 201 and r.json["data"]["listings_ended"] == [lid], r.json
    settle(client)
    shown = client.get(f"{CREDIT}/listings/{lid}", as_="civil_affairs").json
    assert shown["status"] == "removed" and shown["end_reason"] == "decision_revoked"
    assert public_list(client, "2026-07-01") == []
    assert len(public_list(client, "2026-06-30")) == 1
    decision = client.get(f"{CREDIT}/penalty-decisions/晋城民罚决字〔2026〕13号", as_="market").json
    assert decision["revoked_on"] == "2026-07-01"
    again = client.post(f"{CREDIT}/penalty-decisions/晋城民罚决字〔2026〕13号/revocation", {"reason": "x"})
    assert again.status_code == 409


def test_a_jointly_punished_facility_cannot_be_graded(pg_client):
    client = pg_client
    register(client)
    grade = {"level": 3, "score": 600, "assessing_body": "晋城市民政局", "certificate_no": "JC-1"}
    r = client.post(f"{FAC}/{USCC}/grade-assessments", {**grade, "occurred_on": "2026-05-01"})
    assert r.status_code == 201, r.json
    listed_by_hand(client, "晋城民罚决字〔2026〕14号")
    r = client.post(f"{FAC}/{USCC}/grade-assessments", {**grade, "certificate_no": "JC-2",
                                                        "occurred_on": "2026-06-23"})
    assert r.status_code == 409 and "joint-punishment" in r.json["error"]
    settle(client)
    g = client.get(f"{FAC}/{USCC}/grade?as_of=2026-06-23").json
    assert g["certificate_no"] == "JC-1" and len(g["history"]) == 1


def test_grades_as_of_a_date_show_the_grade_then_in_force_and_expired_grades_as_expired(pg_client):
    client = pg_client
    register(client)
    at(client, "2026-11-26")
    for level, score, on, cert in ((3, 600, "2020-06-01", "JC-A"), (4, 800, "2023-05-01", "JC-B")):
        r = client.post(f"{FAC}/{USCC}/grade-assessments", {
            "level": level, "score": score, "assessing_body": "晋城市民政局", "certificate_no": cert,
            "occurred_on": on})
        assert r.status_code == 201, r.json
    settle(client)

    def grade(as_of: str) -> dict:
        return client.get(f"{FAC}/{USCC}/grade?as_of={as_of}").json

    assert grade("2020-05-31")["status"] == "ungraded"
    assert (grade("2021-01-01")["level"], grade("2021-01-01")["status"]) == (3, "valid")
    assert (grade("2023-05-15")["level"], grade("2023-05-15")["valid_until"]) == (4, "2026-05-01")
    assert (grade("2026-05-02")["level"], grade("2026-05-02")["status"]) == (4, "expired")
    public = client.get("/api/v1/public/grades?as_of=2026-05-02&status=expired").json
    assert [i["uscc"] for i in public["items"]] == [USCC]
    assert client.get("/api/v1/public/grades?as_of=2026-05-01&status=expired").json["total"] == 0


def test_every_rating_point_traces_to_its_event_and_the_policy_version(pg_client):
    client = pg_client
    register(client)
    register(client, OTHER)
    at(client, "2026-05-10")
    minor = client.post(FIRE, {"uscc": USCC, "finding_no": "XF-1", "category": "electrical",
                               "location": "厨房", "occurred_on": "2026-05-09"}, as_="fire")
    assert minor.status_code == 201, minor.json
    case_id = major_hazard_overdue(client)  # major −20, overdue −15
    at(client, "2026-06-10")
    c = client.post("/api/v1/complaints", {"uscc": USCC, "channel": "hotline_12345",
                                           "category": "abuse_cheating", "summary": "护理员推搡老人",
                                           "occurred_on": "2026-06-03"})
    assert c.status_code == 201, c.json
    cid = c.json["id"]
    ack = client.post(f"/api/v1/complaints/{cid}/acknowledgement", {"occurred_on": "2026-06-04"})
    assert ack.status_code == 201, ack.json
    r = client.post(f"/api/v1/complaints/{cid}/conclusion", {
        "outcome": "substantiated", "measures": ["约谈负责人"], "occurred_on": "2026-06-09"})
    assert r.status_code == 201, r.json
    settle(client)

    rating = client.get(f"{FAC}/{USCC}/rating?as_of=2026-06-10", as_="civil_affairs").json
    assert rating["policy"]["version"] == "rating-2026.2"
    facts = sorted((p["fact"], p["points"]) for p in rating["points"])
    assert facts == [("abuse_complaint_substantiated", -30), ("fire_hazard", -5),
                     ("major_fire_hazard", -20), ("rectification_overdue", -15)]
    assert rating["score"] == 30 and rating["level"] == "D"
    timeline = {f"{e['aggregate_id']}:{e['version']}": e["event_type"]
                for e in client.get(f"{FAC}/{USCC}/events", as_="civil_affairs").json}
    for point in rating["points"]:
        assert timeline[point["event_ref"]] == point["event_type"]
        assert point["policy_version"] == "rating-2026.2"
    assert {p["event_ref"].split(":")[0] for p in rating["points"]} >= {case_id, cid}

    before = client.get(f"{FAC}/{USCC}/rating?as_of=2026-05-09", as_="civil_affairs").json
    assert (before["score"], before["level"]) == (95, "A")
    after_window = client.get(f"{FAC}/{USCC}/rating?as_of=2028-06-10", as_="civil_affairs").json
    assert after_window["points"] == [] and after_window["level"] == "A"
    levels = client.get(f"{CREDIT}/rating-levels?uscc={USCC}&uscc={OTHER}&as_of=2026-06-10",
                        as_="civil_affairs").json["levels"]
    assert levels == {USCC: "D", OTHER: "A"}
    assert client.container.view("supervision_rating").levels([USCC], date(2026, 5, 9)) == {USCC: "A"}


def test_a_listing_in_force_makes_the_facility_key_for_the_draw_and_explain_names_the_rule(pg_client):
    client = pg_client
    register(client)
    lid = listed_by_hand(client, "晋城民罚决字〔2026〕15号")
    view = client.container.view("supervision_rating")
    assert view.levels([USCC], date(2026, 6, 23)) == {USCC: "key"}
    assert view.levels([USCC], date(2026, 6, 22)) == {USCC: "A"}

    why = client.get(f"{FAC}/{USCC}/explain?as_of=2026-06-23", as_="civil_affairs").json
    assert why["rating"]["level"] == "D" and why["rating"]["listings_in_force"][0]["listing_id"] == lid
    (listing,) = why["listings"]
    assert listing["rule"]["criterion"] == "abuse_cheating"
    assert "民发〔2019〕103号" in listing["rule"]["legal_basis"]
    assert listing["penalty_decision"]["decision_no"] == "晋城民罚决字〔2026〕15号"
    assert [s["event_type"] for s in listing["chain"]] == [
        "Listing.Proposed", "Listing.NoticeServed", "Listing.Listed"]
    assert listing["chain"][0]["source"] == "policy:listing.penalty"
    assert client.get(f"{CREDIT}/listings/{lid}/explain").status_code == 401


def test_a_rebuild_from_zero_gives_the_same_tables_and_issues_no_new_commands(pg_client):
    client = pg_client
    register(client)
    major_hazard_overdue(client)
    listed_by_hand(client, "晋城民罚决字〔2026〕16号")
    settle(client)
    container = client.container
    container.projection_service.stop()
    head = container.app.recorder.max_notification_id()
    names = ("grades", "supervision_rating", "credit_lists", "credit_policy")
    before = {n: container.view(n).checksum() for n in names}
    for name in names:
        container.runner(name).rebuild()
    assert {n: container.view(n).checksum() for n in names} == before
    assert container.app.recorder.max_notification_id() == head


def test_bad_proposals_are_refused_field_by_field_and_write_nothing(pg_client):
    client = pg_client
    register(client)
    settle(client)
    head = client.container.app.recorder.max_notification_id()
    r = client.post(f"{CREDIT}/listings", {"uscc": USCC, "criterion": "littering", "evidence": ["nope"]})
    assert r.status_code == 422 and set(r.json["fields"]) == {"criterion", "evidence.0"}
    r = client.post(f"{CREDIT}/listings", {"uscc": USCC, "criterion": "beyond_scope"})
    assert r.status_code == 422 and "evidence" in r.json["fields"]
    r = client.post(f"{CREDIT}/listings", {"uscc": USCC, "criterion": "beyond_scope",
                                           "evidence": ["00000000-0000-0000-0000-000000000000:1"]})
    assert r.status_code == 422 and "names no recorded event" in r.json["fields"]["evidence"][0]
    r = client.post(f"{CREDIT}/listings", {"uscc": OTHER, "criterion": "beyond_scope"})
    assert r.status_code == 404
    r = client.post(f"{CREDIT}/listings/00000000-0000-0000-0000-000000000000/notice", {"notice_no": "N"})
    assert r.status_code == 404
    r = client.post(f"{CREDIT}/listings", {"uscc": USCC, "criterion": "beyond_scope"}, as_="fire")
    assert r.status_code == 403
    assert client.container.app.recorder.max_notification_id() == head


def test_only_the_bureau_of_the_facility_s_region_lists_and_a_second_proposal_is_409(pg_client):
    from supervision.domain.values import Actor

    client = pg_client
    register(client)
    facility_event = client.get(f"{FAC}/{USCC}/events", as_="civil_affairs").json[0]
    ref = f"{facility_event['aggregate_id']}:{facility_event['version']}"
    body = {"uscc": USCC, "criterion": "disclosure_failure", "list_kind": "key_attention", "evidence": [ref],
            "reason": "未按规定报送年度工作报告"}
    client.token_for(Actor("fz-officer", "MZJ-350100", "civil_affairs"))
    r = client.post(f"{CREDIT}/listings", body, as_="fz-officer")
    assert r.status_code == 403 and "MZJ-350100" in r.json["error"]
    r = client.post(f"{CREDIT}/listings", body)
    assert r.status_code == 201 and r.json["data"]["list_kind"] == "key_attention", r.json
    again = client.post(f"{CREDIT}/listings", body)
    assert again.status_code == 409 and again.json["fields"]["listing_id"] == [r.json["id"]]
