"""`eldercare complaint ...`: thin wrappers over the dispatcher and the complaints view."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from infra.cli_bounds import PAGE, PAGE_SIZE
from infra.cli_support import DATE, State, command, data_with, dispatch, echo_json, load_json_option
from supervision.domain.complaint import CATEGORIES, CHANNELS, STATUSES


def _view(state: State) -> Any:
    state.container.runner("complaints").catch_up()
    return state.container.view("complaints")


def _with_date(payload: dict[str, Any], occurred_on: str | None) -> dict[str, Any]:
    if occurred_on:
        payload["occurred_on"] = occurred_on
    return payload


@click.group()
def complaint() -> None:
    """投诉举报: register, acknowledge, assign, conclude, close, reveal identity, list, deadlines."""


@complaint.command("register")
@click.option("--data", "data", required=True,
              help="JSON object or @file.json: uscc, channel, category, summary, reference?, complainant?")
@command
def register(state: State, data: str) -> None:
    """Register a complaint (the complainant's identity is sealed, never printed back)."""
    dispatch(state, "register_complaint", load_json_option(data))


@complaint.command("acknowledge")
@click.argument("complaint_id")
@click.option("--note", default="")
@click.option("--on", "occurred_on", type=DATE, help="date, default today")
@command
def acknowledge(state: State, complaint_id: str, note: str, occurred_on: str | None) -> None:
    """Acknowledge a complaint (受理)."""
    dispatch(state, "acknowledge_complaint",
              _with_date({"complaint_id": complaint_id, "note": note}, occurred_on))


@complaint.command("assign")
@click.argument("complaint_id")
@click.option("--agency", required=True, help="agency code, e.g. SCJG-140500")
@click.option("--officer", default="")
@click.option("--note", default="")
@click.option("--on", "occurred_on", type=DATE, help="date, default today")
@command
def assign(state: State, complaint_id: str, agency: str, officer: str, note: str,
           occurred_on: str | None) -> None:
    """Assign a complaint to an agency / officer."""
    dispatch(state, "assign_complaint", _with_date(
        {"complaint_id": complaint_id, "agency": agency, "officer": officer, "note": note}, occurred_on))


@complaint.command("conclude")
@click.argument("complaint_id")
@click.option("--data", "data", required=True,
              help="JSON: outcome, measures [..], penalty_decision_no?, findings?, occurred_on?")
@command
def conclude(state: State, complaint_id: str, data: str) -> None:
    """Conclude a complaint with its outcome and measures (办结)."""
    dispatch(state, "conclude_complaint", data_with(data, complaint_id=complaint_id))


@complaint.command("close")
@click.argument("complaint_id")
@click.option("--note", default="")
@click.option("--on", "occurred_on", type=DATE, help="date, default today")
@command
def close(state: State, complaint_id: str, note: str, occurred_on: str | None) -> None:
    """Close a concluded complaint."""
    dispatch(state, "close_complaint", _with_date({"complaint_id": complaint_id, "note": note}, occurred_on))


@complaint.command("reveal")
@click.argument("complaint_id")
@click.option("--reason", required=True, help="why the identity is needed (recorded)")
@command
def reveal(state: State, complaint_id: str, reason: str) -> None:
    """Reveal the complainant's identity (civil affairs / admin); the reading is recorded."""
    dispatch(state, "reveal_complainant_identity", {"complaint_id": complaint_id, "reason": reason})


@complaint.command("list")
@click.option("--uscc")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option("--channel", type=click.Choice(CHANNELS))
@click.option("--overdue/--not-overdue", default=None)
@click.option("--page", type=PAGE, default=1)
@click.option("--page-size", type=PAGE_SIZE, default=50)
@command
def list_(state: State, **filters: Any) -> None:
    """List complaints (no complainant identities) in the token's jurisdiction, as GET
    /api/v1/complaints: {items, page, page_size, total}."""
    from projections.complaints import ComplaintQuery
    from supervision import reads

    reader = state.reader()
    _view(state)  # caught up
    echo_json(reads.complaint_page(reader, ComplaintQuery(**filters)))


@complaint.command("show")
@click.argument("complaint_id")
@command
def show(state: State, complaint_id: str) -> None:
    """Show one complaint (no complainant identity), as GET /api/v1/complaints/{id}: exit 4
    unknown, exit 3 outside the token's jurisdiction."""
    from supervision import reads

    reader = state.reader()
    _view(state)  # caught up
    echo_json(reads.complaint(reader, complaint_id))


@complaint.command("deadlines")
@click.option("--uscc")
@click.option("--as-of", "as_of", type=DATE, help="default today")
@command
def deadlines(state: State, uscc: str | None, as_of: str | None) -> None:
    """Acknowledgement and conclusion deadlines still waiting, soonest first (the token's
    jurisdiction, as GET /api/v1/complaints/deadlines)."""
    from supervision import reads

    reader = state.reader()
    _view(state)  # caught up
    echo_json(reads.complaint_deadlines(reader, date.fromisoformat(as_of) if as_of else None, uscc))


@complaint.command("summary")
@click.argument("uscc")
@command
def summary(state: State, uscc: str) -> None:
    """The public summary of a facility: concluded complaints by category and outcome (no token
    needed, as GET /api/v1/public/complaint-summary); exit 4 for an unknown facility."""
    from supervision import reads
    from supervision.domain.uscc import validate_uscc
    from supervision.public.shapes import ComplaintSummaryPublic

    code = validate_uscc(uscc)  # as the query parameter: a code that cannot be valid is exit 2
    state.reader(required=False)  # public, but a presented token must be valid (exit 3)
    state.container.runner("facility_list").catch_up()
    _view(state)  # caught up
    echo_json(ComplaintSummaryPublic.render(reads.complaint_summary(state.container, code)))
