"""A privacy scan that cannot be fooled (PostgreSQL + the real broker).

Every string field of every command in the OpenAPI document gets a distinct recognisable value —
personal fields and free text alike, generated from the document, so a field added later is seeded
(and scanned) without touching this test. The commands run, the views and the relay catch up, and then
every public endpoint (every page, several `as_of` dates), every public topic, the captured logs and
the raw stores (event store and view tables, bytes decoded) are searched for every value:

- a value found in a public output must come from a field that may be public (not personal, not free
  text, not a person in clear) and sit under a key that a public shape allow-lists (`supervision/public/`,
  or — only in that endpoint's answers — the capability's own public response schema,
  `CAPABILITY_ALLOW_LISTS`: the draw record and its verification, public from the visit date, with the
  published redraw `reason`; public incidents, annual reports filed, the calendar's loaded notice);
- personal values (sealed fields) are never in clear at rest, nor in a log;
- free text and persons in clear are never in a log.

Every actor's agency covers the facilities' region 140502 (the city's bureaus; admin acts are the
platform's), so the jurisdiction check passes on its merits. Residents of an incident and attendees of
an interview are personal (sealed before any event).

The scan proves it can see: free texts must be found in the event store (bytes decoded), public
values (a name, a hazard location, a `public_summary`, both redraw reasons, the concluded incident, the
annual report filed) must be found in public outputs, persons must be found masked there, and the
`duties-public` topic must have been read.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
import pytest
import structlog
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema
from openpyxl import load_workbook
from sqlalchemy.engine import make_url

from consumers.envelope import to_cloudevent
from infra.kafka_relay import build_relay
from supervision.api.calendar import CalendarYearSchema
from supervision.api.credit import PUBLIC_LISTS
from supervision.api.duty_reports import AnnualReportPublicPageSchema
from supervision.api.incidents import IncidentPublicPageSchema
from supervision.api.spot_checks import SpotCheckDrawPublicSchema, SpotCheckVerificationSchema
from supervision.application import Context
from supervision.domain.errors import ConcurrentModification, DomainError
from supervision.domain.resident_id import check_character
from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from supervision.policy.statutory_holidays import statutory_holidays
from supervision.public.events import TOPIC_SHAPES
from supervision.public.persons import mask_person
from supervision.public.shapes import SHAPES
from tests.kafka_support import FAST_PRODUCER, read_topic
from tests.support import ROLE_ACTORS, Client, make_container

pytestmark = pytest.mark.integration

REGION = "140502"
USCC1 = with_check_character(f"52{REGION}MJ0000101")
USCC2 = with_check_character(f"52{REGION}MJ0000102")
AGENCY = "MZJ-140500"
#: every actor's agency covers REGION (the city's bureaus; the only admin agency is the platform's)
ACTORS = {
    "civil_affairs": Actor("mz-city", AGENCY, "civil_affairs"),
    "fire": Actor("xf-city", "XFJY-140500", "fire"),
    "market": Actor("sj-city", "SCJG-140500", "market"),
    "admin": ROLE_ACTORS["admin"],
    "system": ROLE_ACTORS["system"],
}
AS_OF_DATES = ("2023-06-01", "2025-01-01", "2026-11-26", "2029-12-31")

#: commands the scenario does not run, and why (each has only references and dates: nothing to seed)
NOT_RUN = {
    "mark_publication_overdue": "clock command: campaign id and USCC only",
    "mark_complaint_acknowledgement_overdue": "clock command: complaint id only",
    "mark_complaint_conclusion_overdue": "clock command: complaint id only",
    "mark_rectification_overdue": "clock command: case references only",
    "mark_refund_overdue": "clock command: the due reference only",
    "expire_listing": "clock command: listing id only",
}
#: public endpoints whose allow-list is the capability's own response schema (not in supervision/public/):
#: keys found there are allowed only in that endpoint's answers
CAPABILITY_ALLOW_LISTS: dict[str, type[Schema]] = {
    r"/api/v1/public/spot-check-draws/[^/ ]+": SpotCheckDrawPublicSchema,
    r"/api/v1/spot-checks/campaigns/[^/ ]+/verify": SpotCheckVerificationSchema,  # public from the visit date
    r"/api/v1/public/incidents": IncidentPublicPageSchema,
    r"/api/v1/public/annual-reports": AnnualReportPublicPageSchema,
    r"/api/v1/calendar/\d+": CalendarYearSchema,  # the State Council notice number, and the note citing it
}
#: free text by name (also: any long text not marked `x-published`, see `classify`)
FREE_TEXT = {
    "description",
    "reason",
    "reasons",
    "notes",
    "note",
    "summary",
    "findings",
    "basis",
    "measures",
    "evidence",
    "scope_note",
}
#: persons: public only masked
PERSONS = {"legal_representative", "person_in_charge", "officer", "user"}
#: citations of law: long texts that are published with the decision they belong to
CITATIONS = {"legal_basis"}


# -- seeding -----------------------------------------------------------------------------------
@dataclass
class Seeded:
    value: str
    command: str
    path: str
    kind: str  # personal | person | free_text | pseudonym | public


@dataclass
class Seeder:
    doc: dict[str, Any]
    values: dict[str, Seeded] = field(default_factory=dict)
    structural: set[tuple[str, str]] = field(default_factory=set)
    counter: int = 0

    def schema(self, ref_or_schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in ref_or_schema:
            return self.doc["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[1]]
        for combined in ("allOf", "anyOf", "oneOf"):  # a nullable nested object: its first branch
            if combined in ref_or_schema:
                return self.schema(ref_or_schema[combined][0])
        return ref_or_schema

    def classify(self, path: str, prop: dict[str, Any], command: str) -> str:
        name = path.rsplit(".", 1)[-1].split("[")[0]
        parts = set(re.split(r"[.\[\]]+", path))
        if parts & {"personal", "complainant", "residents", "attendees"}:
            return "personal"
        if name in PERSONS or (command == "certify_inspector" and name == "name"):
            return "person"
        if name == "resident_ref":
            return "pseudonym"
        if prop.get("x-published"):
            return "public"
        if name in FREE_TEXT or (prop.get("maxLength", 0) >= 500 and name not in CITATIONS):
            return "free_text"
        return "public"

    def token(self, path: str, prop: dict[str, Any], command: str) -> str:
        self.counter += 1
        value = candidate(path.rsplit(".", 1)[-1], prop, self.counter)
        self.values[value] = Seeded(value, command, path, self.classify(path, prop, command))
        return value

    def fill(self, command: str, schema_name: str, base: dict[str, Any]) -> dict[str, Any]:
        """`base` plus a distinct value in every string field it leaves out (recursively)."""
        return self._fill_object(command, self.doc["components"]["schemas"][schema_name], base, "")

    def _fill_object(
        self, command: str, schema: dict[str, Any], base: dict[str, Any], prefix: str
    ) -> dict[str, Any]:
        out = dict(base)
        for name, prop in schema.get("properties", {}).items():
            path = f"{prefix}{name}"
            prop = self.schema(prop)
            if prop.get("readOnly"):
                continue
            if name in base:
                value = base[name]
                if isinstance(value, dict) and prop.get("properties"):
                    out[name] = self._fill_object(command, prop, value, f"{path}.")
                elif isinstance(value, list) and value and isinstance(value[0], dict):
                    item = self.schema(prop.get("items", {}))
                    out[name] = [self._fill_object(command, item, v, f"{path}[].") for v in value]
                elif prop.get("type") == "string":
                    self.structural.add((command, path))
                elif prop.get("type") == "array" and self.schema(prop["items"]).get("type") == "string":
                    self.structural.add((command, f"{path}[]"))
                continue
            if prop.get("type") == "string" and seedable(name, prop):
                out[name] = self.token(path, prop, command)
            elif prop.get("type") == "array" and self.schema(prop.get("items", {})).get("type") == "string":
                item = self.schema(prop["items"])
                if seedable(name, item):
                    out[name] = [self.token(f"{path}[]", item, command)]
            elif prop.get("properties"):
                out[name] = self._fill_object(command, prop, {}, f"{path}.")
        return out

    def string_fields(self, schema_name: str) -> Iterator[str]:
        """Every string path of a command schema (to prove each was seeded or set on purpose)."""
        yield from self._paths(self.doc["components"]["schemas"][schema_name], "")

    def _paths(self, schema: dict[str, Any], prefix: str) -> Iterator[str]:
        for name, prop in schema.get("properties", {}).items():
            prop = self.schema(prop)
            path = f"{prefix}{name}"
            if prop.get("type") == "string" and "enum" not in prop and prop.get("format") not in DATES:
                yield path
            elif prop.get("type") == "array":
                item = self.schema(prop.get("items", {}))
                if item.get("type") == "string" and "enum" not in item:
                    yield f"{path}[]"
                elif item.get("properties"):
                    yield from self._paths(item, f"{path}[].")
            elif prop.get("properties"):
                yield from self._paths(prop, f"{path}.")


DATES = {"date", "date-time", "uuid"}


def candidate(name: str, prop: dict[str, Any], n: int) -> str:
    """The n-th recognisable value for a field: an ID number, a phone number or a `QZnnnnQ` token."""
    if "id_number" in name:
        first17 = f"{REGION}19800101{n:03d}"
        return first17 + check_character(first17)  # valid, and a 1980 birth in a younger region
    if "phone" in name:
        return f"1390{n:07d}"
    value = f"QZ{n:04d}Q"
    return value + "-" * max(prop.get("minLength", 0) - len(value), 0)


def seedable(name: str, prop: dict[str, Any]) -> bool:
    """Free strings: no enum, no date, and a pattern (if any) that takes a seeded value — the text
    patterns that refuse control characters do, identifiers of a fixed form (USCC, region, agency
    code, period, token id) do not, so the scenario sets those itself."""
    return (
        "enum" not in prop
        and prop.get("format") not in DATES
        and ("pattern" not in prop or re.search(prop["pattern"], candidate(name, prop, 1)) is not None)
    )


def command_document(doc: dict[str, Any], specs: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document, plus the schema of every command whose endpoint documents another body
    (`issue_token`: the API makes the token id; clock commands without an endpoint of their own), so
    every command's every string field is seeded."""
    extra = APISpec("commands", "1", doc["openapi"], plugins=[MarshmallowPlugin()])
    for name, schema in {s.schema.__name__: s.schema for s in specs.values()}.items():
        if name not in doc["components"]["schemas"]:
            extra.components.schema(name, schema=schema)
    out = dict(doc)
    out["components"] = {
        **doc["components"],
        "schemas": {**extra.to_dict()["components"]["schemas"], **doc["components"]["schemas"]},
    }
    return out


