"""`eldercare`: serve, demo, facility, import, projections, token, and each capability's group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from infra.cli_support import State, command, dispatch, echo_json, load_json_option


@click.group()
@click.option("--token", envvar="ELDERCARE_TOKEN", help="bearer token identifying the actor")
@click.pass_context
def main(ctx: click.Context, token: str | None) -> None:
    """Supervision and credit system for elderly-care institutions (养老机构综合监管)."""
    ctx.obj = State(token)


# -- facility --------------------------------------------------------------------------------
@main.group()
def facility() -> None:
    """备案 registry: register, change, grade, exit, show, list."""



@facility.command("register")
@click.option("--data", "data", required=True, help="JSON object or @file.json (see OpenAPI schema)")
@command
def facility_register(state: State, data: str) -> None:
    """Register a facility."""
    dispatch(state, "register_facility", load_json_option(data))


@facility.command("change")
@click.argument("uscc")
@click.option("--data", "data", required=True, help="JSON object of changed fields, or @file.json")
@command
def facility_change(state: State, uscc: str, data: str) -> None:
    """Change a facility's profile."""
    dispatch(state, "change_facility_profile", {**load_json_option(data), "uscc": uscc})


@facility.command("grade")
@click.argument("uscc")
@click.option("--data", "data", required=True, help="level, score, assessing_body, certificate_no, ...")
@command
def facility_grade(state: State, uscc: str, data: str) -> None:
    """Record an official grade assessment (等级评定)."""
    dispatch(state, "assess_facility_grade", {**load_json_option(data), "uscc": uscc})


@facility.command("exit")
@click.argument("uscc")
@click.option("--reason", required=True)
@click.option("--on", "occurred_on", help="date of exit (YYYY-MM-DD), default today")
@command
def facility_exit(state: State, uscc: str, reason: str, occurred_on: str | None) -> None:
    """Record a facility's exit/closure (退出)."""
    payload: dict[str, Any] = {"uscc": uscc, "reason": reason}
    if occurred_on:
        payload["occurred_on"] = occurred_on
    dispatch(state, "close_facility", payload)


@facility.command("show")
@click.argument("uscc")
@click.option("--history/--no-history", default=True, help="include the full event history")
@command
def facility_show(state: State, uscc: str, history: bool) -> None:
    """Show one facility from the read model, with its history."""
    from supervision.domain.errors import FacilityNotFound
    from supervision.domain.uscc import validate_uscc

    code = validate_uscc(uscc)
    state.container.runner("facility_list").catch_up()
    row = state.container.view("facility_list").get(code)
    if row is None:
        raise FacilityNotFound(code)
    if history:
        state.container.runner("timeline").catch_up()
        row["history"] = state.container.view("timeline").history(code)
    echo_json(row)


@facility.command("list")
@click.option("--region", "region_code", help="region code or prefix")
@click.option("--ownership", type=click.Choice(["public", "public_built_private_run", "private"]))
@click.option("--profit-status", type=click.Choice(["for_profit", "non_profit"]))
@click.option("--grade", type=click.IntRange(1, 5))
@click.option("--status", type=click.Choice(["open", "closed"]))
@click.option("--page", type=click.IntRange(min=1), default=1)
@click.option("--page-size", type=click.IntRange(1, 500), default=50)
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@command
def facility_list(state: State, as_json: bool, **filters: Any) -> None:
    """List and filter facilities."""
    from rich.console import Console
    from rich.table import Table

    from projections.facility_list import FacilityQuery

    state.container.runner("facility_list").catch_up()
    query = FacilityQuery(**filters)
    items, total = state.container.view("facility_list").search(query)
    if as_json:
        echo_json({"items": items, "total": total, "page": query.page})
        return
    table = Table(title=f"facilities {len(items)} of {total} (page {query.page})")
    for col in ("uscc", "name", "region", "ownership", "profit", "beds", "grade", "status"):
        table.add_column(col)
    for r in items:
        table.add_row(r["uscc"], r["name"], r["region_code"], r["ownership"], r["profit_status"],
                      f"{r['nursing_beds']}/{r['total_beds']}", str(r["grade_level"] or "-"), r["status"])
    Console().print(table)


