"""The public part of every relayed event: one allow-list shape per event type.

The relay publishes `data = public_event_data(event_type, payload)`: only the fields declared for that
event type leave, whatever the event holds. An event type without a shape publishes `{}` (its
provenance — type, ids, dates, agency — is still in the body). Free texts (`description`, `notes`,
`reasons`, `reason`, `summary`), resident references, reporters, evidence, inspectors, sealed fields
and deadline notes are declared nowhere here. Where the public needs words, a command has a separate
`public_summary` written for publication, and that field is on the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from supervision.public.base import IsoDate, MaskedPerson, PublicShape, why
from supervision.public.shapes import ChecklistItemPublic, ResponsiblePersonsPublic

_PUBLIC_SUMMARY = why("written for publication by the recording officer (the `public_summary` command field)")


# -- facilities ----------------------------------------------------------------------------------
class FacilityProfilePublic(PublicShape):
    """A registered profile or the changed part of it (missing keys are simply left out)."""

    name = fields.String(metadata=why("registered name"))
    address = fields.String(metadata=why("premises' address"))
    region_code = fields.String(metadata=why("administrative region code"))
    ownership = fields.String(metadata=why("registry category"))
    profit_status = fields.String(metadata=why("registry category"))
    total_beds = fields.Integer(metadata=why("capacity"))
    nursing_beds = fields.Integer(metadata=why("nursing-type beds"))
    legal_representative = MaskedPerson(metadata=why("法定代表人, masked"))
    person_in_charge = MaskedPerson(metadata=why("主要负责人, masked"))
    opened_on = IsoDate(allow_none=True, metadata=why("opening date"))


class FacilityRegisteredData(PublicShape):
    profile = fields.Nested(FacilityProfilePublic, metadata=why("the registry entry (persons masked)"))


class FacilityProfileChangedData(PublicShape):
    changes = fields.Nested(FacilityProfilePublic, metadata=why("the registry fields that changed"))


class FacilityGradeAssessedData(PublicShape):
    level = fields.Integer(metadata=why("published grade"))
    score = fields.Integer(metadata=why("published score"))
    parts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata=why("part scores"))
    assessing_body = fields.String(metadata=why("assessing authority"))
    certificate_no = fields.String(metadata=why("certificate number"))
    valid_until = IsoDate(metadata=why("end of validity"))
    policy_version = fields.String(metadata=why("grading rules version"))


class FacilityClosedData(PublicShape):
    public_summary = fields.String(allow_none=True, metadata=_PUBLIC_SUMMARY)


# -- fire safety ---------------------------------------------------------------------------------
class HazardFoundData(PublicShape):
    finding_no = fields.String(metadata=why("the fire authority's finding number"))
    category = fields.String(metadata=why("hazard category code"))
    location = fields.String(metadata=why("where on the premises (building / floor), for residents"))
    major = fields.Boolean(metadata=why("重大火灾隐患: a listing criterion"))
    major_criterion = fields.String(allow_none=True, metadata=why("the GB 35181-2017 clause cited"))
    origin = fields.String(metadata=why("who found it: fire authority / spot check"))
    public_summary = fields.String(allow_none=True, metadata=_PUBLIC_SUMMARY)


class RectificationOrderedData(PublicShape):
    order_no = fields.String(metadata=why("责令限期整改通知书 number"))
    due_on = IsoDate(metadata=why("rectification deadline"))


class RectificationReportedData(PublicShape):
    order_no = fields.String(allow_none=True, metadata=why("the order reported on"))
    due_on = IsoDate(allow_none=True, metadata=why("its deadline"))


class RectificationVerifiedData(PublicShape):
    order_no = fields.String(allow_none=True, metadata=why("the order verified"))
    due_on = IsoDate(allow_none=True, metadata=why("its deadline"))
    inspection_no = fields.String(metadata=why("复查 record number"))
    major = fields.Boolean(metadata=why("whether the hazard was major"))


class RectificationRejectedData(PublicShape):
    order_no = fields.String(allow_none=True, metadata=why("the order whose rectification was rejected"))
    due_on = IsoDate(allow_none=True, metadata=why("its deadline"))
    inspection_no = fields.String(metadata=why("复查 record number"))
    new_order_no = fields.String(allow_none=True, metadata=why("the new order, if one was issued"))
    new_due_on = IsoDate(allow_none=True, metadata=why("the new deadline, if one was set"))


class PremisesSealedData(PublicShape):
    decision_no = fields.String(metadata=why("临时查封决定书 number"))
    scope = fields.String(metadata=why("what was sealed"))
    major = fields.Boolean(metadata=why("sealed for a major hazard"))


class PremisesUnsealedData(PublicShape):
    decision_no = fields.String(metadata=why("the sealing decision lifted"))


class RectificationOverdueData(PublicShape):
    finding_no = fields.String(metadata=why("the finding"))
    order_no = fields.String(allow_none=True, metadata=why("the order"))
    due_on = IsoDate(metadata=why("the deadline that passed"))
    major = fields.Boolean(metadata=why("a major hazard overdue is a listing criterion"))
    major_criterion = fields.String(allow_none=True, metadata=why("the clause cited"))
    category = fields.String(metadata=why("hazard category"))
    rectification_reported_on = IsoDate(allow_none=True, metadata=why("whether one was reported"))
    detected_on = IsoDate(metadata=why("when the clock saw it"))


# -- prepaid fees (no resident references, no free text) ---------------------------------------------
class PrepaymentReceivedData(PublicShape):
    receipt_no = fields.String(metadata=why("the facility's receipt number"))
    kind = fields.String(metadata=why("prepaid kind"))
    amount_fen = fields.Integer(metadata=why("amount, fen"))
    covers_months = fields.Integer(allow_none=True, metadata=why("months a service fee covers"))
    monthly_bed_fee_fen = fields.Integer(allow_none=True, metadata=why("cap base, fen"))
    last_year_avg_monthly_fee_fen = fields.Integer(allow_none=True, metadata=why("cap base, fen"))


class CapExceededData(PublicShape):
    receipt_no = fields.String(metadata=why("the receipt over the cap"))
    kind = fields.String(metadata=why("prepaid kind"))
    rule_id = fields.String(metadata=why("the cap"))
    rule_version = fields.String(metadata=why("its version"))
    measure = fields.String(metadata=why("what it measures"))
    unit = fields.String(metadata=why("unit"))
    limit = fields.Integer(metadata=why("the cap"))
    actual = fields.Integer(metadata=why("the receipt"))
    legal_basis = fields.String(metadata=why("the rule's legal text"))


class PrepaymentRefundedData(PublicShape):
    refund_no = fields.String(metadata=why("refund number"))
    kind = fields.String(metadata=why("prepaid kind"))
    amount_fen = fields.Integer(metadata=why("amount, fen"))
    due_ref = fields.String(allow_none=True, metadata=why("the refund due it pays"))
    custody_released_fen = fields.Integer(metadata=why("paid out of custody, fen"))


class RefundDueData(PublicShape):
    due_ref = fields.String(metadata=why("refund-due reference"))
    kind = fields.String(metadata=why("prepaid kind"))
    amount_fen = fields.Integer(metadata=why("amount, fen"))
    due_on = IsoDate(metadata=why("due date (30 days' notice rule)"))


class RefundOverdueData(PublicShape):
    due_ref = fields.String(metadata=why("refund-due reference"))
    kind = fields.String(metadata=why("prepaid kind"))
    outstanding_fen = fields.Integer(metadata=why("still unpaid, fen"))
    due_on = IsoDate(metadata=why("due date"))
    detected_on = IsoDate(metadata=why("when the clock saw it"))


class CustodyDepositedData(PublicShape):
    deposit_no = fields.String(metadata=why("deposit number"))
    kind = fields.String(metadata=why("prepaid kind"))
    amount_fen = fields.Integer(metadata=why("amount, fen"))
    arrangement = fields.String(metadata=why("bank custody or risk reserve"))
    bank = fields.String(metadata=why("the custodian bank: an institution"))


class RiskSignalRaisedData(PublicShape):
    signal = fields.String(metadata=why("risk signal code"))
    rule_id = fields.String(metadata=why("the rule"))
    rule_version = fields.String(metadata=why("its version"))


class RiskSignalClearedData(RiskSignalRaisedData):
    raised_on = IsoDate(metadata=why("since when it was raised"))


class LedgerOpenedData(PublicShape):
    region_code = fields.String(metadata=why("region of the facility"))


# -- spot checks -----------------------------------------------------------------------------------
class CampaignPlannedData(PublicShape):
    campaign_id = fields.String(metadata=why("campaign id"))
    reference = fields.String(allow_none=True, metadata=why("the campaign's document number"))
    name = fields.String(metadata=why("campaign name"))
    kind = fields.String(metadata=why("annual | special"))
    agencies = fields.List(fields.String(), metadata=why("the agencies in the campaign"))
    region_prefix = fields.String(metadata=why("scope"))
    ownerships = fields.List(fields.String(), metadata=why("scope"))
    checklist = fields.List(fields.Nested(ChecklistItemPublic), metadata=why("the published checklist"))
    sampling = fields.Dict(metadata=why("sampling ratios per supervision level"))


class RecordedResultPublic(PublicShape):
    """The recorded result a publication makes public: no evidence, inspectors or notes."""

    conclusion = fields.String(metadata=why("conclusion category"))
    items = fields.List(fields.Nested(ChecklistItemPublic), metadata=why("checklist outcomes"))
    completed_on = IsoDate(metadata=why("inspection date"))
    publish_due_on = IsoDate(metadata=why("publication deadline"))
    problems_found = fields.Boolean(metadata=why("whether problems were found"))
    max_severity = fields.String(allow_none=True, metadata=why("worst severity"))


class ResultPublishedData(PublicShape):
    campaign_id = fields.String(metadata=why("campaign"))
    conclusion = fields.String(metadata=why("conclusion category"))
    channel = fields.String(metadata=why("where it was published"))
    publish_due_on = IsoDate(metadata=why("publication deadline"))
    late = fields.Boolean(metadata=why("published after the deadline"))
    published_on = IsoDate(metadata=why("publication date"))
    result = fields.Nested(RecordedResultPublic, allow_none=True, metadata=why("the published result"))


class PublicationOverdueData(PublicShape):
    campaign_id = fields.String(metadata=why("campaign"))
    publish_due_on = IsoDate(metadata=why("the deadline that passed"))
    marked_on = IsoDate(metadata=why("when the clock saw it"))


# -- duties of the supervised (docs/duties.md) ----------------------------------------------------
class FilingDisclosedData(PublicShape):
    """年度报告: that a report was filed, and when (信息公开, criterion (8) of 民发〔2019〕103号)."""

    kind = fields.String(metadata=why("which report (annual)"))
    period = fields.String(metadata=why("the year it covers"))
    filed_on = IsoDate(metadata=why("the filing date"))


class InvestigationConcludedData(PublicShape):
    """突发重大情况 once investigated: its category and date only — never residents or the summary."""

    category = fields.String(metadata=why("the incident's category"))
    incident_on = IsoDate(metadata=why("the day it happened"))


#: event type (`Aggregate.Event`) → the shape of its public `data`
EVENT_SHAPES: dict[str, type[PublicShape]] = {
    "Facility.Registered": FacilityRegisteredData,
    "Facility.ProfileChanged": FacilityProfileChangedData,
    "Facility.GradeAssessed": FacilityGradeAssessedData,
    "Facility.Closed": FacilityClosedData,
    "FireSafetyCase.HazardFound": HazardFoundData,
    "FireSafetyCase.RectificationOrdered": RectificationOrderedData,
    "FireSafetyCase.RectificationReported": RectificationReportedData,
    "FireSafetyCase.RectificationVerified": RectificationVerifiedData,
    "FireSafetyCase.RectificationRejected": RectificationRejectedData,
    "FireSafetyCase.PremisesSealed": PremisesSealedData,
    "FireSafetyCase.PremisesUnsealed": PremisesUnsealedData,
    "FireSafetyCase.RectificationOverdue": RectificationOverdueData,
    "PrepaidLedger.Opened": LedgerOpenedData,
    "PrepaidLedger.PrepaymentReceived": PrepaymentReceivedData,
    "PrepaidLedger.CapExceeded": CapExceededData,
    "PrepaidLedger.PrepaymentRefunded": PrepaymentRefundedData,
    "PrepaidLedger.RefundDue": RefundDueData,
    "PrepaidLedger.RefundOverdue": RefundOverdueData,
    "PrepaidLedger.CustodyDeposited": CustodyDepositedData,
    "PrepaidLedger.RiskSignalRaised": RiskSignalRaisedData,
    "PrepaidLedger.RiskSignalCleared": RiskSignalClearedData,
    "SpotCheckCampaign.Planned": CampaignPlannedData,
    "Inspection.ResultPublished": ResultPublishedData,
    "Inspection.PublicationOverdue": PublicationOverdueData,
    "DutyReport.FilingDisclosed": FilingDisclosedData,
    "Incident.InvestigationConcluded": InvestigationConcludedData,
}


def public_event_data(event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The public `data` of one event: only its shape's fields; `{}` for an event type without one."""
    shape = EVENT_SHAPES.get(event_type)
    return shape.render(payload) if shape is not None else {}