# -- the scenario --------------------------------------------------------------------------------
Step = tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]]]


def scenario(inspector: Callable[[str], str]) -> list[Step]:
    """(command, role or inspector id, base payload from the state so far)."""
    fac = {
        "region_code": REGION,
        "ownership": "private",
        "profit_status": "non_profit",
        "total_beds": 100,
        "nursing_beds": 60,
        "occurred_on": "2022-01-06",
    }
    case = lambda s: {"case_id": s["case"], "uscc": None, "finding_no": None}  # noqa: E731
    return [
        ("register_facility", "civil_affairs", lambda s: {"uscc": USCC1, **fac}),
        ("register_facility", "civil_affairs", lambda s: {"uscc": USCC2, **fac}),
        (
            "change_facility_profile",
            "civil_affairs",
            lambda s: {"uscc": USCC1, "region_code": REGION, "occurred_on": "2022-02-01"},
        ),
        (
            "assess_facility_grade",
            "civil_affairs",
            lambda s: {"uscc": USCC1, "level": 4, "score": 800, "occurred_on": "2024-06-01"},
        ),
        *[
            (
                "certify_inspector",
                "civil_affairs",
                lambda s, i=i: {
                    "inspector_id": f"MZ-{i}",
                    "agency": AGENCY,
                    "region_code": "140500",
                    "occurred_on": "2022-01-10",
                },
            )
            for i in "ABCD"
        ],
        (
            "declare_inspector_conflict",
            "civil_affairs",
            lambda s: {"inspector_id": "MZ-D", "uscc": USCC2, "occurred_on": "2022-02-10"},
        ),
        (
            "decertify_inspector",
            "civil_affairs",
            lambda s: {"inspector_id": "MZ-D", "occurred_on": "2022-03-01"},
        ),
        (
            "plan_spot_check_campaign",
            "civil_affairs",
            lambda s: {
                "kind": "annual",
                "agencies": [AGENCY],
                "region_prefix": "1405",
                "checklist": [{"code": "C01"}],
                "sampling_ratios": {lvl: 100 for lvl in ("key", "D", "C", "B", "A")},
                "occurred_on": "2026-09-01",
            },
        ),
        # commit → draw, then a redraw (its reason is published), all before the visits begin
        (
            "commit_spot_check_seed",
            "civil_affairs",
            lambda s: {"campaign_id": s["campaign"], "occurred_on": "2026-09-02"},
        ),
        (
            "draw_spot_check",
            "civil_affairs",
            lambda s: {"campaign_id": s["campaign"], "visit_on": "2026-09-15", "occurred_on": "2026-09-02"},
        ),
        (
            "commit_spot_check_seed",
            "civil_affairs",
            lambda s: {"campaign_id": s["campaign"], "occurred_on": "2026-09-03"},
        ),
        (
            "draw_spot_check",
            "civil_affairs",
            lambda s: {"campaign_id": s["campaign"], "visit_on": "2026-09-15", "occurred_on": "2026-09-03"},
        ),
        (
            "record_spot_check_result",
            "inspector:USCC1",
            lambda s: {
                "campaign_id": s["campaign"],
                "uscc": USCC1,
                "conclusion": "problems_rectification_ordered",
                "items": [{"code": "C01", "result": "fail", "severity": "minor"}],
                "completed_on": "2026-09-20",
                "occurred_on": "2026-09-20",
            },
        ),
        (
            "publish_spot_check_result",
            "civil_affairs",
            lambda s: {"campaign_id": s["campaign"], "uscc": USCC1, "occurred_on": "2026-10-10"},
        ),
        (
            "record_fire_finding",
            "fire",
            lambda s: {
                "uscc": USCC1,
                "category": "evacuation",
                "major": True,
                "major_criterion": "GB 35181-2017 6.3",
                "origin": "fire_authority",
                "spot_check_inspection_id": None,
                "order_no": None,
                "due_on": None,
                "occurred_on": "2026-09-01",
            },
        ),
        (
            "order_rectification",
            "fire",
            lambda s: {**case(s), "due_on": "2026-10-01", "occurred_on": "2026-09-01"},
        ),
        ("seal_premises", "fire", lambda s: {**case(s), "occurred_on": "2026-09-02"}),
        (
            "unseal_premises",
            "fire",
            lambda s: {**case(s), "decision_no": s["seal_no"], "occurred_on": "2026-09-10"},
        ),
        (
            "report_rectification",
            "fire",
            lambda s: {**case(s), "reported_by": "facility", "occurred_on": "2026-09-20"},
        ),
        (
            "reject_rectification",
            "fire",
            lambda s: {**case(s), "new_due_on": "2026-10-30", "occurred_on": "2026-09-25"},
        ),
        (
            "report_rectification",
            "fire",
            lambda s: {**case(s), "reported_by": "facility", "occurred_on": "2026-10-10"},
        ),
        ("verify_rectification", "fire", lambda s: {**case(s), "occurred_on": "2026-10-15"}),
        (
            "record_prepayment",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "kind": "deposit",
                "amount_fen": 5_000_000,
                "monthly_bed_fee_fen": 300_000,
                "occurred_on": "2026-08-01",
            },
        ),
        (
            "record_custody_deposit",
            "civil_affairs",
            lambda s: {"uscc": USCC1, "kind": "deposit", "amount_fen": 100_000, "occurred_on": "2026-08-02"},
        ),
        (
            "record_refund_due",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "kind": "deposit",
                "resident_ref": s["resident_ref"],
                "amount_fen": 100_000,
                "due_on": "2026-09-01",
                "occurred_on": "2026-08-03",
            },
        ),
        (
            "record_refund",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "kind": "deposit",
                "resident_ref": s["resident_ref"],
                "amount_fen": 100_000,
                "due_ref": s["due_ref"],
                "occurred_on": "2026-08-20",
            },
        ),
        (
            "register_complaint",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "channel": "hotline_12345",
                "category": "fees",
                "occurred_on": "2026-10-01",
            },
        ),
        (
            "acknowledge_complaint",
            "civil_affairs",
            lambda s: {"complaint_id": s["complaint"], "occurred_on": "2026-10-02"},
        ),
        (
            "assign_complaint",
            "civil_affairs",
            lambda s: {"complaint_id": s["complaint"], "agency": AGENCY, "occurred_on": "2026-10-03"},
        ),
        (
            "conclude_complaint",
            "civil_affairs",
            lambda s: {
                "complaint_id": s["complaint"],
                "outcome": "substantiated",
                "penalty_decision_no": None,
                "occurred_on": "2026-10-10",
            },
        ),
        (
            "close_complaint",
            "civil_affairs",
            lambda s: {"complaint_id": s["complaint"], "occurred_on": "2026-10-12"},
        ),
        ("reveal_complainant_identity", "civil_affairs", lambda s: {"complaint_id": s["complaint"]}),
        # listing A: 2023, repaired in 2026; listing B: in force; decision C: revoked
        (
            "record_penalty_decision",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "authority_kind": "civil_affairs",
                "authority": AGENCY,
                "conduct": "obstructing_inspection",
                "evidence": [],
                "occurred_on": "2023-01-10",
            },
        ),
        (
            "propose_listing",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "criterion": "obstructing_inspection",
                "list_kind": "joint_punishment",
                "penalty_decision_no": s["decisions"][-1],
                "evidence": [],
                "occurred_on": "2023-01-15",
            },
        ),
        (
            "serve_listing_notice",
            "civil_affairs",
            lambda s: {"listing_id": s["listings"][-1], "occurred_on": "2023-01-20"},
        ),
        (
            "confirm_listing",
            "civil_affairs",
            lambda s: {
                "listing_id": s["listings"][-1],
                "today": "2023-02-10",
                "measures": ["key_supervision"],
                "occurred_on": "2023-02-10",
            },
        ),
        (
            "repair_listing_credit",
            "civil_affairs",
            lambda s: {
                "listing_id": s["listings"][-1],
                "no_further_violation": True,
                "obligations_fulfilled": True,
                "rectification_completed": True,
                "occurred_on": "2025-03-03",
            },
        ),
        (
            "record_penalty_decision",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "authority_kind": "civil_affairs",
                "authority": AGENCY,
                "conduct": "obstructing_inspection",
                "evidence": [],
                "occurred_on": "2026-10-15",
            },
        ),
        (
            "propose_listing",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "criterion": "obstructing_inspection",
                "list_kind": "joint_punishment",
                "penalty_decision_no": s["decisions"][-1],
                "evidence": [],
                "occurred_on": "2026-10-20",
            },
        ),
        (
            "serve_listing_notice",
            "civil_affairs",
            lambda s: {"listing_id": s["listings"][-1], "occurred_on": "2026-11-02"},
        ),
        (
            "file_listing_objection",
            "civil_affairs",
            lambda s: {"listing_id": s["listings"][-1], "occurred_on": "2026-11-03"},
        ),
        (
            "decide_listing_objection",
            "civil_affairs",
            lambda s: {
                "listing_id": s["listings"][-1],
                "decision": "rejected",
                "measures": ["key_supervision"],
                "occurred_on": "2026-11-10",
            },
        ),
        (
            "record_penalty_decision",
            "civil_affairs",
            lambda s: {
                "uscc": USCC2,
                "authority_kind": "civil_affairs",
                "authority": AGENCY,
                "conduct": "obstructing_inspection",
                "evidence": [],
                "occurred_on": "2026-10-16",
            },
        ),
        (
            "propose_listing",
            "civil_affairs",
            lambda s: {
                "uscc": USCC2,
                "criterion": "obstructing_inspection",
                "list_kind": "key_attention",
                "penalty_decision_no": s["decisions"][-1],
                "evidence": [],
                "occurred_on": "2026-10-21",
            },
        ),
        (
            "remove_listing",
            "civil_affairs",
            lambda s: {"listing_id": s["listings"][-1], "reason": "withdrawn", "occurred_on": "2026-10-22"},
        ),
        (
            "revoke_penalty_decision",
            "civil_affairs",
            lambda s: {"decision_no": s["decisions"][-1], "occurred_on": "2026-10-23"},
        ),
        *duties(),
        *registry(),
        ("close_facility", "civil_affairs", lambda s: {"uscc": USCC2, "occurred_on": "2026-11-20"}),
    ]


