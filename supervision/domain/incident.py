"""The Incident aggregate: a 突发重大情况 at a facility, from its report to the finding of responsibility.

Lifecycle: reported (by the operator, or recorded by a regulator who learnt of it otherwise) →
classified (category / severity corrected, any number of times before the conclusion) →
investigation opened (optional) → responsibility found by the competent authority, with its decision
number, which concludes the investigation. A report after the policy's deadline is recorded as late
(`late=True` with the deadline it missed). Residents' personal data only enters sealed
(`residents_sealed`). `InvestigationConcluded` is the public shape: category and date, nothing else.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor

#: categories of incidents an operator must report (seeds 001, 004)
INCIDENT_CATEGORIES: tuple[str, ...] = (
    "death_unnatural",  # 非正常死亡
    "serious_injury",  # 重伤
    "fire",  # 火灾
    "food_poisoning",  # 食物中毒
    "epidemic_cluster",  # 聚集性疫情
    "missing_resident",  # 老年人走失
    "abuse",  # 虐老、欺老事件
    "service_suspension",  # 暂停、终止服务
    "other",
)
#: 一般 / 较大 / 重大 / 特别重大 (《生产安全事故报告和调查处理条例》第三条 grades accidents so)
SEVERITIES: tuple[str, ...] = ("general", "serious", "major", "especially_major")
#: who brought the incident to the regulator's knowledge
REPORTERS: tuple[str, ...] = ("operator", "regulator")
#: finding of responsibility by the competent authority: 主要责任 / 直接责任 / 次要责任 / 无责任
RESPONSIBILITIES: tuple[str, ...] = ("main", "direct", "secondary", "none")

STATUSES = ("reported", "investigating", "concluded")


class IncidentNotFound(NotFound):
    def __init__(self, incident: str) -> None:
        super().__init__(f"incident {incident} is not recorded", {"incident_id": ["not recorded"]})


class IllegalIncidentStep(Conflict):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"cannot {action} an incident that is {status}", {"status": [status]})


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidValue(field, f"must be one of {', '.join(allowed)}")


class Incident(Aggregate):
    """One incident at one facility."""

    @classmethod
    def report(
        cls,
        *,
        id: UUID,
        uscc: str,
        category: str,
        severity: str,
        reporter: str,
        occurred_at: datetime,
        reported_at: datetime,
        report_due_at: datetime,
        late: bool,
        deadline_hours: int,
        policy_version: str,
        summary: str,
        deaths: int,
        injuries: int,
        residents_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Incident:
        """`report_due_at` and `late` come from policy (the application measures them)."""
        _one_of("category", category, INCIDENT_CATEGORIES)
        _one_of("severity", severity, SEVERITIES)
        _one_of("reporter", reporter, REPORTERS)
        if reported_at < occurred_at:
            raise InvalidValue("reported_at", "a report cannot precede the incident")
        if not summary.strip():
            raise InvalidValue("summary", "must not be blank")
        if deaths < 0 or injuries < 0:
            raise InvalidValue("deaths" if deaths < 0 else "injuries", "must not be negative")
        return cls._create(
            cls.Reported,
            id=id,
            uscc=uscc,
            category=category,
            severity=severity,
            reporter=reporter,
            occurred_at=occurred_at,
            reported_at=reported_at,
            report_due_at=report_due_at,
            late=late,
            deadline_hours=deadline_hours,
            policy_version=policy_version,
            summary=summary.strip(),
            deaths=deaths,
            injuries=injuries,
            residents_sealed=residents_sealed,
            incident_on=occurred_on,
            occurred_on=reported_at.date(),
            actor=actor,
            source=source,
        )

    @event("Reported")
    def __init__(
        self,
        *,
        uscc: str,
        category: str,
        severity: str,
        reporter: str,
        occurred_at: datetime,
        reported_at: datetime,
        report_due_at: datetime,
        late: bool,
        deadline_hours: int,
        policy_version: str,
        summary: str,
        deaths: int,
        injuries: int,
        residents_sealed: str | None,
        incident_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.uscc = uscc
        self.category = category
        self.severity = severity
        self.incident_on = incident_on
        self.reported_on = occurred_on
        self.late = late
        self.status = "reported"
        self.last_step_on = occurred_on
        self.responsibility: str | None = None
        self.decision_no: str | None = None

    # -- guards -----------------------------------------------------------------------------
    def check_open(self, action: str) -> None:
        if self.status == "concluded":
            raise IllegalIncidentStep(action, self.status)

    def check_in_order(self, occurred_on: date) -> None:
        if occurred_on < self.last_step_on:
            raise InvalidValue(
                "occurred_on",
                f"{occurred_on.isoformat()} is before the incident's previous "
                f"step ({self.last_step_on.isoformat()})",
            )

    # -- commands ---------------------------------------------------------------------------
    def classify(
        self, *, category: str, severity: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """The regulator corrects the category or severity (the report's lateness stays as measured)."""
        self.check_open("classify")
        self.check_in_order(occurred_on)
        _one_of("category", category, INCIDENT_CATEGORIES)
        _one_of("severity", severity, SEVERITIES)
        if (category, severity) == (self.category, self.severity):
            raise Conflict("the incident already has this category and severity", {"category": ["unchanged"]})
        if not reason.strip():
            raise InvalidValue("reason", "must say why the classification changes")
        self._classified(
            uscc=self.uscc,
            category=category,
            severity=severity,
            previous_category=self.category,
            previous_severity=self.severity,
            reason=reason.strip(),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Classified")
    def _classified(
        self,
        uscc: str,
        category: str,
        severity: str,
        previous_category: str,
        previous_severity: str,
        reason: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.category, self.severity = category, severity
        self.last_step_on = occurred_on

    def open_investigation(self, *, authority: str, occurred_on: date, actor: Actor, source: str) -> None:
        if self.status != "reported":
            raise IllegalIncidentStep("open an investigation of", self.status)
        self.check_in_order(occurred_on)
        if not authority.strip():
            raise InvalidValue("authority", "must name the investigating authority")
        self._investigation_opened(
            uscc=self.uscc, authority=authority.strip(), occurred_on=occurred_on, actor=actor, source=source
        )

    @event("InvestigationOpened")
    def _investigation_opened(
        self, uscc: str, authority: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.status = "investigating"
        self.last_step_on = occurred_on

    def find_responsibility(
        self,
        *,
        authority: str,
        decision_no: str,
        responsibility: str,
        cause: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """The competent authority's finding (认定) concludes the investigation: two events, the
        finding in full and the public summary (category and date)."""
        self.check_open("record a finding on")
        self.check_in_order(occurred_on)
        _one_of("responsibility", responsibility, RESPONSIBILITIES)
        if not authority.strip():
            raise InvalidValue("authority", "must name the competent authority")
        if not decision_no.strip():
            raise InvalidValue("decision_no", "a finding cites its decision number")
        self._responsibility_found(
            uscc=self.uscc,
            authority=authority.strip(),
            decision_no=decision_no.strip(),
            responsibility=responsibility,
            category=self.category,
            severity=self.severity,
            incident_on=self.incident_on,
            cause=cause.strip(),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )
        self._investigation_concluded(
            uscc=self.uscc,
            category=self.category,
            incident_on=self.incident_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("ResponsibilityFound")
    def _responsibility_found(
        self,
        uscc: str,
        authority: str,
        decision_no: str,
        responsibility: str,
        category: str,
        severity: str,
        incident_on: date,
        cause: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.responsibility = responsibility
        self.decision_no = decision_no

    @event("InvestigationConcluded")
    def _investigation_concluded(
        self, uscc: str, category: str, incident_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.status = "concluded"
        self.last_step_on = occurred_on
