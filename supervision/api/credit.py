"""/api/v1/credit/... (regulators, full detail), /api/v1/facilities/{uscc}/rating|grade|explain, and
/api/v1/public/... (published data only: no personal data, responsible persons masked).

Every read takes `?as_of=YYYY-MM-DD` (default: today) and answers from views that keep history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.api.security import (
    current_actor,
    reader,
    require_jurisdiction,
    require_row_jurisdiction,
    scope_rows,
    scoped_prefix,
)
from supervision.api.view_cache import served_from_views
from supervision.commands import credit as cmd
from supervision.commands.fields import Uscc, region_prefix
from supervision.domain.listing import ListingNotFound
from supervision.domain.penalty import PenaltyDecisionNotFound
from supervision.public.shapes import (
    CreditListPublic,
    GradeAsOfPublic,
    GradeListPublic,
)
from supervision.reads import LIST_NAMES, explain_facility  # noqa: F401 - imported from here too

blp = Blueprint("credit", __name__, url_prefix="/api/v1",
                description="信用监管: grades, rating, credit lists")
public_blp = Blueprint("public_credit", __name__, url_prefix="/api/v1/public",
                       description="公示: published credit lists and grades (no personal data)")

PUBLIC_LISTS = LIST_NAMES
AUTH = {"security": [{"bearerAuth": []}]}


class AsOfArgs(Schema):
    class Meta:
        unknown = "raise"

    as_of = fields.Date(load_default=None, metadata={"description": "answer as of this date (default today)"})
    region_code = region_prefix(load_default="")


class GradeArgs(AsOfArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(("valid", "expired")))


class HistoryArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("proposed", "notice_served", "objection_filed", "listed", "dropped", "removed")))


class LevelsArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = fields.List(Uscc(), required=True, validate=validate.Length(min=1, max=1000))
    as_of = fields.Date(load_default=None)


class RatingLevelsSchema(Schema):
    """The spot-check draw's input: each facility's supervision level on a date."""

    as_of = fields.Date()
    levels = fields.Dict(
        keys=fields.String(),
        values=fields.String(metadata={"enum": ["key", "A", "B", "C", "D"]}),
        metadata={"description": "USCC → key | A | B | C | D"},
    )


def _view(name: str) -> Any:
    return services().view(name)


def _as_of(value: date | None) -> date:
    return value or services().clock()


def _facility(uscc: str, as_of: date | None = None) -> dict[str, Any]:
    """The facility's row; 404 when unknown, or when `as_of` is before it was registered."""
    return reads.facility(services(), uscc, as_of)


# -- regulator reads ---------------------------------------------------------------------------
@blp.route("/credit/lists/<string:name>")
@blp.doc(**AUTH)
@blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@blp.response(200)
def credit_list(name: str, as_of: date | None, region_code: str) -> dict[str, Any]:
    """A credit list in force on a date: blacklist, joint-punishment (measures, persons), key-attention."""
    return reads.credit_list(reader(), name, _as_of(as_of), region_code)


@blp.route("/credit/listings")
@blp.doc(**AUTH)
@blp.arguments(HistoryArgs, location="query", as_kwargs=True)
@blp.response(200)
def listing_history(uscc: str | None, status: str | None) -> dict[str, Any]:
    """The full history of every listing (all statuses, nothing deleted)."""
    current_actor()
    items = scope_rows(_view("credit_lists").history(uscc=uscc, status=status))
    return {"total": len(items), "items": items}


@blp.route("/credit/listings/<string:listing_id>")
@blp.doc(**AUTH)
@blp.response(200)
def listing_show(listing_id: str) -> dict[str, Any]:
    current_actor()
    row = _view("credit_lists").get(listing_id)
    if row is None:
        raise ListingNotFound(listing_id)
    return require_row_jurisdiction(row, f"listing {listing_id}")


@blp.route("/credit/listings/<string:listing_id>/explain")
@blp.doc(**AUTH)
@blp.response(200)
def listing_explain(listing_id: str) -> dict[str, Any]:
    """Why this listing: criterion, legal basis, the decision it rests on, the chain of events."""
    return reads.listing_explanation(reader(), listing_id)


@blp.route("/credit/penalty-decisions/<string:decision_no>")
@blp.doc(**AUTH)
@blp.response(200)
def penalty_show(decision_no: str) -> dict[str, Any]:
    current_actor()
    row = _view("credit_lists").decision(decision_no)
    if row is None:
        raise PenaltyDecisionNotFound(decision_no)
    require_jurisdiction((services().view("facility_list").get(row["uscc"]) or {}).get("region_code"),
                         f"penalty decision {decision_no}")
    return row


@blp.route("/credit/grades")
@blp.doc(**AUTH)
@blp.arguments(GradeArgs, location="query", as_kwargs=True)
@blp.response(200)
def grades(as_of: date | None, region_code: str, status: str | None) -> dict[str, Any]:
    """Official grades as of a date, expired ones marked as such."""
    current_actor()
    day = _as_of(as_of)
    region = scoped_prefix(region_code)  # narrowed to the caller's jurisdiction; None: no overlap
    items = _view("grades").graded(day, region, status) if region is not None else []
    return {"as_of": day, "total": len(items), "items": items}