def duties() -> list[Step]:
    """Incidents (residents sealed), reports (an annual report filed; one missing, reminded, grace over)
    and interviews (attendees sealed; one held with two commitments, one not attended)."""
    incident = lambda s: {"uscc": USCC1, "incident_id": s["incident"]}  # noqa: E731
    interview = lambda s, i=0: {"uscc": USCC1, "interview_id": s["interviews"][i]}  # noqa: E731
    annual = {"kind": "annual_report", "period": "2025"}
    return [
        (
            "report_incident",
            "civil_affairs",
            lambda s: {
                "uscc": USCC1,
                "category": "serious_injury",
                "severity": "general",
                "reporter": "operator",
                "occurred_at": "2026-07-01T08:00:00",
                "reported_at": "2026-07-01T09:00:00",
                "deaths": 0,
                "injuries": 1,
                "residents": [{"outcome": "injured"}],
                "occurred_on": "2026-07-01",
            },
        ),
        (
            "classify_incident",
            "civil_affairs",
            lambda s: {
                **incident(s),
                "category": "serious_injury",
                "severity": "serious",
                "occurred_on": "2026-07-02",
            },
        ),
        (
            "open_incident_investigation",
            "civil_affairs",
            lambda s: {**incident(s), "occurred_on": "2026-07-03"},
        ),
        (
            "find_incident_responsibility",
            "civil_affairs",
            lambda s: {**incident(s), "responsibility": "secondary", "occurred_on": "2026-08-01"},
        ),
        (
            "submit_duty_report",
            "civil_affairs",
            lambda s: {"uscc": USCC1, **annual, "occurred_on": "2026-04-10"},
        ),
        ("mark_duty_report_missing", "system", lambda s: {"uscc": USCC2, **annual, "today": "2026-07-01"}),
        (
            "remind_duty_report",
            "civil_affairs",
            lambda s: {"uscc": USCC2, **annual, "occurred_on": "2026-07-02"},
        ),
        (
            "mark_duty_report_grace_expired",
            "system",
            lambda s: {"uscc": USCC2, **annual, "today": "2026-08-20"},
        ),
        *[
            (
                "summon_interview",
                "civil_affairs",
                lambda s: {
                    "uscc": USCC1,
                    "scheduled_on": "2026-08-10",
                    "summoned_roles": ["person_in_charge"],
                    "occurred_on": "2026-08-03",
                },
            )
            for _ in range(2)
        ],
        (
            "hold_interview",
            "civil_affairs",
            lambda s: {
                **interview(s),
                "attendees": [{}],
                "commitments": [{"due_on": "2026-09-10"}, {"due_on": "2026-09-20"}],
                "occurred_on": "2026-08-10",
            },
        ),
        (
            "record_interview_not_attended",
            "civil_affairs",
            lambda s: {**interview(s, 1), "occurred_on": "2026-08-10"},
        ),
        (
            "fulfil_interview_commitment",
            "civil_affairs",
            lambda s: {**interview(s), "commitment_no": 1, "occurred_on": "2026-09-05"},
        ),
        (
            "mark_interview_commitment_overdue",
            "system",
            lambda s: {**interview(s), "commitment_no": 2, "today": "2026-09-25"},
        ),
    ]


