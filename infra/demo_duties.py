"""Demo duties: incidents, an operations report and supervisory interviews at sample facilities.

Idempotent: a facility that already has demo incidents or interviews is skipped, and report
obligations have deterministic ids (a second filing is a conflict, skipped).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from infra.demo import DEMO_ACTORS, SOURCE, Demo
from projections.incidents import IncidentQuery
from projections.interviews import InterviewQuery
from supervision.application import Context
from supervision.domain.errors import DomainError
from supervision.policy.duty_reports import OPERATIONS_REPORT, period_end


def _facilities(container: Any) -> list[Any]:
    view = container.view("facility_list")
    t = view.facilities
    with view.engine.connect() as conn:
        return conn.execute(
            select(t.c.uscc, t.c.ownership, t.c.registered_on).where(t.c.status == "open").order_by(t.c.uscc)
        ).all()


def load(container: Any, demo: Demo) -> str:
    """Only at the demo's own facilities (`demo.usccs`), never at one a user registered."""
    d = container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source=SOURCE)
    for name in ("facility_list", "incidents", "interviews", "duty_reports"):
        container.runner(name).catch_up()
    ours = set(demo.usccs)
    rows = [r for r in _facilities(container) if r.uscc in ours]
    if len(rows) < 4:
        return "duties: none (too few facilities)"
    today = container.app.today()
    added: list[str] = []
    incidents, interviews = container.view("incidents"), container.view("interviews")

    def at(days_ago: int, hour: int) -> str:
        return datetime.combine(today - timedelta(days=days_ago), time(hour)).isoformat()

    late_fire, open_case = rows[0].uscc, rows[1].uscc
    if incidents.search(IncidentQuery(uscc=late_fire))[1] == 0:
        fire = d.dispatch(
            "report_incident",
            {
                "uscc": late_fire,
                "category": "fire",
                "severity": "general",
                "occurred_at": at(20, 2),
                "reported_at": at(20, 9),
                "summary": "夜间电动车充电起火，已扑灭",
                "injuries": 1,
                "residents": [{"name": "演示住养老人", "outcome": "injured"}],
            },
            ctx,
        )
        on = (today - timedelta(days=5)).isoformat()
        d.dispatch(
            "find_incident_responsibility",
            {
                "uscc": late_fire,
                "incident_id": fire.data["incident_id"],
                "decision_no": "晋消认〔演示〕1号",
                "responsibility": "direct",
                "cause": "违规室内充电",
                "occurred_on": on,
            },
            Context(DEMO_ACTORS["fire"], source=SOURCE),  # the fire brigade's own finding
        )
        added.append("a late fire report with direct responsibility (proposes criterion 5)")
    if incidents.search(IncidentQuery(uscc=open_case))[1] == 0:
        d.dispatch(
            "report_incident",
            {
                "uscc": open_case,
                "category": "missing_resident",
                "severity": "general",
                "occurred_at": at(3, 16),
                "reported_at": at(3, 18),
                "summary": "老人外出未归，当晚寻回",
            },
            ctx,
        )
        added.append("an open missing-resident incident")

    held_at, absent_at = rows[2].uscc, rows[3].uscc
    if interviews.search(InterviewQuery(uscc=held_at))[1] == 0:
        summoned = d.dispatch(
            "summon_interview",
            {
                "uscc": held_at,
                "reason": "投诉集中、消防隐患整改迟缓",
                "scheduled_on": (today - timedelta(days=25)).isoformat(),
                "summoned_roles": ["legal_representative", "person_in_charge"],
                "notice_no": "晋民约〔演示〕1号",
                "occurred_on": (today - timedelta(days=30)).isoformat(),
            },
            ctx,
        )
        iid = summoned.data["interview_id"]
        d.dispatch(
            "hold_interview",
            {
                "uscc": held_at,
                "interview_id": iid,
                "attendees": [{"name": "演示负责人", "position": "院长"}],
                "minutes": "通报问题，机构作出整改承诺",
                "occurred_on": (today - timedelta(days=25)).isoformat(),
                "commitments": [
                    {"item": "清理疏散通道", "due_on": (today - timedelta(days=15)).isoformat()},
                    {"item": "完成护理员培训", "due_on": (today - timedelta(days=2)).isoformat()},
                ],
            },
            ctx,
        )
        d.dispatch(
            "fulfil_interview_commitment",
            {
                "uscc": held_at,
                "interview_id": iid,
                "commitment_no": 1,
                "evidence": "复查通道畅通",
                "occurred_on": (today - timedelta(days=16)).isoformat(),
            },
            ctx,
        )
        added.append("an interview held (commitment 2 overdue at the next tick)")
    if interviews.search(InterviewQuery(uscc=absent_at))[1] == 0:
        summoned = d.dispatch(
            "summon_interview",
            {
                "uscc": absent_at,
                "reason": "年度报告未按时报送",
                "scheduled_on": (today - timedelta(days=7)).isoformat(),
                "summoned_roles": ["person_in_charge"],
                "occurred_on": (today - timedelta(days=10)).isoformat(),
            },
            ctx,
        )
        d.dispatch(
            "record_interview_not_attended",
            {
                "uscc": absent_at,
                "interview_id": summoned.data["interview_id"],
                "note": "无故未到",
                "occurred_on": (today - timedelta(days=7)).isoformat(),
            },
            ctx,
        )
        added.append("an interview not attended")

    for row in rows:  # the first 公建民营 facility files its last ended quarter's operations report
        if row.ownership != "public_built_private_run":
            continue
        quarter = (today.month - 1) // 3 or 4
        period = f"{today.year if quarter != 4 or today.month > 3 else today.year - 1}Q{quarter}"
        if period_end(period) < row.registered_on:
            continue
        try:
            d.dispatch(
                "submit_duty_report",
                {
                    "uscc": row.uscc,
                    "kind": OPERATIONS_REPORT,
                    "period": period,
                    "occurred_on": today.isoformat(),
                },
                ctx,
            )
            added.append(f"an operations report {period}")
        except DomainError:
            pass  # filed by an earlier run
        break
    return f"duties: {len(added)} new ({'; '.join(added) or 'already loaded'})"
