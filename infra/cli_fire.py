"""`eldercare fire`: fire-safety findings, rectification, re-inspection, sealing; case lists."""

from __future__ import annotations

import click

from infra.cli_bounds import PAGE, PAGE_SIZE
from infra.cli_support import State, command, data_with, dispatch, echo_json, load_json_option

DATA_HELP = "JSON object or @file.json (see the OpenAPI schema of the command)"



@click.group()
def fire() -> None:
    """消防安全: record findings, order/report/verify/reject rectification, seal/unseal, list cases."""


@fire.command("record")
@click.option("--data", "data", required=True, help=DATA_HELP)
@command
def fire_record(state: State, data: str) -> None:
    """Record a finding: uscc, finding_no, category, location, major, major_criterion, order_no, due_on."""
    dispatch(state, "record_fire_finding", load_json_option(data))


def _case_command(cli_name: str, command_name: str, summary: str) -> None:
    @fire.command(cli_name, help=summary)
    @click.argument("case_id")
    @click.option("--data", "data", default="{}", help=DATA_HELP)
    @command
    def run(state: State, case_id: str, data: str) -> None:
        dispatch(state, command_name, data_with(data, case_id=case_id))


_case_command("order", "order_rectification", "Order rectification by a deadline: order_no, due_on.")
_case_command("report", "report_rectification", "Record a rectification report: reported_by, summary.")
_case_command("verify", "verify_rectification", "Re-inspection verifies the rectification: inspection_no.")
_case_command("reject", "reject_rectification",
              "Re-inspection rejects it: inspection_no, reasons, optional new_order_no + new_due_on.")
_case_command("seal", "seal_premises", "临时查封: decision_no, scope.")
_case_command("unseal", "unseal_premises", "Lift the sealing: decision_no, reason.")


@fire.command("show")
@click.argument("case_id")
@command
def fire_show(state: State, case_id: str) -> None:
    """Show one case, as GET /api/v1/fire-safety/cases/{id}: a valid token; exit 3 outside its
    jurisdiction, exit 4 unknown."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("fire_safety").catch_up()
    echo_json(reads.fire_case(reader, case_id))


@fire.command("list")
@click.option("--uscc")
@click.option("--status", type=click.Choice(["found", "ordered", "reported", "verified"]))
@click.option("--open/--closed", "open_", default=None, help="not yet verified / verified")
@click.option("--major", is_flag=True, default=None, help="major hazards only")
@click.option("--overdue", is_flag=True, default=None, help="overdue only")
@click.option("--sealed", is_flag=True, default=None, help="sealed premises only")
@click.option("--page", type=PAGE, default=1)
@click.option("--page-size", type=PAGE_SIZE, default=50)
@command
def fire_list(state: State, uscc: str | None, status: str | None, open_: bool | None, major: bool | None,
              overdue: bool | None, sealed: bool | None, page: int, page_size: int) -> None:
    """List cases in the token's jurisdiction, as GET /api/v1/fire-safety/cases:
    {items, page, page_size, total}."""
    from projections.fire_safety import FireCaseQuery
    from supervision import reads
    from supervision.domain.uscc import validate_uscc

    reader = state.reader()
    state.container.runner("fire_safety").catch_up()
    query = FireCaseQuery(uscc=validate_uscc(uscc) if uscc else None, status=status, open=open_,
                          major=major, overdue=overdue, sealed=sealed, page=page, page_size=page_size)
    echo_json(reads.fire_case_page(reader, query))