def registry() -> list[Step]:
    """The official calendar (a later year's notice), the agency registry and the token audit."""
    return [
        (
            "load_calendar_schedule",
            "admin",
            lambda s: {
                "year": 2027,
                "holidays": sorted(d.isoformat() for d in statutory_holidays(2027)),
                "working_days": [],
                "occurred_on": "2026-11-26",
            },
        ),
        (
            "revisit_provisional_deadlines",
            "admin",
            lambda s: {"today": "2026-11-26", "only_if_changed": False},
        ),
        (
            "register_agency",
            "admin",
            lambda s: {
                "code": "MZJ-140200",
                "kind": "civil_affairs",
                "level": "city",
                "region_code": "140200",
                "occurred_on": "2026-11-01",
            },
        ),
        ("dissolve_agency", "admin", lambda s: {"code": "MZJ-140200", "occurred_on": "2026-11-02"}),
        (
            "issue_token",
            "admin",
            lambda s: {
                "token_id": "0123456789ab",
                "agency": AGENCY,
                "role": "civil_affairs",
                "expires_at": None,
                "occurred_on": "2026-11-03",
            },
        ),
        (
            "revoke_token",
            "admin",
            lambda s: {
                "token_id": "0123456789ab",
                "agency": AGENCY,
                "role": "civil_affairs",
                "occurred_on": "2026-11-04",
            },
        ),
    ]