# -- import ----------------------------------------------------------------------------------
@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "jsonl"]), default="auto")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=500)
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="also write rejected rows (line, reason) to this JSON Lines file")
@click.option("--progress/--no-progress", default=True)
@command
def import_file(state: State, path: Path, fmt: str, batch_size: int, rejects: Path | None,
                progress: bool) -> None:
    """Import facilities (CSV or JSON Lines) or historical commands (JSON Lines with "command").

    Streams the file in batches; a rejected row writes nothing and is reported with its line
    number and reason; the exit code is 2 when any row was rejected.
    """
    from infra.importer import run_import

    run_import(state, path, fmt=fmt, batch_size=batch_size, rejects=rejects, progress=progress)


# -- serve / demo ----------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=8000)
@click.option("--workers", type=int, default=1, help="gunicorn workers (projections run in the master)")
@command
def serve(state: State, host: str, port: int, workers: int) -> None:
    """Serve the HTTP API with gunicorn, running the projections (and clock) in the background."""
    from infra.server import serve_forever

    serve_forever(state.container, host=host, port=port, workers=workers)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=8000)
@click.option("--facilities", type=click.IntRange(1, 10000), default=60)
@click.option("--no-serve", is_flag=True, help="load the sample city and exit")
@command
def demo(state: State, host: str, port: int, facilities: int, no_serve: bool) -> None:
    """Load a synthetic sample city (embedded defaults), print tokens and URLs, and serve."""
    from infra.demo import run_demo

    run_demo(state.container, host=host, port=port, facilities=facilities, serve=not no_serve)


# -- tokens ----------------------------------------------------------------------------------
@main.group()
def token() -> None:
    """Manage API tokens (stored as SHA-256 digests)."""


@token.command("issue")
@click.option("--user", required=True)
@click.option("--agency", required=True, help="agency code, e.g. MZJ-110105 (民政局), XF-110105 (消防)")
@click.option("--role", required=True,
              type=click.Choice(["civil_affairs", "fire", "market", "inspector", "admin", "system"]))
@command
def token_issue(state: State, user: str, agency: str, role: str) -> None:
    """Issue a token for an actor; printed once."""
    from supervision.domain.values import Actor

    click.echo(state.container.tokens.issue(Actor(user=user, agency=agency, role=role)))


# -- clock -----------------------------------------------------------------------------------
@main.command()
@click.option("--today", "today", type=click.DateTime(["%Y-%m-%d"]), help="pretend today is this date")
@command
def tick(state: State, today: Any) -> None:
    """Append overdue/expiry events for every deadline that has passed (exactly once each)."""
    from infra.clock import tick as run_tick

    report = run_tick(state.container, today.date() if today else None)
    echo_json({"today": report.today, "appended": report.appended,
               "already_done": report.already_done, "failed": report.failed})
    if report.failed:
        raise SystemExit(1)


# -- capability groups (one line each) ------------------------------------------------------
from infra.cli_projections import projections  # noqa: E402

main.add_command(projections)
from infra.cli_complaints import complaint  # noqa: E402

main.add_command(complaint)
from infra.cli_spot_checks import inspector, spot_check  # noqa: E402

main.add_command(spot_check)
main.add_command(inspector)
from infra.cli_kafka import consume, mirror, relay  # noqa: E402

main.add_command(relay)
main.add_command(consume)
main.add_command(mirror)
from infra.cli_fire import fire  # noqa: E402
from infra.cli_prepaid import prepaid  # noqa: E402

main.add_command(fire)
main.add_command(prepaid)
from infra.cli_credit import facility_explain, listing, lists, penalty  # noqa: E402

main.add_command(lists)
main.add_command(listing)
main.add_command(penalty)
facility.add_command(facility_explain)
from infra.cli_duties import incident, interview, report  # noqa: E402

main.add_command(incident)
main.add_command(report)
main.add_command(interview)
