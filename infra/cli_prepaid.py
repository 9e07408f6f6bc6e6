"""`eldercare prepaid`: prepaid-fee receipts, refunds, refunds due, custody; ledger views."""

from __future__ import annotations

import click

from infra.cli_support import State, command, data_with, dispatch, echo_json

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
        dispatch(state, command_name, data_with(data, uscc=uscc))


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
    """A facility's ledger summary, public as GET /api/v1/prepaid/{uscc} (no token needed);
    --residents adds the per-resident balances and refunds due of GET .../residents (a regulator's
    token of the facility's region: exit 3 otherwise)."""
    from infra.cli_bounds import facility_uscc
    from supervision import reads
    from supervision.public.shapes import PrepaidSummaryPublic

    code = facility_uscc(uscc)  # as GET /prepaid/{uscc}: one that cannot be valid is exit 4, saying why
    reader = state.reader(required=bool(residents))  # a presented token is checked either way
    if not residents:
        reader = None
    for name in ("facility_list", "prepaid"):
        state.container.runner(name).catch_up()
    out = PrepaidSummaryPublic.render(reads.prepaid_summary(state.container, code))
    if reader is not None:
        ledger = reads.prepaid_residents(reader, code)
        out["residents"], out["refunds_due"] = ledger["balances"], ledger["refunds_due"]
    echo_json(out)


@prepaid.command("signals")
@click.option("--uscc")
@click.option("--active/--all", default=True)
@command
def prepaid_signals(state: State, uscc: str | None, active: bool) -> None:
    """Illegal fund-raising risk signals in the token's jurisdiction (regulators), as GET
    /api/v1/prepaid/risk-signals."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("prepaid").catch_up()
    echo_json(reads.prepaid_signals(reader, uscc, True if active else None))


@prepaid.command("violations")
@click.option("--uscc")
@command
def prepaid_violations(state: State, uscc: str | None) -> None:
    """Cap violations (CapExceeded) in the token's jurisdiction (regulators), as GET
    /api/v1/prepaid/violations."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("prepaid").catch_up()
    echo_json(reads.prepaid_violations(reader, uscc))
