"""`eldercare lists show`, `eldercare listing ...`, `eldercare penalty ...`, `eldercare facility explain`.

Thin: commands go through the dispatcher, reads come from the credit views (caught up first).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from infra.cli_support import DATE, EXIT_INVALID, State, command, dispatch, echo_json, fail, load_json_option
from supervision.commands.fields import contradictions

_DATE = DATE


def _day(state: State, value: str | None) -> date:
    return date.fromisoformat(value) if value else state.container.clock()



def _with(payload: dict[str, Any], **options: Any) -> dict[str, Any]:
    """--data with the options given on the command line (unset ones left out); --data naming one
    with another value is exit 2, never silently overridden (`contradictions`)."""
    given = {key: value.date().isoformat() if isinstance(value, datetime) else value
             for key, value in options.items()}
    given = {key: value for key, value in given.items() if value not in (None, "")}
    clashing = contradictions(payload, given)
    if clashing:
        fail("--data contradicts the command's options", EXIT_INVALID, clashing)
    return {**payload, **given}


def _caught_up(state: State, *names: str) -> None:
    for name in names:
        state.container.runner(name).catch_up()


# -- lists -------------------------------------------------------------------------------------
@click.group("lists")
def lists() -> None:
    """Credit lists in force on a date."""


@lists.command("show")
@click.argument("name", type=click.Choice(["blacklist", "joint-punishment", "key-attention"]))
@click.option("--as-of", "as_of", type=_DATE, help="answer as of this date (default today)")
@click.option("--region", default="", help="region code or prefix")
@click.option("--public", is_flag=True, help="published form, no token needed: persons masked")
@command
def lists_show(state: State, name: str, as_of: str | None, region: str, public: bool) -> None:
    """Show a list in force on a date: blacklist = 失信名单, joint-punishment = 失信联合惩戒对象名单,
    key-attention = 重点关注名单. --public: as GET /api/v1/public/credit/{name} (anyone); else full
    detail as GET /api/v1/credit/lists/{name}: a valid token, narrowed to its jurisdiction."""
    from supervision import reads

    reader = state.reader(required=not public)  # --public: anyone, but a given token must be valid
    if public:
        reader = None
    _caught_up(state, "credit_lists")
    day = _day(state, as_of)
    if reader is None:
        echo_json(reads.public_credit_list(state.container, name, day, region))
    else:
        echo_json(reads.credit_list(reader, name, day, region))


# -- listing -----------------------------------------------------------------------------------
@click.group("listing")
def listing() -> None:
    """The listing procedure: propose, serve notice, objection, decision, repair, removal."""


@listing.command("propose")
@click.argument("uscc")
@click.option("--criterion", required=True, help="criterion code (supervision/policy/listing_criteria.py)")
@click.option("--kind", "list_kind", type=click.Choice(["joint_punishment", "key_attention"]))
@click.option("--decision", "penalty_decision_no", help="penalty decision number it rests on")
@click.option("--evidence", multiple=True, help="event reference <aggregate id>:<version> (repeatable)")
@click.option("--reason", default="")
@click.option("--on", "occurred_on", type=_DATE)
@click.option("--data", "data", help="further fields as JSON or @file.json")
@command
def listing_propose(state: State, uscc: str, evidence: tuple[str, ...], data: str | None,
                    **options: Any) -> None:
    """Propose a facility for a credit list."""
    payload = _with(load_json_option(data), uscc=uscc, **options)
    if evidence:
        payload["evidence"] = list(evidence)
    dispatch(state, "propose_listing", payload)


@listing.command("serve-notice")
@click.argument("listing_id")
@click.option("--notice-no", required=True)
@click.option("--on", "occurred_on", type=_DATE)
@command
def listing_serve_notice(state: State, listing_id: str, notice_no: str, occurred_on: str | None) -> None:
    """Serve written notice; the objection window starts."""
    dispatch(state, "serve_listing_notice",
              _with({}, listing_id=listing_id, notice_no=notice_no, occurred_on=occurred_on))


@listing.command("object")
@click.argument("listing_id")
@click.option("--summary", required=True)
@click.option("--on", "occurred_on", type=_DATE)
@command
def listing_object(state: State, listing_id: str, summary: str, occurred_on: str | None) -> None:
    """Record the facility's objection (within the window)."""
    dispatch(state, "file_listing_objection",
              _with({}, listing_id=listing_id, summary=summary, occurred_on=occurred_on))


@listing.command("decide")
@click.argument("listing_id")
@click.option("--objection", "decision", type=click.Choice(["upheld", "rejected"]),
              help="decide a filed objection (rejected lists the facility)")
