"""`eldercare incident|report|interview`: the duties of the supervised from the command line."""

from __future__ import annotations

import click

from infra.cli_support import State, command, data_with, dispatch, echo_json, load_json_option

DATA_HELP = "JSON object or @file.json (see the OpenAPI schema of the command)"


def _step(group: click.Group, cli_name: str, command_name: str, id_field: str, summary: str) -> None:
    """`<group> <cli_name> USCC ID --data '{...}'` runs `command_name` on that record."""

    @group.command(cli_name, help=summary)
    @click.argument("uscc")
    @click.argument("record_id")
    @click.option("--data", "data", default="{}", help=DATA_HELP)
    @command
    def run(state: State, uscc: str, record_id: str, data: str) -> None:
        dispatch(state, command_name, data_with(data, uscc=uscc, **{id_field: record_id}))


# -- incidents ---------------------------------------------------------------------------------
@click.group()
def incident() -> None:
    """突发重大情况: report, classify, investigate, find responsibility, list."""


@incident.command("report")
@click.option("--data", "data", required=True, help=DATA_HELP)
@command
def incident_report(state: State, data: str) -> None:
    """Record a report: uscc, category, severity, occurred_at, reported_at, summary, residents (sealed)."""
    dispatch(state, "report_incident", load_json_option(data))


_step(incident, "classify", "classify_incident", "incident_id", "Correct category/severity: reason.")
_step(
    incident,
    "investigate",
    "open_incident_investigation",
    "incident_id",
    "Open the investigation: authority.",
)
_step(
    incident,
    "finding",
    "find_incident_responsibility",
    "incident_id",
    "The competent authority's finding: authority, decision_no, responsibility (main|direct|secondary|none).",
)


@incident.command("list")
@click.option("--uscc")
@click.option("--status", type=click.Choice(["reported", "investigating", "concluded"]))
@click.option("--late", is_flag=True, default=None, help="late reports only")
@click.option("--page", type=click.IntRange(min=1), default=1)
@click.option("--page-size", type=click.IntRange(1, 500), default=50)
@command
def incident_list(
    state: State, uscc: str | None, status: str | None, late: bool | None, page: int, page_size: int
) -> None:
    """List incidents (no resident data) in the token's jurisdiction (regulators), as GET
    /api/v1/incidents: {items, page, page_size, total}."""
    from projections.incidents import IncidentQuery
    from supervision import reads
    from supervision.domain.uscc import validate_uscc

    reader = state.reader()
    state.container.runner("incidents").catch_up()
    query = IncidentQuery(
        uscc=validate_uscc(uscc) if uscc else None, status=status, late=late, page=page, page_size=page_size
    )
    echo_json(reads.incident_page(reader, query))


# -- reports -----------------------------------------------------------------------------------
@click.group()
def report() -> None:
    """定期报告 / 年度报告: submit, remind (催报), list, schedules."""


def _report_command(cli_name: str, command_name: str, summary: str) -> None:
    @report.command(cli_name, help=summary)
    @click.argument("uscc")
    @click.argument("kind", type=click.Choice(["annual_report", "operations_report"]))
    @click.argument("period")
    @click.option("--data", "data", default="{}", help=DATA_HELP)
    @command
    def run(state: State, uscc: str, kind: str, period: str, data: str) -> None:
        dispatch(
            state, command_name, data_with(data, uscc=uscc, kind=kind, period=period)
        )


_report_command("submit", "submit_duty_report", "Record a report filed (occurred_on = filing date).")
_report_command("remind", "remind_duty_report", "催报 a missing report (reference); starts the grace period.")


@report.command("list")
@click.option("--uscc")
@click.option("--kind", type=click.Choice(["annual_report", "operations_report"]))
@click.option("--period")
@click.option("--status", type=click.Choice(["submitted", "missing"]))
@click.option("--page", type=click.IntRange(min=1), default=1)
@click.option("--page-size", type=click.IntRange(1, 500), default=50)
@command
def report_list(
    state: State,
    uscc: str | None,
    kind: str | None,
    period: str | None,
    status: str | None,
    page: int,
    page_size: int,
) -> None:
    """List report obligations in the token's jurisdiction (regulators), as GET
    /api/v1/duty-reports: {items, page, page_size, total}."""
    from projections.duty_reports import DutyReportQuery
    from supervision import reads
    from supervision.domain.uscc import validate_uscc

    reader = state.reader()
    state.container.runner("duty_reports").catch_up()
    query = DutyReportQuery(
        uscc=validate_uscc(uscc) if uscc else None,
        kind=kind,
        period=period,
        status=status,
        page=page,
        page_size=page_size,
    )
    echo_json(reads.duty_report_page(reader, query))


# -- interviews --------------------------------------------------------------------------------
@click.group()
def interview() -> None:
    """约谈: summon, held / not attended, commitments fulfilled, list."""


@interview.command("summon")
@click.option("--data", "data", required=True, help=DATA_HELP)
@command
def interview_summon(state: State, data: str) -> None:
    """Summon: uscc, reason, scheduled_on, summoned_roles, place, notice_no."""
    dispatch(state, "summon_interview", load_json_option(data))


_step(
    interview,
    "held",
    "hold_interview",
    "interview_id",
    "Interview held: attendees (sealed), minutes, commitments [{item, due_on}].",
)
_step(
    interview, "not-attended", "record_interview_not_attended", "interview_id", "The summoned did not attend."
)


@interview.command("fulfil")
@click.argument("uscc")
@click.argument("interview_id")
@click.argument("commitment_no", type=int)
@click.option("--data", "data", default="{}", help=DATA_HELP)
@command
def interview_fulfil(state: State, uscc: str, interview_id: str, commitment_no: int, data: str) -> None:
    """A commitment fulfilled: evidence."""
    dispatch(
        state,
        "fulfil_interview_commitment",
        data_with(data, uscc=uscc, interview_id=interview_id, commitment_no=commitment_no),
    )


@interview.command("show")
@click.argument("interview_id")
@command
def interview_show(state: State, interview_id: str) -> None:
    """One interview with its commitments (attendees stay sealed), as GET /api/v1/interviews/{id}:
    a regulator's token; exit 3 outside its jurisdiction."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("interviews").catch_up()
    echo_json(reads.interview(reader, interview_id))
