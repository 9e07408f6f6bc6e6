"""Schemas of the credit commands: penalty decisions and the listing procedure."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedList,
    CommandSchema,
    CommandSpec,
    Day,
    Deadline,
    Fen,
    NestedObject,
    Reference,
    Text,
    Uscc,
)
from supervision.domain.errors import InvalidValue
from supervision.domain.listing import ANNULLED, DECISION_REVOKED, WITHDRAWN, parse_event_ref
from supervision.domain.penalty import AUTHORITY_KINDS
from supervision.policy.listing_criteria import CRITERION_CODES, LIST_KINDS, MEASURE_TITLES
from supervision.roles import CIVIL_AFFAIRS, FIRE, MARKET, SYSTEM

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class EventRef(fields.String):
    """An event cited as evidence: `<aggregate id>:<version>` (as the timeline lists them)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(max=60), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not bounds.fullmatch(_UUID + r":[1-9][0-9]{0,9}", raw):
            raise ValidationError("must be an event reference <aggregate id>:<version>")
        try:
            parse_event_ref(raw)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None
        return raw


class ListingId(fields.String):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(equal=36), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not bounds.fullmatch(_UUID, raw):
            raise ValidationError("must be a listing id (UUID)")
        return raw


def _decision_no(**kwargs: Any) -> Reference:
    return Reference(bounds.DOCUMENT_NO, **kwargs)


def _text(**kwargs: Any) -> Text:
    return Text(bounds.TEXT, min_length=1, multiline=True, **kwargs)


def _evidence() -> fields.List:
    return BoundedList(EventRef(), bounds.MAX_EVIDENCE, load_default=list)


_MEASURES = BoundedList(fields.String(validate=validate.OneOf(tuple(MEASURE_TITLES))), len(MEASURE_TITLES),
                        min_length=1, load_default=None)


class RecordPenaltyDecision(CommandSchema):
    uscc = Uscc(required=True)
    decision_no = _decision_no(required=True,
                                metadata={"description": "文书号, e.g. 晋城民罚决字〔2026〕12号"})
    authority = Text(bounds.TITLE, min_length=1, load_default=None, allow_none=True, metadata={
        "description": "the recording actor's agency code (default); for a court finding, the court"})
    authority_kind = fields.String(load_default=None, validate=validate.OneOf(AUTHORITY_KINDS),
                                   metadata={"description": "default: the recording actor's agency kind"})
    conduct = fields.String(required=True, validate=validate.OneOf(CRITERION_CODES),
                            metadata={"description": "the listing criterion the punished conduct meets"})
    legal_basis = _text(required=True)
    summary = Text(bounds.TEXT, multiline=True, load_default="")
    fine_fen = Fen(load_default=None, allow_none=True)
    evidence = _evidence()


class RevokePenaltyDecision(CommandSchema):
    decision_no = _decision_no(required=True)
    reason = _text(required=True)
    revoked_by = Text(bounds.TITLE, load_default="")


class ResponsiblePersons(Schema):
    class Meta:
        unknown = "raise"

    legal_representative = Text(bounds.PERSON_NAME)
    person_in_charge = Text(bounds.PERSON_NAME)


class ProposeListing(CommandSchema):
    uscc = Uscc(required=True)
    criterion = fields.String(required=True, validate=validate.OneOf(CRITERION_CODES))
    list_kind = fields.String(load_default=None, validate=validate.OneOf(LIST_KINDS))
    evidence = _evidence()
    penalty_decision_no = _decision_no(load_default=None)
    reason = Text(bounds.TEXT, multiline=True, load_default="")
    dedupe_key = Reference(bounds.EVIDENCE_REF, load_default=None, metadata={
        "description": "natural key of the proposal (policy processes); default: the decision or evidence"})
    responsible_persons = NestedObject(ResponsiblePersons, load_default=None)


class ServeListingNotice(CommandSchema):
    listing_id = ListingId(required=True)
    notice_no = Reference(bounds.DOCUMENT_NO, required=True)


class FileListingObjection(CommandSchema):
    listing_id = ListingId(required=True)
    summary = _text(required=True)


class DecideListingObjection(CommandSchema):
    listing_id = ListingId(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(("upheld", "rejected")))
    reasons = _text(required=True)
    effective_on = Deadline(load_default=None)
    measures = _MEASURES


class ConfirmListing(CommandSchema):
    listing_id = ListingId(required=True)
    effective_on = Deadline(load_default=None)
    measures = _MEASURES
    today = Day(load_default=None, metadata={"description": "set by the clock"})


class ExpireListing(Schema):
    class Meta:
        unknown = "raise"

    listing_id = ListingId(required=True)
    today = Day(required=True)


class RepairListingCredit(CommandSchema):
    listing_id = ListingId(required=True)
    no_further_violation = fields.Boolean(load_default=False)
    obligations_fulfilled = fields.Boolean(load_default=False)
    rectification_completed = fields.Boolean(load_default=False)
    basis = Text(bounds.TEXT, multiline=True, load_default="")


class RemoveListing(CommandSchema):
    listing_id = ListingId(required=True)
    reason = fields.String(required=True, validate=validate.OneOf((DECISION_REVOKED, ANNULLED, WITHDRAWN)))
    basis = _text(required=True)


_LISTING = (CIVIL_AFFAIRS,)
COMMANDS = (
    CommandSpec("record_penalty_decision", RecordPenaltyDecision, "record_penalty_decision",
                (CIVIL_AFFAIRS, FIRE, MARKET), "行政处罚决定 (or a court's 失信被执行人 finding)"),
    CommandSpec("revoke_penalty_decision", RevokePenaltyDecision, "revoke_penalty_decision",
                (CIVIL_AFFAIRS, FIRE, MARKET), "撤销处罚决定: listings resting on it are removed at once"),
    CommandSpec("propose_listing", ProposeListing, "propose_listing", (CIVIL_AFFAIRS, SYSTEM),
                "propose a facility for a credit list"),
    CommandSpec("serve_listing_notice", ServeListingNotice, "serve_listing_notice", _LISTING,
                "书面告知: serve notice; the objection window starts"),
    CommandSpec("file_listing_objection", FileListingObjection, "file_listing_objection", _LISTING,
                "record the facility's objection (within the window)"),
    CommandSpec("decide_listing_objection", DecideListingObjection, "decide_listing_objection", _LISTING,
                "decide the objection: upheld → dropped, rejected → listed"),
    CommandSpec("confirm_listing", ConfirmListing, "confirm_listing", (CIVIL_AFFAIRS, SYSTEM),
                "list after the objection window passed without objection"),
    CommandSpec("expire_listing", ExpireListing, "expire_listing", (SYSTEM,),
                "移出 on expiry (the clock)"),
    CommandSpec("repair_listing_credit", RepairListingCredit, "repair_listing_credit", _LISTING,
                "信用修复: early removal on application (≥ 2 full years)"),
    CommandSpec("remove_listing", RemoveListing, "remove_listing", _LISTING,
                "withdraw a proposal or remove a listing whose basis was set aside"),
)