@click.option("--reasons", default="")
@click.option("--effective", "effective_on", type=_DATE)
@click.option("--on", "occurred_on", type=_DATE)
@command
def listing_decide(state: State, listing_id: str, decision: str | None, reasons: str,
                   effective_on: str | None, occurred_on: str | None) -> None:
    """Decide: the objection (--objection upheld|rejected), or list after an unused window."""
    if decision:
        dispatch(state, "decide_listing_objection", _with(
            {}, listing_id=listing_id, decision=decision, reasons=reasons, effective_on=effective_on,
            occurred_on=occurred_on))
    else:
        dispatch(state, "confirm_listing", _with(
            {}, listing_id=listing_id, effective_on=effective_on, occurred_on=occurred_on))


@listing.command("repair")
@click.argument("listing_id")
@click.option("--no-further-violation", is_flag=True)
@click.option("--obligations-fulfilled", is_flag=True)
@click.option("--rectification-completed", is_flag=True)
@click.option("--basis", default="")
@click.option("--on", "occurred_on", type=_DATE)
@command
def listing_repair(state: State, listing_id: str, **options: Any) -> None:
    """信用修复: early removal on application (at least 2 full years after listing)."""
    flags = {k: options.pop(k) for k in ("no_further_violation", "obligations_fulfilled",
                                         "rectification_completed")}
    dispatch(state, "repair_listing_credit", {**_with({}, listing_id=listing_id, **options), **flags})


@listing.command("remove")
@click.argument("listing_id")
@click.option("--reason", required=True, type=click.Choice(["decision_revoked", "annulled", "withdrawn"]))
@click.option("--basis", required=True)
@click.option("--on", "occurred_on", type=_DATE)
@command
def listing_remove(state: State, listing_id: str, reason: str, basis: str,
                   occurred_on: str | None) -> None:
    """Withdraw a proposal, or remove a listing whose basis was set aside."""
    dispatch(state, "remove_listing",
              _with({}, listing_id=listing_id, reason=reason, basis=basis, occurred_on=occurred_on))


@listing.command("show")
@click.argument("listing_id")
@command
def listing_show(state: State, listing_id: str) -> None:
    """A listing with its explanation (rule, legal basis, chain of events), as GET
    /api/v1/credit/listings/{id}/explain: a valid token; exit 3 outside its jurisdiction."""
    from supervision import reads

    reader = state.reader()
    _caught_up(state, "facility_list", "credit_lists")
    echo_json(reads.listing_explanation(reader, listing_id))


# -- penalty -----------------------------------------------------------------------------------
@click.group("penalty")
def penalty() -> None:
    """行政处罚决定: record and revoke penalty decisions."""


@penalty.command("decide")
@click.argument("uscc")
@click.option("--decision-no", required=True)
@click.option("--authority", help="default: your agency's code; with --authority-kind court, the court")
@click.option("--authority-kind", type=click.Choice(["civil_affairs", "fire", "market", "court", "other"]),
              help="default: your agency's kind")
@click.option("--conduct", required=True, help="criterion code of the punished conduct")
@click.option("--legal-basis", required=True)
@click.option("--summary", default="")
@click.option("--on", "occurred_on", type=_DATE)
@click.option("--data", "data", help="further fields (fine_fen, evidence) as JSON or @file.json")
@command
def penalty_decide(state: State, uscc: str, data: str | None, **options: Any) -> None:
    """Record a penalty decision (or a court's 失信被执行人 finding: --authority-kind court)."""
    dispatch(state, "record_penalty_decision", _with(load_json_option(data), uscc=uscc, **options))


@penalty.command("revoke")
@click.argument("decision_no")
@click.option("--reason", required=True)
@click.option("--revoked-by", default="")
@click.option("--on", "occurred_on", type=_DATE)
@command
def penalty_revoke(state: State, decision_no: str, reason: str, revoked_by: str,
                   occurred_on: str | None) -> None:
    """Revoke a decision: every listing resting on it is removed at once."""
    dispatch(state, "revoke_penalty_decision", _with(
        {}, decision_no=decision_no, reason=reason, revoked_by=revoked_by, occurred_on=occurred_on))


# -- facility explain --------------------------------------------------------------------------
@click.command("explain")
@click.argument("uscc")
@click.option("--as-of", "as_of", type=_DATE, help="answer as of this date (default today)")
@command
def facility_explain(state: State, uscc: str, as_of: str | None) -> None:
    """Why a facility stands where it does: grade, rating points, listings, decisions (as GET
    /api/v1/facilities/{uscc}/explain: a valid token; exit 3 outside its jurisdiction)."""
    from infra.cli_bounds import facility_uscc
    from supervision import reads

    code = facility_uscc(uscc)  # as GET /facilities/{uscc}/explain: 404 / exit 4, saying why
    reader = state.reader()
    _caught_up(state, "facility_list", "grades", "supervision_rating", "credit_lists")
    echo_json(reads.facility_explanation(reader, code, _day(state, as_of)))
