"""The topic catalogue, as data: every topic we publish or consume, its key, schema and advice.

The AsyncAPI document (`consumers/asyncapi.py`) and docs/topics.md are generated from this module,
so the catalogue is the single place a topic is described. Events are routed by their class name
(`Facility.Registered`), never by importing the capability modules: the catalogue stays importable
while capabilities are added, and an event class it does not know is skipped (and logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from marshmallow import Schema, fields, validate

from consumers.envelope import SCHEMA_VERSION, ActorBody, BodySchema, PublicData
from consumers.topics_duties import DUTIES_AGGREGATES, DUTIES_EXAMPLE, DUTIES_NOT_RELAYED, DUTIES_PURPOSE

DOMAIN, LIST, INBOUND, DLQ = "domain", "list", "inbound", "dlq"
#: partitions of every topic we create: keyed by USCC, so a facility's records stay in order
PARTITIONS = 4


# -- body schemas ------------------------------------------------------------------------------
class DomainEventBody(BodySchema):
    """A fact from the event store, with its provenance; `data` is the event's public fields only: its
    allow-list shape in `supervision/public/events.py` (no free text, no residents, persons masked)."""

    event_id = fields.String(required=True, metadata={"description": "= ce_id: aggregate id:version"})
    event_type = fields.String(required=True, metadata={"description": "e.g. Facility.Registered"})
    aggregate_id = fields.UUID(required=True)
    aggregate_version = fields.Integer(required=True, validate=validate.Range(min=1))
    uscc = fields.String(allow_none=True, required=True, validate=validate.Length(equal=18))
    occurred_on = fields.Date(allow_none=True, required=True)
    recorded_at = fields.String(required=True, metadata={"description": "RFC 3339 UTC, = ce_time"})
    actor = fields.Nested(ActorBody, allow_none=True, required=True)
    source = fields.String(allow_none=True, required=True)
    data = PublicData(required=True, metadata={
        "description": "the event's allow-listed public fields (docs/public-shapes.md); {} when none"})


class ComplaintSummaryBody(BodySchema):
    """A complaint reduced to what may be public: category, channel, outcome and dates.

    No summary text, no findings, no complainant: `unknown = raise` refuses any other field.
    """

    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    complaint_id = fields.UUID(required=True)
    uscc = fields.String(required=True, validate=validate.Length(equal=18))
    occurred_on = fields.Date(allow_none=True, required=True)
    recorded_at = fields.String(required=True)
    category = fields.String(allow_none=True, required=True)
    channel = fields.String(allow_none=True, required=True)
    received_on = fields.Date(allow_none=True)
    ack_due_on = fields.Date(allow_none=True)
    conclude_due_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True)
    measures_count = fields.Integer(allow_none=True)
    penalty_decision_no = fields.String(allow_none=True)


class ListEntryBody(BodySchema):
    """Current state of one facility on a list; the newest record per key wins (compaction)."""

    uscc = fields.String(required=True, validate=validate.Length(equal=18))
    list = fields.String(required=True, validate=validate.OneOf(["grades", "blacklist", "joint_punishment"]))
    entries = fields.List(PublicData(), required=True,
                          metadata={"description": "one per listing / grade in force"})
    caused_by = fields.String(required=True, metadata={"description": "event id that last changed it"})
    updated_at = fields.String(required=True, metadata={"description": "RFC 3339 UTC"})


class FireFindingIn(BodySchema):
    """Inbound finding from the fire authority: the `record_fire_finding` command's fields."""

    class Meta:
        unknown = "include"  # the command schema checks the rest, field by field

    uscc = fields.String(required=True)
    finding_no = fields.String(required=True, validate=validate.Length(min=1, max=64))


class HotlineComplaintIn(BodySchema):
    """Inbound 12345 work order: the `register_complaint` fields; `reference` = work-order number."""

    class Meta:
        unknown = "include"

    uscc = fields.String(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))


