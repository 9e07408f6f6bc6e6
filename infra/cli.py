"""`eldercare`: serve, demo, facility, import, projections, token, and each capability's group."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from infra.cli_bounds import PAGE, PAGE_SIZE, REGION_PREFIX, facility_uscc
from infra.cli_support import (
    DATE,
    State,
    apply_grammar,
    as_date,
    command,
    data_with,
    dispatch,
    echo_json,
    echo_value,
    fail,
    load_json_option,
    output_format,
)

GLOSSARY = """\b
Terms (each explained once here; the commands use them as the regulations do):
  养老机构综合监管  comprehensive supervision of elderly-care institutions
  备案              registration of a facility with the civil-affairs bureau
  等级评定          official grade assessment (1-5, GB/T 37276-2018)
  双随机、一公开    random spot checks: random facilities, random inspectors, results published
  执法检查人员名录库 the roster of certified law-enforcement inspectors, the pool the draw uses
  重大火灾隐患      major fire hazard (GB 35181); 临时查封 = temporary sealing by the fire brigade
  预收费 / 押金     prepaid fees / deposits held for residents
  投诉 受理 / 办结  complaint acknowledged / concluded
  失信名单          blacklist (`lists show blacklist`)
  失信联合惩戒对象名单 joint-punishment list (`lists show joint-punishment`)
  重点关注名单      key-attention list (`lists show key-attention`)
  失信被执行人      a judgment debtor listed by the courts for not performing a judgment
  信用修复          credit repair: leaving a list early after correction

\b
Dates are YYYY-MM-DD everywhere; "through" dates are inclusive. Every command takes
--format table|json|csv (table on a terminal, JSON when piped).
Configuration: environment variables (README) over eldercare.toml, found in the current
folder or a parent, ~/.config/eldercare/, or beside the source checkout."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eldercare-supervision")
    except PackageNotFoundError:
        return "unknown"


@click.group(epilog=GLOSSARY)
@click.version_option(_version(), "--version", prog_name="eldercare")
@click.option("--token", envvar="ELDERCARE_TOKEN", help="bearer token identifying the actor")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]),
              help="output: table (default on a terminal), json (default when piped) or csv")
@click.pass_context
def main(ctx: click.Context, token: str | None, output_format: str | None) -> None:
    """Supervision and credit system for elderly-care institutions (养老机构综合监管)."""
    ctx.obj = State(token)
    if output_format:
        ctx.meta["output_format"] = output_format


@main.command("init")
@command
def init(state: State) -> None:
    """Create an empty store where the configuration says (the demo does this for you)."""
    settings = state.container.settings
    state.container.app  # noqa: B018 - opening the application creates the store
    echo_json({"database": settings.database_url if settings.is_sqlite else "postgresql",
               "var_dir": str(settings.var_dir)})


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
    dispatch(state, "change_facility_profile", data_with(data, uscc=uscc))


@facility.command("grade")
@click.argument("uscc")
@click.option("--data", "data", required=True, help="level, score, assessing_body, certificate_no, ...")
@command
def facility_grade(state: State, uscc: str, data: str) -> None:
    """Record an official grade assessment (等级评定)."""
    dispatch(state, "assess_facility_grade", data_with(data, uscc=uscc))


@facility.command("exit")
@click.argument("uscc")
@click.option("--reason", required=True)
@click.option("--on", "occurred_on", type=DATE, help="date of exit, default today")
@command
def facility_exit(state: State, uscc: str, reason: str, occurred_on: str | None) -> None:
    """Record a facility's exit/closure (退出)."""
    payload: dict[str, Any] = {"uscc": uscc, "reason": reason}
    if occurred_on:
        payload["occurred_on"] = occurred_on
    dispatch(state, "close_facility", payload)


@facility.command("show")
@click.argument("uscc")
@click.option("--history/--no-history", default=None,
              help="include the full event history (a regulator of the facility's region; needs a "
                   "token). Default: included when a token is given and may read it")
@command
def facility_show(state: State, uscc: str, history: bool | None) -> None:
    """Show one facility's public registry entry (persons masked), as GET /api/v1/facilities/{uscc}
    answers anyone; its history as GET .../events answers the token's actor."""
    from supervision import reads
    from supervision.public.shapes import FacilityPublic

    code = facility_uscc(uscc)  # one that cannot be valid is not registered: exit 4, saying why
    state.reader(required=False)  # a presented token must be valid (exit 3)
    state.container.runner("facility_list").catch_up()
    row = FacilityPublic.render(reads.facility(state.container, code))
    if history or (history is None and state.token):
        row["history"] = _history(state, code, required=bool(history))
        if row["history"] is None:
            del row["history"]
    echo_json(row)


