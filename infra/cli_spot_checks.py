"""`eldercare spot-check plan|commit|draw|verify|result|publish|list` and `eldercare inspector
certify|conflict|list`: thin wrappers over the dispatcher and the spot-check view.

The draw is two steps (docs/draw.md): `commit` (the system makes the seed and records its SHA-256;
`--reason` for a redraw), then `draw --visit-on DATE`. No command takes a seed."""

from __future__ import annotations

from typing import Any

import click

from infra.cli_support import DATE, State, command, data_with, dispatch, echo_json, load_json_option


def _view(state: State) -> Any:
    state.container.runner("spot_checks").catch_up()
    return state.container.view("spot_checks")


# -- spot-check ----------------------------------------------------------------------------
@click.group("spot-check")
def spot_check() -> None:
    """双随机、一公开: plan and draw campaigns, verify draws, record and publish results."""


@spot_check.command("plan")
@click.option("--data", "data", required=True,
              help="JSON or @file.json: name, kind, agencies, region_prefix, checklist, ...")
@command
def plan(state: State, data: str) -> None:
    """Plan a campaign (agencies, scope, checklist; sampling ratios from policy)."""
    dispatch(state, "plan_spot_check_campaign", load_json_option(data))


@spot_check.command("commit")
@click.argument("campaign_id")
@click.option("--reason", help="required for a redraw (any commitment after the first); public")
@click.option("--on", "occurred_on", type=DATE, help="date of the commitment, default today")
@command
def commit(state: State, campaign_id: str, reason: str | None, occurred_on: str | None) -> None:
    """Step 1: the system makes a seed and records its SHA-256 commitment (the seed stays sealed)."""
    payload: dict[str, Any] = {"campaign_id": campaign_id}
    if reason:
        payload["reason"] = reason
    if occurred_on:
        payload["occurred_on"] = occurred_on
    dispatch(state, "commit_spot_check_seed", payload)


@spot_check.command("draw")
@click.argument("campaign_id")
@click.option("--visit-on", "visit_on", type=DATE, required=True,
              help="first day of the visits: the draw is organisers-only until then")
@click.option("--on", "occurred_on", type=DATE, help="date of the draw, default today")
@command
def draw(state: State, campaign_id: str, visit_on: str, occurred_on: str | None) -> None:
    """Step 2: freeze the snapshot, reveal the committed seed, draw facilities and inspectors."""
    payload: dict[str, Any] = {"campaign_id": campaign_id, "visit_on": visit_on}
    if occurred_on:
        payload["occurred_on"] = occurred_on
    dispatch(state, "draw_spot_check", payload)


@spot_check.command("verify")
@click.argument("campaign_id")
@command
def verify(state: State, campaign_id: str) -> None:
    """commitment → seed → snapshot → result; exit code 1 when it does not verify. Before the visit
    date only the campaign's organisers may run it (exit 3 for others)."""
    from supervision import reads

    reader = state.reader(required=False)  # anyone from the visit date on; a given token is checked
    _view(state)  # caught up
    outcome = reads.verify_draw(reader, campaign_id)
    echo_json(outcome)
    if not outcome["verified"]:
        raise SystemExit(1)


@spot_check.command("result")
@click.argument("campaign_id")
@click.argument("uscc")
@click.option("--data", "data", required=True,
              help="JSON or @file.json: conclusion, items, evidence, completed_on")
@command
def result(state: State, campaign_id: str, uscc: str, data: str) -> None:
    """Record the inspection result of a drawn facility (drawn inspectors or civil affairs)."""
    dispatch(state, "record_spot_check_result",
              data_with(data, campaign_id=campaign_id, uscc=uscc))


@spot_check.command("publish")
@click.argument("campaign_id")
@click.argument("uscc")
@click.option("--channel", help="where it is published (default 国家企业信用信息公示系统)")
@click.option("--on", "occurred_on", type=DATE, help="publication date, default today")
@command
def publish(state: State, campaign_id: str, uscc: str, channel: str | None, occurred_on: str | None) -> None:
    """Publish a result (once)."""
    payload: dict[str, Any] = {"campaign_id": campaign_id, "uscc": uscc}
    if channel:
        payload["channel"] = channel
    if occurred_on:
        payload["occurred_on"] = occurred_on
    dispatch(state, "publish_spot_check_result", payload)


@spot_check.command("list")
@click.argument("campaign_id", required=False)
@command
def list_(state: State, campaign_id: str | None) -> None:
    """Campaigns, or one campaign with its draw and inspections, as GET
    /api/v1/spot-checks/campaigns[/{id}]: a valid token; campaigns in its jurisdiction or organised
    by its agency (exit 3 for another), the draw redacted until the visit date."""
    from supervision import reads

    reader = state.reader()
    _view(state)  # caught up
    echo_json(reads.campaigns(reader) if campaign_id is None else reads.campaign(reader, campaign_id))


# -- inspector -----------------------------------------------------------------------------
@click.group()
def inspector() -> None:
    """执法检查人员名录库: certify inspectors, declare conflicts of interest, list the pool."""


@inspector.command("certify")
@click.option("--data", "data", required=True,
              help="JSON or @file.json: inspector_id, name, agency, region_code, certificate_no")
@command
def certify(state: State, data: str) -> None:
    """Certify an inspector into the pool."""
    dispatch(state, "certify_inspector", load_json_option(data))


@inspector.command("conflict")
@click.argument("inspector_id")
@click.argument("uscc")
@click.option("--reason", required=True)
@command
def conflict(state: State, inspector_id: str, uscc: str, reason: str) -> None:
    """Declare a conflict of interest (回避) with a facility."""
    dispatch(state, "declare_inspector_conflict", {"inspector_id": inspector_id, "uscc": uscc,
                                                    "reason": reason})


@inspector.command("list")
@click.option("--agency", help="agency code, e.g. MZJ-140500")
@click.option("--status", type=click.Choice(["certified", "decertified"]))
@command
def list_inspectors(state: State, agency: str | None, status: str | None) -> None:
    """The pool with declared conflicts (no personal data): a valid token, inspectors of its
    jurisdiction, as GET /api/v1/inspectors."""
    from supervision import reads

    reader = state.reader()
    _view(state)  # caught up
    echo_json(reads.inspectors(reader, agency=agency, status=status))