class DeadLetterHeaders(Schema):
    """A dead letter is the original record (same value bytes, key and headers) plus these headers,
    so it can be fixed at the source and replayed unchanged."""

    dlq_reason = fields.String(required=True, metadata={"description": "why the record was refused"})
    dlq_fields = fields.String(required=True, metadata={"description": "JSON {field: [problems]}"})
    dlq_source_topic = fields.String(required=True)
    dlq_source_partition = fields.String(required=True)
    dlq_source_offset = fields.String(required=True)
    dlq_failed_at = fields.String(required=True, metadata={"description": "RFC 3339 UTC"})


# -- the catalogue -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Topic:
    name: str  # without the deployment prefix
    kind: str
    purpose: str
    schema: type[Schema]
    key: str
    retention: str
    example: dict[str, Any] | None = None  # set from _EXAMPLES below
    aggregates: tuple[str, ...] = ()  # domain topics: which aggregates' events they carry
    command: str | None = None  # inbound topics: the command a record becomes
    ce_type: str | None = None  # inbound topics: the ce_type a producer must set
    compacted: bool = False
    partitions: int = PARTITIONS
    dlq: str | None = None


_DOMAIN_RETENTION = "retention.ms=-1 (keep: a fact log consumers may replay); or ≥ 7 years as archives"
_LIST_RETENTION = "cleanup.policy=compact, min.compaction.lag.ms=3600000, delete.retention.ms=86400000"
_INBOUND_RETENTION = "retention.ms=1209600000 (14 days): inbound records become events once accepted"

_EXAMPLE_DOMAIN = {
    "schema_version": SCHEMA_VERSION,
    "event_id": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10:1",
    "event_type": "Facility.Registered",
    "aggregate_id": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10",
    "aggregate_version": 1,
    "uscc": "91350100M000100Y43",
    "occurred_on": "2025-01-06",
    "recorded_at": "2025-01-06T02:15:00.123456Z",
    "actor": {"agency": "MZJ-350102", "role": "civil_affairs"},
    "source": "api",
    "data": {"profile": {"name": "福州夕阳红养老院", "region_code": "350102", "total_beds": 100,
                         "nursing_beds": 60, "legal_representative": "王**"}},
}

_ID = "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10"
_USCC = "91350100M000100Y43"


def _fact(event_type: str, data: dict[str, Any], agency: str, role: str) -> dict[str, Any]:
    return {**_EXAMPLE_DOMAIN, "event_type": event_type, "event_id": f"{_ID}:2", "aggregate_version": 2,
            "actor": {"agency": agency, "role": role}, "data": data}