def remember(state: dict[str, Any], command: str, payload: dict[str, Any], accepted: Any) -> None:
    """Keep what later steps refer to."""
    if command == "plan_spot_check_campaign":
        state["campaign"] = accepted.data["campaign_id"]
    elif command == "record_fire_finding":
        state["case"] = str(accepted.id)
    elif command == "seal_premises":
        state["seal_no"] = payload["decision_no"]
    elif command == "record_prepayment":
        state["resident_ref"] = payload["resident_ref"]
    elif command == "record_refund_due":
        state["due_ref"] = payload["due_ref"]
    elif command == "register_complaint":
        state["complaint"] = str(accepted.id)
    elif command == "record_penalty_decision":
        state.setdefault("decisions", []).append(payload["decision_no"])
    elif command == "propose_listing":
        state.setdefault("listings", []).append(str(accepted.id))
    elif command == "report_incident":
        state["incident"] = accepted.data["incident_id"]
    elif command == "summon_interview":
        state.setdefault("interviews", []).append(accepted.data["interview_id"])
    elif command == "register_agency":
        state["agency"] = payload["code"]


# -- scanning ------------------------------------------------------------------------------------
@dataclass
class Hit:
    where: str
    key: str
    seeded: Seeded


def find(values: dict[str, Seeded], where: str, data: Any, key: str = "") -> Iterator[Hit]:
    """Every seeded value inside `data` (a JSON value), with the key it sits under."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from find(values, where, str(k), "<key>")
            yield from find(values, where, v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from find(values, where, v, key)
    elif isinstance(data, str):
        for token in TOKEN.findall(data):
            if token in values:
                yield Hit(where, key, values[token])


TOKEN = re.compile(r"QZ\d{4}Q|1390\d{7}|1405021980\d{7}[\dX]")


def text_hits(values: dict[str, Seeded], where: str, text: str) -> list[Hit]:
    return [Hit(where, "", values[t]) for t in TOKEN.findall(text) if t in values]


def site_urls(client: Any, state: dict[str, Any]) -> Iterator[str]:
    """Every GET page and download of the public site (blueprint `site`), each parameter expanded."""
    choices = {"uscc": [USCC1, USCC2], "name": list(PUBLIC_LISTS), "fmt": ["csv", "xlsx"],
               "campaign_id": [state["campaign"]]}
    for rule in client.flask.url_map.iter_rules():
        public_page = rule.endpoint.startswith("site.") and not rule.endpoint.endswith("static")
        if not public_page or "GET" not in (rule.methods or ()):
            continue
        urls = [rule.rule]
        for name in re.findall(r"<(?:[^>]*:)?(\w+)>", rule.rule):
            pattern = re.compile(r"<(?:[^>]*:)?" + name + ">")
            urls = [pattern.sub(v, u) for u in urls for v in choices[name]]
        for url in urls:
            yield url
            if url == "/":
                yield from (f"/?q={q}" for q in (USCC1, "140502"))
            elif url.startswith("/lists/"):
                yield from (f"{url}?as_of={d}" for d in AS_OF_DATES)


def site_texts(client: Any, state: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for url in site_urls(client, state):
        r = client.get(url, follow_redirects=True)  # a search by an exact USCC goes to its page
        assert r.status_code in (200, 404), (url, r.status_code)
        if url.split("?")[0].endswith(".xlsx"):
            book = load_workbook(io.BytesIO(r.data), read_only=True)
            text = "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                             for c in row if c is not None)
        else:
            text = r.get_data(as_text=True)
        yield f"site {url}", text


def anonymous(op: dict[str, Any]) -> bool:
    """A GET anyone may call: no security, or `{}` among its alternatives (public from some date on)."""
    return not op.get("security") or {} in op["security"]


def public_endpoints(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method == "get" and anonymous(op)
    ]


def expand(path: str, op: dict[str, Any], state: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (url, query) to read for one public GET: each facility, list, `as_of`."""
    choices = {
        "uscc": [USCC1, USCC2],
        "campaign_id": [state["campaign"]],
        "name": list(PUBLIC_LISTS),
        "year": ["2026", "2027"],
    }
    urls = [path]
    for name in re.findall(r"{(\w+)}", path):
        urls = [u.replace(f"{{{name}}}", v) for u in urls for v in choices[name]]
    params = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
    queries: list[dict[str, Any]] = [{}]
    if "as_of" in params:
        queries = [{"as_of": d} for d in AS_OF_DATES]
    if "uscc" in params:
        queries = [{**q, "uscc": u} for q in queries for u in (USCC1, USCC2)]
    if "period" in params:  # the annual reports: every period and the one filed
        queries = [*queries, *({**q, "period": "2025"} for q in queries)]
    for url in urls:
        for q in queries:
            yield url, q


