"""The console speaks Chinese to its regulators: the system's messages (the commands', the domain's,
marshmallow's) are shown through `supervision.console.messages`, fields by the forms' labels, the
forms' help texts in Chinese; the API keeps its English.

Flask's client on PostgreSQL, as tests/e2e/test_console_incidents_prepaid.py. Every rule of the
translation table must still match a message the system really produces when bad values are
submitted through the console (`test_every_rule_matches_a_message_the_console_really_shows`): a
changed English message fails that test instead of silently showing English."""

from __future__ import annotations

import json

from supervision.console import messages
from supervision.domain.uscc import with_check_character
from tests.e2e.test_console_cap_preview import (
    COMPLAINT,
    F1,
    RECEIPT,
    TAIYUAN,
    UNREGISTERED,
    WRONG_CHECK,
    act,
    city,
)
from tests.e2e.test_console_messages_forms import check_shown, shown, town
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.support import facility_payload

__all__ = ["city", "town"]  # the fixtures


def bad_submissions(complaint: str) -> list[tuple[str, str, dict[str, str]]]:
    """(who, command, form): bad values a regulator may type, each refused with the system's words."""
    facility = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v)
                for k, v in facility_payload(uscc=with_check_character("52140502MJ0000003"),
                                             region_code="140502").items()}
    return [
        ("sc", "record_prepayment", {**RECEIPT, "kind": "deposit"}),
        ("sc", "record_prepayment", {"uscc": F1}),
        ("sc", "record_prepayment", {**RECEIPT, "amount_fen": "-5"}),
        ("sc", "record_prepayment", {**RECEIPT, "amount_fen": str(10**14)}),
        ("sc", "record_prepayment", {**RECEIPT, "amount_fen": "0"}),
        ("sc", "record_prepayment", {**RECEIPT, "kind": "gold"}),
        ("sc", "record_prepayment", {**RECEIPT, "resident_ref": "13912345678"}),
        ("sc", "record_prepayment", {**RECEIPT, "occurred_on": "2099-01-01"}),
        ("sc", "record_prepayment", {**RECEIPT, "occurred_on": "1900-01-01"}),
        ("mz", "assess_facility_grade", {"uscc": F1, "level": "3", "score": "700", "certificate_no": "C-9",
                                         "assessing_body": "晋城市民政局", "valid_until": "2199-01-01"}),
        ("sc", "record_refund_due", {**RECEIPT, "due_on": "2199-01-01"}),
        ("sc", "record_prepayment", {**RECEIPT, "occurred_on": "2026-02-30"}),
        ("sc", "record_prepayment", {**RECEIPT, "receipt_no": "R" * 65}),
        ("sc", "record_prepayment", {**RECEIPT, "uscc": F1[:10]}),
        ("sc", "record_prepayment", {**RECEIPT, "uscc": WRONG_CHECK}),
        ("sc", "record_prepayment", {**RECEIPT, "uscc": UNREGISTERED}),
        ("sc", "record_prepayment", {**RECEIPT, "uscc": TAIYUAN}),
        ("sc", "record_refund", {**RECEIPT, "amount_fen": "5000"}),
        ("sc", "close_complaint", {"complaint_id": complaint}),
        ("mz", "register_complaint", {**COMPLAINT, "summary": "家属电话 13912345678"}),
        ("mz", "register_complaint", {**COMPLAINT, "summary": "老人身份证 11010519491231002X"}),
        ("mz", "register_complaint", {**COMPLAINT, "summary": "押金\x01收取"}),
        ("mz", "close_complaint", {"complaint_id": complaint}),
        ("mz", "acknowledge_complaint", {"complaint_id": "not-a-uuid"}),
        ("mz", "change_facility_profile", {"uscc": F1, "expected_version": "99", "name": "新名称"}),
        ("mz", "register_facility", {**facility, "nursing_beds": "500", "total_beds": "100"}),
        ("mz", "register_facility", {**facility, "total_beds": "1000000"}),
        ("mz", "plan_spot_check_campaign", {"reference": "SC-1", "name": "年度抽查", "kind": "annual",
                                            "agencies": "MZJ-140500", "region_prefix": "1405",
                                            "checklist": '[{"code": "FS-01", "title": "消防"}]',
                                            "sampling_ratios": '{"5": "many"}'}),
        ("mz", "report_incident", {"uscc": F1, "category": "fire", "severity": "general",
                                   "occurred_at": "昨天", "reported_at": "2026-11-20T09:30:00+08:00",
                                   "summary": "厨房起火"}),
        # dated before the facility's registration (2024-03-01), or before what they rest on
        ("sc", "record_prepayment", {**RECEIPT, "occurred_on": "2024-01-01"}),
        ("sc", "record_refund_due", {**RECEIPT, "due_on": "2026-11-01", "occurred_on": "2026-11-10"}),
        ("sc", "record_refund_due", {**RECEIPT, "due_on": "2026-11-22", "occurred_on": "2026-11-23"}),
        ("mz", "register_complaint", {**COMPLAINT, "occurred_on": "2024-01-01"}),
        ("mz", "report_incident", {"uscc": F1, "category": "fire", "severity": "general",
                                   "occurred_at": "2024-01-01T09:00:00+08:00",
                                   "reported_at": "2024-01-01T09:30:00+08:00", "summary": "厨房起火"}),
        ("mz", "report_incident", {"uscc": F1, "category": "fire", "severity": "general",
                                   "occurred_at": "2026-11-20T09:00:00+08:00",
                                   "reported_at": "2026-11-20T08:30:00+08:00", "summary": "厨房起火"}),
        ("mz", "change_facility_profile", {"uscc": F1, "name": "新名称", "occurred_on": "2024-01-01"}),
        ("mz", "assess_facility_grade", {"uscc": F1, "level": "3", "score": "700", "certificate_no": "C-9",
                                         "assessing_body": "晋城市民政局", "occurred_on": "2024-01-01"}),
        ("mz", "close_facility", {"uscc": F1, "reason": "停业", "occurred_on": "2024-01-01"}),
    ]