_EXAMPLES: dict[str, dict[str, Any] | None] = {
    "spot-checks": _fact("Inspection.ResultPublished", {"published_on": "2026-03-20", "result": {
        "conclusion": "problems_rectification_ordered", "completed_on": "2026-03-02",
        "publish_due_on": "2026-03-30"}}, "MZJ-350102", "civil_affairs"),
    "fire-safety": _fact("FireSafetyCase.HazardFound", {
        "finding_no": "XF-2026-0012", "category": "evacuation", "location": "2号楼疏散通道", "major": True,
        "major_criterion": "GB 35181-2017 6.3", "origin": "fire_authority",
        "public_summary": "2号楼疏散通道堵塞，已责令限期整改"}, "XFJY-350102", "fire"),
    "prepaid-fees": _fact("PrepaidLedger.CapExceeded", {
        "receipt_no": "R-2026-031", "kind": "deposit", "rule_id": "CN-deposit-12x-bed-fee",
        "rule_version": "prepaid-caps-2024.1", "measure": "bed_fee_multiple", "unit": "fen",
        "limit": 3_600_000, "actual": 3_900_000}, "MZJ-350102", "civil_affairs"),
    "complaints-summary": {
        "schema_version": SCHEMA_VERSION, "event_id": f"{_ID}:4", "event_type": "Complaint.Concluded",
        "complaint_id": _ID, "uscc": _USCC, "occurred_on": "2026-02-10",
        "recorded_at": "2026-02-10T08:00:00Z", "category": "fees", "channel": "hotline_12345",
        "received_on": "2026-02-02", "ack_due_on": "2026-02-03", "conclude_due_on": "2026-02-24",
        "outcome": "substantiated", "measures_count": 2, "penalty_decision_no": None},
    "grades": {"schema_version": SCHEMA_VERSION, "uscc": _USCC, "list": "grades", "entries": [
        {"kind": "official", "level": 4, "score": 800, "assessed_on": "2025-06-23",
         "valid_until": "2028-06-23", "assessing_body": "福州市民政局", "certificate_no": "FZ-1"}],
        "caused_by": f"{_ID}:2", "updated_at": "2025-06-23T03:00:00Z"},
    "joint-punishment": {"schema_version": SCHEMA_VERSION, "uscc": _USCC, "list": "joint_punishment",
        "entries": [{"listing_id": _ID, "list_kind": "joint_punishment", "criterion": "refused_inspection",
                     "legal_basis": "民发〔2019〕103号 第六条第(七)项", "authority": "MZJ-350100",
                     "effective_on": "2026-06-23", "expires_on": "2029-06-23", "term_years": 3,
                     "measures": ["重点监管", "取消补贴资格"],
                     "responsible_persons": {"legal_representative": "王**"}}],
        "caused_by": f"{_ID}:5", "updated_at": "2026-06-23T02:00:00Z"},
    "inbound.fire-safety-findings": {
        "schema_version": SCHEMA_VERSION, "uscc": _USCC, "finding_no": "XF-2026-0012",
        "category": "evacuation", "location": "2号楼疏散通道", "major": False, "occurred_on": "2026-03-02",
        "order_no": "榕消限字〔2026〕12号", "due_on": "2026-04-01"},
    "inbound.hotline-complaints": {
        "schema_version": SCHEMA_VERSION, "uscc": _USCC, "reference": "12345-20260202-0042",
        "category": "fees", "summary": "押金退还拖延", "occurred_on": "2026-02-02",
        "complainant": {"name": "张三", "phone": "13800138000"}},
}
_EXAMPLES["blacklist"] = {**_EXAMPLES["joint-punishment"], "list": "blacklist"}  # type: ignore[dict-item]