def read_all_pages(client: Client, url: str, query: dict[str, Any], paged: bool) -> Iterator[tuple[str, Any]]:
    if not paged:
        r = client.get(url, query_string=query)
        yield f"GET {url} {query}", (r.status_code, r.get_json())
        return
    page = 1
    while True:
        r = client.get(url, query_string={**query, "page": page, "page_size": 1})
        body = r.get_json()
        yield f"GET {url} {query} page {page}", (r.status_code, body)
        if r.status_code != 200 or page * 1 >= body.get("total", 0):
            return
        page += 1


def raw_store_rows(pg_url: str) -> Iterator[tuple[str, str]]:
    """Every row of every table (event store and views), bytes decoded as UTF-8."""
    url = make_url(pg_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                cells = [
                    bytes(c).decode("utf-8", "replace") if isinstance(c, bytes | memoryview) else str(c)
                    for c in row
                ]
                yield table, "\x1f".join(cells)


def allowed_keys() -> set[str]:
    keys: set[str] = set()
    for shape in (*SHAPES, *TOPIC_SHAPES):
        keys.update(shape.public_fields())
    return keys


def schema_keys(schema: type[Schema]) -> set[str]:
    """Every field name a (nested) response schema declares: a capability's own public allow-list."""
    keys: set[str] = set()
    for name, f in schema._declared_fields.items():
        keys.add(name)
        inner = getattr(f, "inner", f)  # List(Nested(...))
        nested = getattr(inner, "nested", None)
        if isinstance(nested, type) and issubclass(nested, Schema):
            keys |= schema_keys(nested)
    return keys


def allowed_at(where: str, keys: set[str]) -> set[str]:
    """The keys allowed in one output: the public shapes', plus the capability allow-list of that
    endpoint (a draw's redraw `reason` is public on the draw record, nowhere else)."""
    out = set(keys)
    for url, schema in CAPABILITY_ALLOW_LISTS.items():
        if re.match(rf"GET {url} ", where):
            out |= schema_keys(schema)
    return out


# -- the test ------------------------------------------------------------------------------------
@pytest.fixture
def scan_client(pg_url, tmp_path, today, unique_name) -> Iterator[Client]:
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("privacy"))
    container.start_projections()
    yield Client(container)
    container.close()