def _history(state: State, code: str, required: bool) -> list[dict[str, Any]] | None:
    """The facility's history as the token's actor may read it (`reads.facility_history`). When
    not `required` (history not asked for by name), a refusal leaves it out, saying why on stderr;
    an invalid token is an error either way (exit 3)."""
    from supervision import reads
    from supervision.domain.errors import PermissionDenied

    reader = state.reader()
    for name in ("timeline", "spot_checks"):
        state.container.runner(name).catch_up()
    try:
        return reads.facility_history(reader, code)
    except PermissionDenied as exc:
        if required:
            raise
        click.echo(f"note: history not shown ({exc}); --no-history leaves it out", err=True)
        return None


@facility.command("list")
@click.option("--region", "region_code", type=REGION_PREFIX, help="region code or prefix")
@click.option("--ownership", type=click.Choice(["public", "public_built_private_run", "private"]))
@click.option("--profit-status", type=click.Choice(["for_profit", "non_profit"]))
@click.option("--grade", type=click.IntRange(1, 5))
@click.option("--status", type=click.Choice(["open", "closed"]))
@click.option("--page", type=PAGE, default=1)
@click.option("--page-size", type=PAGE_SIZE, default=50)
@click.option("--json", "as_json", is_flag=True, hidden=True, help="same as --format json")
@command
def facility_list(state: State, as_json: bool, **filters: Any) -> None:
    """List and filter facilities: the public registry (persons masked), as GET /api/v1/facilities."""
    from rich.console import Console
    from rich.table import Table

    from projections.facility_list import FacilityQuery
    from supervision import reads

    state.reader(required=False)  # a public read: anyone, but a presented token must be valid (exit 3)
    state.container.runner("facility_list").catch_up()
    query = FacilityQuery(**filters)
    page = reads.facility_page(state.container, query)  # the public registry: persons masked
    if as_json or output_format() != "table":
        if as_json:
            click.get_current_context().find_root().meta["output_format"] = "json"
        echo_json(page)
        return
    items = page["items"]
    table = Table(title=f"facilities {len(items)} of {page['total']} (page {query.page})")
    for col in ("uscc", "name", "region", "ownership", "profit", "beds", "grade", "status"):
        table.add_column(col, no_wrap=col in ("uscc", "region", "beds"), overflow="fold")
    for r in items:
        table.add_row(r["uscc"], r["name"], r["region_code"], r["ownership"], r["profit_status"],
                      f"{r['nursing_beds']}/{r['total_beds']}", str(r["grade_level"] or "-"), r["status"])
    Console(width=None if sys.stdout.isatty() else 100_000).print(table)