TOPICS: tuple[Topic, ...] = (
    Topic("facilities", DOMAIN,
          "备案 registry facts: registrations, profile changes, official grades, exits.",
          DomainEventBody, "USCC", _DOMAIN_RETENTION, _EXAMPLE_DOMAIN, aggregates=("Facility",)),
    Topic("spot-checks", DOMAIN,
          "双随机、一公开: campaigns planned, results once published (never before), publication "
          "overdue. Draws are not announced here before the visit; verify them through the API.",
          DomainEventBody, "USCC (campaign id for campaign-wide events)", _DOMAIN_RETENTION,
          aggregates=("SpotCheckCampaign", "Inspection")),
    Topic("fire-safety", DOMAIN,
          "Fire hazards found, rectification ordered/reported/verified/rejected/overdue, premises "
          "sealed and unsealed.", DomainEventBody, "USCC", _DOMAIN_RETENTION,
          aggregates=("FireSafetyCase",)),
    Topic("prepaid-fees", DOMAIN,
          "预收费用: receipts, refunds, custody deposits, cap violations and fund-raising risk signals "
          "(allow-listed: no resident references, no free text).", DomainEventBody, "USCC", _DOMAIN_RETENTION,
          aggregates=("PrepaidLedger",)),
    Topic("complaints-summary", DOMAIN,
          "Complaints reduced to category, channel, outcome and dates: no text, no complainant.",
          ComplaintSummaryBody, "USCC", _DOMAIN_RETENTION, aggregates=("Complaint",)),
    Topic("duties-public", DOMAIN, DUTIES_PURPOSE, DomainEventBody, "USCC", _DOMAIN_RETENTION, DUTIES_EXAMPLE,
          aggregates=DUTIES_AGGREGATES),
    Topic("grades", LIST, "Official grade (等级评定) in force per facility; tombstone when it ends.",
          ListEntryBody, "USCC", _LIST_RETENTION, compacted=True),
    Topic("blacklist", LIST,
          "失信名单: every credit-list entry in force per facility (joint punishment and key "
          "attention); tombstone on removal.", ListEntryBody, "USCC", _LIST_RETENTION, compacted=True),
    Topic("joint-punishment", LIST,
          "失信联合惩戒对象名单: joint-punishment listings in force per facility, for the agencies that "
          "apply the measures; tombstone on removal.", ListEntryBody, "USCC", _LIST_RETENTION,
          compacted=True),
    Topic("inbound.fire-safety-findings", INBOUND,
          "Findings from the fire and rescue authority (消防救援机构) → record_fire_finding.",
          FireFindingIn, "USCC", _INBOUND_RETENTION, command="record_fire_finding",
          ce_type="cn.eldercare.inbound.fire_finding.v1", dlq="inbound.fire-safety-findings.dlq"),
    Topic("inbound.hotline-complaints", INBOUND,
          "12345 hotline work orders about facilities → register_complaint (channel hotline_12345).",
          HotlineComplaintIn, "USCC", _INBOUND_RETENTION, command="register_complaint",
          ce_type="cn.eldercare.inbound.hotline_complaint.v1", dlq="inbound.hotline-complaints.dlq"),
    Topic("inbound.fire-safety-findings.dlq", DLQ, "Refused fire findings: reason + original record.",
          DeadLetterHeaders, "original key", "retention.ms=-1 until handled"),
    Topic("inbound.hotline-complaints.dlq", DLQ, "Refused hotline work orders: reason + original record.",
          DeadLetterHeaders, "original key", "retention.ms=-1 until handled"),
)

TOPICS = tuple(
    t if t.example is not None or t.name not in _EXAMPLES else replace(t, example=_EXAMPLES[t.name])
    for t in TOPICS
)

#: events that are never relayed although their aggregate is routed: unpublished spot-check results
#: (only published results are public); the draw and the inspections it schedules (announcing which
#: facilities and inspectors were drawn before the visit would defeat an unannounced random check —
#: the draw stays verifiable through the API's `verify`); audit records of identity reveals.
NOT_RELAYED = frozenset({
    "Inspection.ResultRecorded", "Inspection.Scheduled", "SpotCheckCampaign.Drawn",
    "Inspection.Redrawn", "Inspection.Withdrawn",
    "Complaint.IdentityRevealed",
}) | DUTIES_NOT_RELAYED

#: list topic → the list kinds it carries (`Listing.list` / `.list_kind`); None = every kind
LIST_KINDS: dict[str, tuple[str, ...] | None] = {
    "blacklist": None,
    "joint-punishment": ("joint_punishment",),
}


@dataclass
class Catalogue:
    """The topics of one deployment: names carry `ELDERCARE_TOPIC_PREFIX` (e.g. `eldercare.`)."""

    prefix: str = "eldercare"
    topics: tuple[Topic, ...] = TOPICS
    _by_aggregate: dict[str, Topic] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for topic in self.topics:
            for aggregate in topic.aggregates:
                self._by_aggregate[aggregate] = topic

    def full(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str) -> Topic:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise KeyError(name)

    def of_kind(self, kind: str) -> list[Topic]:
        return [t for t in self.topics if t.kind == kind]

    def for_event(self, event_type: str) -> Topic | None:
        """The domain topic of an event class name (`Facility.Registered`), or None."""
        if event_type in NOT_RELAYED:
            return None
        return self._by_aggregate.get(event_type.split(".", 1)[0])

    def outbound_names(self) -> list[str]:
        return [self.full(t.name) for t in self.topics if t.kind in (DOMAIN, LIST)]

    def all_names(self) -> list[str]:
        return [self.full(t.name) for t in self.topics]