def settle(client: Client) -> None:
    container = client.container
    while True:
        head = container.app.recorder.max_notification_id() or 0
        assert container.wait_for(head, timeout=20)
        if (container.app.recorder.max_notification_id() or 0) == head:
            return


def test_no_seeded_value_reaches_a_public_output_unless_allow_listed_and_none_personal_in_clear(
    scan_client, broker, pg_url, tmp_path, caplog
):
    client = scan_client
    doc = client.get("/api/openapi.json").get_json()
    dispatcher = client.container.dispatcher
    state: dict[str, Any] = {}
    specs = dispatcher.specs
    seeder = Seeder(command_document(doc, specs))
    run: set[str] = set()

    def team(uscc: str) -> str:
        row = client.container.view("spot_checks").inspection(state["campaign"], uscc)
        return row["inspectors"][0]

    with structlog.testing.capture_logs() as logs:
        for command, who, base in scenario(team):
            spec = specs[command]
            payload = seeder.fill(command, spec.schema.__name__, base(state))
            if who.startswith("inspector:"):
                settle(client)
                actor = Actor(team(USCC1), AGENCY, "inspector")
            else:
                actor = ACTORS[who]
            day = payload.get("occurred_on") or payload.get("today") or "2026-11-26"
            client.container.clock.set(date.fromisoformat(day))
            for attempt in range(3):
                try:
                    accepted = dispatcher.dispatch(command, payload, Context(actor=actor, source="api"))
                    break
                except ConcurrentModification:  # a policy process wrote the aggregate first: re-read, retry
                    if attempt == 2:
                        raise
                    settle(client)
                except DomainError as exc:
                    raise AssertionError(f"{command} refused: {exc} {getattr(exc, 'fields', '')}") from exc
            remember(state, command, payload, accepted)
            run.add(command)
        client.container.clock.set(date(2026, 11, 26))
        settle(client)
        relay = build_relay(client.container, broker.bootstrap_servers, **FAST_PRODUCER)
        try:
            relay.catch_up()
            topics = relay.catalogue.outbound_names()
        finally:
            relay.close()

        # every command of the document was run (or is a clock command with nothing to seed), and
        # every string field of every run command was seeded or set by the scenario on purpose
        documented = {s.name for s in specs.values()}
        assert documented - run == set(NOT_RUN), documented - run
        seeded_paths = {(v.command, v.path) for v in seeder.values.values()}
        for command in run:
            for path in seeder.string_fields(specs[command].schema.__name__):
                assert (command, path) in seeded_paths | seeder.structural, (command, path)

        # -- public endpoints
        hits: list[Hit] = []
        outputs: list[str] = []
        endpoints = public_endpoints(doc)
        requests = 0
        for path, op in endpoints:
            paged = any(p["name"] == "page" for p in op.get("parameters", []))
            for url, query in expand(path, op, state):
                for where, (status, body) in read_all_pages(client, url, query, paged):
                    requests += 1
                    assert status in (200, 404), (where, status, body)
                    outputs.append(json.dumps(body, ensure_ascii=False))
                    hits.extend(find(seeder.values, where, body))
        # every other GET in the document really is closed to an anonymous caller
        closed = 0
        refs = {
            "uscc": USCC1,
            "campaign_id": state["campaign"],
            "name": "joint-punishment",
            "complaint_id": state["complaint"],
            "case_id": state["case"],
            "listing_id": state["listings"][-1],
            "decision_no": state["decisions"][0],
            "inspector_id": "MZ-A",
            "incident_id": state["incident"],
            "interview_id": state["interviews"][0],
            "code": state["agency"],
        }
        for path, ops in doc["paths"].items():
            if "get" not in ops or anonymous(ops["get"]):
                continue
            url = re.sub(r"{(\w+)}", lambda m: refs[m.group(1)], path)
            declared = {p["name"] for p in ops["get"].get("parameters", []) if p.get("in") == "query"}
            r = client.get(url, query_string={"uscc": USCC1} if "uscc" in declared else {})
            closed += 1
            assert r.status_code == 401, (url, r.status_code)  # declared parameters only: a 422 hides nothing
            hits.extend(find(seeder.values, f"anonymous GET {url}", r.get_json()))
        # -- public topics
        records = 0
        topic_records: dict[str, int] = defaultdict(int)
        for topic in topics:
            for record in read_topic(broker.bootstrap_servers, topic, quiet=1.0):
                records += 1
                topic_records[topic] += 1
                body = (
                    to_cloudevent(record.headers, record.key, record.value).get_data()
                    if record.value
                    else None
                )
                outputs.append(json.dumps(body, ensure_ascii=False))
                hits.extend(find(seeder.values, f"topic {topic}", body))
                headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
                hits.extend(find(seeder.values, f"topic {topic} headers", headers))

    # -- the public site's pages and downloads (HTML, CSV, XLSX): built from the same shapes, so only
    # values of kind "public" may show (the key they sit under is not visible in a page)
    pages = list(site_texts(client, state))
    assert len(pages) >= 20, len(pages)
    for where, text in pages:
        hits.extend(h for h in text_hits(seeder.values, where, text) if h.seeded.kind != "public")
        outputs.append(text)

    keys = allowed_keys()
    bad = [h for h in hits if h.seeded.kind != "public" or h.key not in allowed_at(h.where, keys)]
    assert not bad, "\n".join(
        f"{h.seeded.kind} {h.seeded.command}.{h.seeded.path} under {h.key!r} in {h.where}" for h in bad[:30]
    )

    # -- logs (structlog and stdlib)
    log_text = "\n".join(json.dumps(e, ensure_ascii=False, default=str) for e in logs)
    log_text += "\n".join(r.getMessage() for r in caplog.records)
    leaked = [
        h
        for h in text_hits(seeder.values, "logs", log_text)
        if h.seeded.kind in ("personal", "person", "free_text")
    ]
    assert not leaked, [(h.seeded.command, h.seeded.path) for h in leaked]

    # -- raw stores: personal values never in clear; no absolute path of this machine in events
    at_rest: dict[str, set[str]] = defaultdict(set)
    paths_in_events: list[str] = []
    event_tables: set[str] = set()
    var_dir = str(tmp_path)
    for table, text in raw_store_rows(pg_url):
        for h in text_hits(seeder.values, table, text):
            at_rest[h.seeded.kind].add(h.seeded.value)
            assert h.seeded.kind != "personal", f"{h.seeded.command}.{h.seeded.path} in clear in {table}"
        if table.endswith("events"):
            event_tables.add(table)
            # no exception: a deadline's note names its calendar source by document number, never a path
            if any(p in text for p in (var_dir, "/work/", "/home/", "site-packages")):
                paths_in_events.append(table)
    assert event_tables, "the event store was not among the scanned tables"
    assert not paths_in_events

    # -- the scan can see: what must be found is found
    public_text = "\n".join(outputs)
    by_field = {(v.command, v.path): v.value for v in seeder.values.values()}
    for must_show in [
        ("register_facility", "name"),
        ("record_fire_finding", "location"),
        ("record_fire_finding", "public_summary"),
        ("close_facility", "public_summary"),
    ]:
        assert by_field[must_show] in public_text, must_show
    redraw = [
        v.value for v in seeder.values.values() if (v.command, v.path) == ("commit_spot_check_seed", "reason")
    ]
    assert len(redraw) == 2 and all(r in public_text for r in redraw), (
        "the redraw reasons are on the draw record"
    )
    assert state["incident"] in public_text, "the concluded incident is on /public/incidents"
    assert '"submitted_on": "2026-04-10"' in public_text, (
        "the annual report filed is on /public/annual-reports"
    )
    duties_topic = [t for t in topics if t.endswith("duties-public")]
    assert duties_topic and topic_records[duties_topic[0]] > 0, "the duties topic was read"
    for person in [
        ("change_facility_profile", "legal_representative"),
        ("change_facility_profile", "person_in_charge"),
    ]:
        assert mask_person(by_field[person]) in public_text, person
    free_texts = {v.value for v in seeder.values.values() if v.kind == "free_text"}
    assert free_texts and free_texts <= at_rest["free_text"] | {
        v.value for v in seeder.values.values() if v.command == "reveal_complainant_identity"
    }, "the scan must find free texts in the event store (bytes decoded)"

    figures = {
        "fields_seeded": len(seeder.values),
        "by_kind": {
            k: sum(1 for v in seeder.values.values() if v.kind == k)
            for k in ("personal", "person", "pseudonym", "free_text", "public")
        },
        "commands_run": len(run),
        "public_endpoints": len(endpoints),
        "public_requests": requests,
        "closed_endpoints_checked": closed,
        "topics": len(topics),
        "records": records,
        "records_by_topic": {t.rsplit(".", 1)[-1]: n for t, n in sorted(topic_records.items())},
        "allowed_public_hits": len(hits),
        "forbidden_hits": len(bad) + len(leaked) + len(paths_in_events),
    }
    print("privacy scan figures:", json.dumps(figures))
    assert records > 0 and requests > 0


def test_a_phone_number_as_resident_ref_is_422_saying_why_and_nothing_is_stored(pg_client):
    """`resident_ref` is pseudonymous: `139-8765-4321` is refused over HTTP, the reason named."""
    client = pg_client
    code = with_check_character("91350100M00010010")
    body = {
        "uscc": code,
        "name": "福州夕阳红养老院",
        "address": "鼓楼区1号",
        "region_code": "350102",
        "ownership": "private",
        "profit_status": "non_profit",
        "total_beds": 10,
        "nursing_beds": 5,
        "occurred_on": "2025-01-06",
    }
    assert client.post("/api/v1/facilities", body).status_code == 201
    before = client.container.app.recorder.max_notification_id()
    r = client.post(
        f"/api/v1/prepaid/{code}/receipts",
        {"kind": "deposit", "resident_ref": "139-8765-4321", "amount_fen": 100, "monthly_bed_fee_fen": 100},
    )
    assert r.status_code == 422
    assert "mobile phone" in r.json["fields"]["resident_ref"][0]
    assert "139-8765-4321" not in r.get_data(as_text=True)
    assert client.container.app.recorder.max_notification_id() == before