@blp.route("/credit/rating-levels")
@blp.doc(**AUTH)
@blp.arguments(LevelsArgs, location="query", as_kwargs=True)
@blp.response(200, RatingLevelsSchema)
def rating_levels(uscc: list[str], as_of: date | None) -> dict[str, Any]:
    """Supervision level per facility for the spot-check draw: key | A | B | C | D."""
    current_actor()
    day = _as_of(as_of)
    uscc = [r["uscc"] for r in scope_rows([{"uscc": code} for code in uscc])]  # outside: left out
    return {"as_of": day, "levels": _view("supervision_rating").levels(uscc, day)}


@blp.route("/facilities/<string:uscc>/rating")
@blp.doc(**AUTH)
@blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@blp.response(200)
def facility_rating(uscc: str, as_of: date | None, region_code: str) -> dict[str, Any]:
    """Supervision rating with every point traced to its event and the policy version."""
    current_actor()
    code = require_row_jurisdiction(_facility(uscc, _as_of(as_of)), f"facility {uscc}")["uscc"]
    return _view("supervision_rating").rating(code, _as_of(as_of))


@blp.route("/facilities/<string:uscc>/grade")
@blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@blp.response(200, GradeAsOfPublic)
def facility_grade(uscc: str, as_of: date | None, region_code: str) -> dict[str, Any]:
    """Official grade as of a date, with earlier assessments (public: grades are published)."""
    code = _facility(uscc, _as_of(as_of))["uscc"]
    return _view("grades").grade(code, _as_of(as_of))


@blp.route("/facilities/<string:uscc>/explain")
@blp.doc(**AUTH)
@blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@blp.response(200)
def facility_explain(uscc: str, as_of: date | None, region_code: str) -> dict[str, Any]:
    return reads.facility_explanation(reader(), uscc, _as_of(as_of))


# -- commands ----------------------------------------------------------------------------------
@blp.route("/credit/penalty-decisions", methods=["POST"])
@blp.doc(**command_doc(cmd.RecordPenaltyDecision, "行政处罚决定 (or a court's 失信被执行人 finding)"))
@blp.response(201, AcceptedSchema)
def penalty_decide() -> dict[str, Any]:
    return run("record_penalty_decision")


@blp.route("/credit/penalty-decisions/<string:decision_no>/revocation", methods=["POST"])
@blp.doc(**command_doc(cmd.RevokePenaltyDecision, "撤销处罚决定: listings resting on it end at once"))
@blp.response(201, AcceptedSchema)
def penalty_revoke(decision_no: str) -> dict[str, Any]:
    return run("revoke_penalty_decision", decision_no=decision_no)


@blp.route("/credit/listings", methods=["POST"])
@blp.doc(**command_doc(cmd.ProposeListing, "propose a facility for a credit list"))
@blp.response(201, AcceptedSchema)
def listing_propose() -> dict[str, Any]:
    return run("propose_listing")


_STEPS = {
    "notice": ("serve_listing_notice", cmd.ServeListingNotice, "书面告知: serve the notice"),
    "objection": ("file_listing_objection", cmd.FileListingObjection, "record the facility's objection"),
    "objection-decision": ("decide_listing_objection", cmd.DecideListingObjection,
                           "decide the objection (upheld → dropped; rejected → listed)"),
    "confirmation": ("confirm_listing", cmd.ConfirmListing, "list after an unused objection window"),
    "credit-repair": ("repair_listing_credit", cmd.RepairListingCredit, "信用修复: early removal"),
    "removal": ("remove_listing", cmd.RemoveListing, "withdraw or remove (basis set aside)"),
}


def _step_endpoint(step: str) -> None:
    command, schema, summary = _STEPS[step]

    def endpoint(listing_id: str) -> dict[str, Any]:
        return run(command, listing_id=listing_id)

    endpoint.__name__ = f"listing_{command}"
    endpoint.__doc__ = summary
    blp.route(f"/credit/listings/<string:listing_id>/{step}", methods=["POST"])(
        blp.doc(**command_doc(schema, summary))(blp.response(201, AcceptedSchema)(endpoint)))


for _step in _STEPS:
    _step_endpoint(_step)


# -- public ------------------------------------------------------------------------------------
@public_blp.route("/credit/<string:name>")
@served_from_views("credit_lists")
@public_blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@public_blp.response(200, CreditListPublic)
def public_list(name: str, as_of: date | None, region_code: str) -> dict[str, Any]:
    """信用公示: the blacklist / joint-punishment / key-attention list in force (persons masked)."""
    return reads.public_credit_list(services(), name, _as_of(as_of), region_code)


@public_blp.route("/grades")
@served_from_views("grades")
@public_blp.arguments(GradeArgs, location="query", as_kwargs=True)
@public_blp.response(200, GradeListPublic)
def public_grades(as_of: date | None, region_code: str, status: str | None) -> dict[str, Any]:
    """Published official grades as of a date."""
    day = _as_of(as_of)
    items = _view("grades").graded(day, region_code, status)
    return {"as_of": day, "total": len(items), "items": items}