def test_every_rule_matches_a_message_the_console_really_shows(town, monkeypatch):
    """This file's bad values and those of the spot-check, fire-safety and credit forms
    (tests/e2e/test_console_messages_forms.py), on the state both need."""
    from tests.e2e.test_console_messages_forms import bad_submissions as more_forms

    client, tokens, complaint, state = town
    seen: list[str] = []
    read = messages._read
    monkeypatch.setattr(messages, "_read", lambda text: seen.append(text) or read(text))
    sessions = {who: signed_in(client, token)[0] for who, token in tokens.items()}
    for who, command, form in bad_submissions(complaint) + more_forms(state):
        r = act(sessions[who], command, form)
        assert r.status_code in (403, 404, 409, 422), (command, form, r.status_code)
    r = sessions["sc"].get(f"/console/act/close_complaint?complaint_id={complaint}")  # the role's refusal
    assert r.status_code == 403
    reveal = f"/console/complaints/{complaint}/identity"
    r = sessions["mz"].post(reveal, data={"reason": "？", "csrf_token": csrf_of(sessions["mz"], reveal)})
    assert r.status_code == 422
    monkeypatch.undo()
    texts = sorted(set(seen))
    unmatched = [rule.english.pattern for rule in messages.RULES
                 if not any(messages.matching(text) is rule for text in texts)]
    assert unmatched == [], (unmatched, texts)


def test_the_reported_english_errors_are_shown_in_chinese(city):
    client, tokens, complaint = city
    sc, _ = signed_in(client, tokens["sc"])
    mz, _ = signed_in(client, tokens["mz"])
    cases = [
        (act(sc, "record_prepayment", {"uscc": F1}),
         ["未能提交：输入有误", "必填"], ["invalid command", "Missing data for required field."]),
        (act(sc, "record_prepayment", {**RECEIPT, "amount_fen": "-5"}),
         ["不得为负数"], ["must not be negative"]),
        (act(sc, "record_prepayment", {**RECEIPT, "amount_fen": str(10**14)}),
         ["须在 0 至 10000000000000 分之间"], ["10000000000000 fen"]),
        (act(sc, "record_prepayment", {**RECEIPT, "occurred_on": "2099-01-01"}),
         ["发生日期：2099-01-01 晚于今天（今天是 2026-11-23）"], ["is in the future"]),
        (act(mz, "register_complaint", {**COMPLAINT, "summary": "家属电话 13912345678"}),
         ["疑似手机号码"], ["looks like"]),
        (act(sc, "record_prepayment", {**RECEIPT, "resident_ref": "13912345678"}),
         ["疑似手机号码：请填写化名编号（如机构的入住编号 R-0042）"], ["pseudonymous"]),
        (act(mz, "close_complaint", {"complaint_id": complaint}),
         ["投诉当前为“已告知受理”，不能关闭：只有已办结的投诉才能关闭"], ["cannot close"]),
        (act(mz, "register_facility", {"total_beds": "x1"}), ["不是整数"], ["Not a valid"]),
        (sc.get(f"/console/act/close_complaint?complaint_id={complaint}"),
         ["角色“市场监管”无权执行 close_complaint"], ["may not"]),
    ]
    check_shown(cases)


def test_the_forms_help_texts_are_chinese(city):
    client, tokens, _ = city
    http, _ = signed_in(client, tokens["sc"])
    page = shown(http.get(f"/console/act/record_prepayment?uscc={F1}"))
    assert "月床位费（押金上限的计算基数）" in page and "deposit cap base" not in page
    assert "事情发生的日期（不晚于今天）" in page