# -- import ----------------------------------------------------------------------------------
@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input-format", "fmt", type=click.Choice(["auto", "csv", "jsonl"]), default="auto",
              help="format of PATH (auto: by its suffix, .csv or JSON Lines)")
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
@click.option("--workers", type=int, default=1, help="gunicorn workers (background work has its own process)")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API and run the background worker (projections, clock, relay), supervised.

    Two processes under this one: `eldercare worker` and `eldercare api` (gunicorn). Either is
    restarted with backoff if it dies; SIGTERM/SIGINT stops both (docs/processes.md).
    """
    from infra.cli_support import require_free_port
    from infra.supervisor import exit_now
    from infra.supervisor import serve as supervise

    require_free_port(host, port)  # before anything starts: a busy port says what to do
    _settings()
    exit_now(supervise(host, port, workers))


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=8000)
@click.option("--workers", type=int, default=1, help="gunicorn workers")
def api(host: str, port: int, workers: int) -> None:
    """Only the HTTP API (gunicorn); `serve` runs it beside the worker. Needs a worker to be live."""
    import os

    from infra.server import serve_api
    from infra.worker import die_with_parent

    parent = os.environ.get("ELDERCARE_SUPERVISOR_PID")
    die_with_parent(int(parent) if parent else None)
    serve_api(_settings(store_needed=not parent), host=host, port=port, workers=workers)


@main.command()
def worker() -> None:
    """Only the background work: projections, policy processes, clock, relay (`serve` runs it)."""
    import os

    from infra.supervisor import exit_now
    from infra.worker import run

    exit_now(run(_settings(store_needed=not os.environ.get("ELDERCARE_SUPERVISOR_PID"))))


def _settings(store_needed: bool = False) -> Any:
    """Settings from the environment, logging configured; nothing built. Malformed settings exit 78
    (EX_CONFIG), as for every other command: `serve` does not restart a process that can never
    start. `store_needed` (`api` and `worker` started by hand, not by `serve`, which creates the
    store): no event store there is exit 78 too, as for every command but init, demo and serve."""
    from infra.cli_support import EXIT_CONFIG, missing_store
    from infra.logging import configure_logging
    from infra.settings import Settings, SettingsError
    from supervision.unavailable import as_unavailable

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        fail(str(exc), EXIT_CONFIG)
    if store_needed:
        try:
            problem = missing_store(settings)
        except Exception as exc:  # a database that cannot be used: the process's own start says so
            if as_unavailable(exc) is None:  # (worker_store_unavailable, api_misconfigured, ...)
                raise
            problem = None
        if problem:
            fail(problem, EXIT_CONFIG)
    configure_logging(settings.log_format, settings.log_level)
    return settings


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=8000)
@click.option("--facilities", type=click.IntRange(1, 10000), default=60)
@click.option("--no-serve", is_flag=True, help="load the sample city and exit")
@command
def demo(state: State, host: str, port: int, facilities: int, no_serve: bool) -> None:
    """Load a synthetic sample city (embedded defaults), print tokens and URLs, and serve."""
    from infra.demo import run_demo
    from infra.settings import write_default_config

    if not no_serve:
        from infra.cli_support import require_free_port

        require_free_port(host, port)
    settings = state.container.settings
    if not settings.store_explicit and settings.config_file is None:
        write_default_config(Path.cwd())  # so the CLI finds this store from anywhere below
    run_demo(state.container, host=host, port=port, facilities=facilities, serve=not no_serve)


# -- tokens ----------------------------------------------------------------------------------
@main.group()
def token() -> None:
    """Manage API tokens (stored as SHA-256 digests)."""


@token.command("issue")
@click.option("--user", required=True)
@click.option("--agency", required=True, help="a registered agency code, e.g. MZJ-110105, XFJY-110105")
@click.option("--role", required=True,
              type=click.Choice(["civil_affairs", "fire", "market", "inspector", "admin"]))
@click.option("--expires-in", help="lifetime, e.g. 30d or 12h (default 90d, at most 366d)")
@click.option("--expires-on", type=DATE, help="last day it works (Asia/Shanghai)")
@click.option("--bootstrap", is_flag=True, help="no admin token: the owner of the server's var/ issues it")
@command
def token_issue(state: State, user: str, agency: str, role: str, expires_in: str | None,
                expires_on: Any, bootstrap: bool) -> None:
    """Issue a token for an actor (recorded; needs an admin token); printed once."""
    from infra.cli_agencies import issue_token

    issue_token(state, user, agency, role, expires_in, as_date(expires_on), bootstrap)


@token.command("revoke")
@click.argument("token_id")
@click.option("--reason", required=True)
@click.option("--bootstrap", is_flag=True, help="no admin token: the owner of the server's var/ revokes it")
@command
def token_revoke(state: State, token_id: str, reason: str, bootstrap: bool) -> None:
    """Revoke a token by its id (recorded; needs an admin token)."""
    from infra.cli_agencies import revoke_token

    revoke_token(state, token_id, reason, bootstrap)


@token.command("list")
@click.option("--bootstrap", is_flag=True, help="no admin token: the owner of the server's var/ lists them")
@command
def token_list(state: State, bootstrap: bool) -> None:
    """Ids, actors, expiry and revocation of the issued tokens (never the tokens): an admin token,
    the tokens of agencies in its jurisdiction; --bootstrap: the owner of the server's var/, all."""
    from infra.cli_agencies import list_tokens

    list_tokens(state, bootstrap)


@token.command("demo")
@click.argument("role", type=click.Choice(["admin", "civil_affairs", "fire", "market", "inspector"]))
@command
def token_demo(state: State, role: str) -> None:
    """Print the demo's token for ROLE (kept in var/demo-tokens.json by `eldercare demo`)."""
    path = state.container.settings.var_dir / "demo-tokens.json"
    if not path.exists():
        fail(f"no demo tokens at {path}: run `./dev.sh demo` (or `eldercare demo`) first", 4)
    tokens = json.loads(path.read_text(encoding="utf-8"))
    if role not in tokens:
        fail(f"the demo at {path} has no {role} token (roles: {', '.join(tokens)})", 4)
    echo_value(tokens[role], {"role": role, "token": tokens[role]})


# -- clock -----------------------------------------------------------------------------------
@main.command()
@click.option("--today", "today", type=DATE, help="pretend today is this date")
@command
def tick(state: State, today: str | None) -> None:
    """Append overdue/expiry events for every deadline that has passed (exactly once each)."""
    from infra.clock import tick as run_tick

    report = run_tick(state.container, as_date(today))
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
from infra.cli_calendar import calendar  # noqa: E402

main.add_command(calendar)
from infra.cli_agencies import agency  # noqa: E402

main.add_command(agency)
from infra.cli_parked import parked  # noqa: E402

main.add_command(parked)
from infra.cli_duties import incident, interview, report  # noqa: E402

main.add_command(incident)
main.add_command(report)
main.add_command(interview)

apply_grammar(main)  # last: every command above and in the capability modules
