"""`eldercare prepaid`: prepaid-fee receipts, refunds, refunds due, custody; ledger views."""

from __future__ import annotations

import click

from infra.cli_support import State, command, dispatch, echo_json, load_json_option

DATA_HELP = "JSON object or @file.json (see the OpenAPI schema of the command); amounts in fen"



@click.group()
def prepaid() -> None:
    """预收费用: record receipts, refunds, refunds due, custody deposits; show ledgers and signals."""


def _ledger_command(cli_name: str, command_name: str, summary: str) -> None:
    @prepaid.command(cli_name, help=summary)
    @click.argument("uscc")
    @click.option("--data", "data", required=True, help=DATA_HELP)
    @command
    def run(state: State, uscc: str, data: str) -> None:
        dispatch(state, command_name, {**load_json_option(data), "uscc": uscc})


_ledger_command("receive", "record_prepayment",
                "Record a receipt: kind, resident_ref, amount_fen, covers_months / monthly_bed_fee_fen, ...")
_ledger_command("refund", "record_refund", "Record a refund: kind, resident_ref, amount_fen, due_ref?")
_ledger_command("refund-due", "record_refund_due",
                "Record a refund falling due: kind, resident_ref, amount_fen, due_on")
_ledger_command("custody", "record_custody_deposit",
                "Record a custody deposit: kind, amount_fen, arrangement, bank")


@prepaid.command("show")
@click.argument("uscc")
@click.option("--residents", is_flag=True, help="include per-resident balances (pseudonymous references)")
@command
def prepaid_show(state: State, uscc: str, residents: bool) -> None:
    """A facility's ledger summary from the read model."""
    from infra.cli_bounds import facility_uscc

    code = facility_uscc(uscc)  # as GET /prepaid/{uscc}: one that cannot be valid is exit 4, saying why
    state.context()  # reads of the ledger need a known actor
    state.container.runner("prepaid").catch_up()
    view = state.container.view("prepaid")
    out = view.summary(code)
    if residents:
        out["residents"] = view.resident_balances(code)
        out["refunds_due"] = view.refunds_due(code)
    echo_json(out)


@prepaid.command("signals")
@click.option("--uscc")
@click.option("--active/--all", default=True)
@command
def prepaid_signals(state: State, uscc: str | None, active: bool) -> None:
    """Illegal fund-raising risk signals."""
    from supervision.domain.uscc import validate_uscc

    state.context()
    state.container.runner("prepaid").catch_up()
    echo_json(state.container.view("prepaid").signal_list(validate_uscc(uscc) if uscc else None,
                                                          True if active else None))


@prepaid.command("violations")
@click.option("--uscc")
@command
def prepaid_violations(state: State, uscc: str | None) -> None:
    """Cap violations (CapExceeded)."""
    from supervision.domain.uscc import validate_uscc

    state.context()
    state.container.runner("prepaid").catch_up()
    echo_json(state.container.view("prepaid").violation_list(validate_uscc(uscc) if uscc else None))