# -- list topics -------------------------------------------------------------------------------------
class GradeListItem(PublicShape):
    """An entry of the `grades` list topic."""

    kind = fields.String(metadata=why("official (等级评定)"))
    level = fields.Integer(metadata=why("published grade"))
    score = fields.Integer(metadata=why("published score"))
    assessed_on = IsoDate(metadata=why("certificate date"))
    valid_until = IsoDate(metadata=why("end of validity"))
    assessing_body = fields.String(metadata=why("assessing authority"))
    certificate_no = fields.String(metadata=why("certificate number"))


class ListingListItem(PublicShape):
    """An entry of the `blacklist` / `joint-punishment` list topics."""

    listing_id = fields.String(metadata=why("stable id of the listing (updates and tombstones)"))
    list_kind = fields.String(metadata=why("which list"))
    criterion = fields.String(metadata=why("listing criterion"))
    criterion_title = fields.String(allow_none=True, metadata=why("criterion as worded"))
    legal_basis = fields.String(allow_none=True, metadata=why("legal text"))
    authority = fields.String(allow_none=True, metadata=why("listing authority"))
    penalty_decision_no = fields.String(allow_none=True, metadata=why("published penalty decision"))
    effective_on = IsoDate(allow_none=True, metadata=why("listed from"))
    expires_on = IsoDate(allow_none=True, metadata=why("listed through this day, inclusive"))
    term_years = fields.Integer(allow_none=True, metadata=why("term of the listing"))
    measures = fields.List(fields.String(), metadata=why("joint-punishment measures to apply"))
    responsible_persons = fields.Nested(ResponsiblePersonsPublic, metadata=why("named persons, masked"))


TOPIC_SHAPES: tuple[type[PublicShape], ...] = (
    *dict.fromkeys(EVENT_SHAPES.values()),
    GradeListItem,
    ListingListItem,
    RecordedResultPublic,
    FacilityProfilePublic,
)
