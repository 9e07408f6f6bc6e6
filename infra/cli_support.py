"""What every CLI command shares: the container, the actor, error → exit code, output."""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from infra.logging import configure_logging
from infra.settings import Settings, SettingsError
from projections.failures import AheadOfStore
from supervision import strict_json
from supervision.cells import spreadsheet_safe
from supervision.domain.errors import DomainError
from supervision.reasons import explained
from supervision.unavailable import StoreMisconfigured, as_unavailable

if TYPE_CHECKING:  # the composition root is imported when a command needs it, not at start-up:
    # `eldercare serve` (a supervisor that builds nothing) starts without importing the app
    from infra.bootstrap import Container
    from supervision.application import Context
    from supervision.scope import Reader

#: exit codes (documented in README): 2 = invalid input, as click uses for usage errors
EXIT_INVALID = 2
EXIT_FORBIDDEN = 3
EXIT_NOT_FOUND = 4
EXIT_CONFLICT = 5
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE
EXIT_CONFIG = 78  # EX_CONFIG: no store where the configuration says, malformed settings
#: commands that may create a missing store (everything else refuses to start a new empty one)
CREATES_STORE = frozenset({"demo", "serve", "init"})
EXIT_CODES = {
    "invalid": EXIT_INVALID,
    "forbidden": EXIT_FORBIDDEN,
    "not_found": EXIT_NOT_FOUND,
    "conflict": EXIT_CONFLICT,
}


class State:
    """Lazily built per CLI invocation; closed when the command ends."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self._container: Container | None = None

    @property
    def container(self) -> Container:
        """The composition root, built on first use; refuses (`fail`, exit 78) to open a store that
        is not there unless the command creates one (`CREATES_STORE`, or `--bootstrap` of a new
        installation): a SQLite file that is missing (named by DATABASE_URL or the default), a
        PostgreSQL database without the event store's table. Malformed settings: 78."""
        if self._container is None:
            try:
                settings = Settings.from_env()
            except SettingsError as exc:
                fail(str(exc), EXIT_CONFIG)
            ctx = click.get_current_context(silent=True)
            creates = ctx is not None and ctx.info_name in CREATES_STORE
            bootstrap = ctx is not None and bool(ctx.params.get("bootstrap"))  # a new installation
            problem = None if creates else missing_store(settings, bootstrap=bootstrap)
            if problem:
                fail(problem, EXIT_CONFIG)
            configure_logging(settings.log_format, settings.log_level)
            from infra.bootstrap import Container

            self._container = Container(settings)
        return self._container

    def context(self, source: str = "cli") -> Context:
        """The token's actor as a command's context: no token is a usage error (exit 2), an
        unknown, revoked or expired one exit 3 ("unknown or revoked token")."""
        if not self.token:
            raise click.UsageError("a token is required: --token or ELDERCARE_TOKEN")
        actor = self.container.tokens.actor_for(self.token)
        if actor is None:
            fail("unknown or revoked token", EXIT_FORBIDDEN)
        from supervision.application import Context

        return Context(actor=actor, source=source)

    def reader(self, required: bool = True) -> Reader:
        """Who reads, for `supervision.reads`: the token's actor, as the HTTP API's bearer token.
        A secured read (`required`) needs a token (none: usage error, exit 2; unknown, revoked or
        expired: exit 3, as every command); a public read without a token reads anonymously (the
        public shapes), and one with a token checks it (exit 3 when it is not valid): every public
        read calls this, so a presented token is never ignored (as HTTP's 401 invalid_token). The facility
        registry is caught up first: the jurisdiction of a record is its facility's region."""
        from supervision.scope import Reader

        if not required and not self.token:
            return Reader(self.container, None, "cli")
        actor = self.context().actor
        self.container.runner("facility_list").catch_up()  # the regions that scope the read
        return Reader(self.container, actor, "cli")

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


def missing_store(settings: Settings, bootstrap: bool = False) -> str | None:
    """Why there is no event store where `settings` say, as a message for exit 78; None when there
    is one. No store: the default SQLite file missing; a SQLite file named by DATABASE_URL missing
    (allowed for `--bootstrap` of a new installation); a PostgreSQL database
    without the event store's table (a new database, or the wrong one). Only `init`, `demo` and
    `serve` create a store. A PostgreSQL database that cannot be used raises the driver's error
    (`translated_errors`: 69, or 78 when it does not exist or refuses the login)."""
    if not settings.store_explicit:
        if settings.store_exists():
            return None
        return (f"no event store at {settings.sqlite_path()} ({settings.where_looked()}); run "
                "`eldercare init` or `./dev.sh demo` there, set DATABASE_URL, or run from the folder "
                "that holds eldercare.toml")
    if settings.is_sqlite:
        if bootstrap or settings.store_exists():
            return None
        folder = settings.sqlite_path().parent.is_dir()
        missing = "there is no such file" if folder else "its folder does not exist"
        return (f"no event store at {settings.sqlite_path()}: {missing} (DATABASE_URL); "
                "`eldercare init` creates a new store")
    if bootstrap or settings.store_exists():
        return None
    from infra.settings import POSTGRES_EVENTS_TABLE

    return (f"no event store in the PostgreSQL database {settings.store_location()} (DATABASE_URL): it "
            f"has no {POSTGRES_EVENTS_TABLE} table; `eldercare init` creates a new store there, or "
            "correct DATABASE_URL")


def fail(message: str, code: int, fields: dict[str, list[str]] | None = None) -> NoReturn:
    """Print `error: message` and each field's problem on stderr, then exit with `code`.

    Each problem is said once: a field line the summary already says (`InvalidValue`'s message is
    "field: problem") is left out, and a summary that is a single field's problem word for word is
    printed with the field's name instead of twice.
    """
    lines = [(name, problem) for name, problems in (fields or {}).items() for problem in problems]
    if len(lines) == 1 and lines[0][1] == message:
        message = f"{lines[0][0]}: {message}"
    click.echo(f"error: {message}", err=True)
    for name, problem in lines:
        if f"{name}: {problem}" not in message:
            click.echo(f"  {name}: {problem}", err=True)
    sys.exit(code)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Expected failures become a message on stderr and an exit code, never a traceback.

    Exit codes: a domain error's category (2 invalid input, 3 forbidden, 4 not found — saying why
    when the identifier cannot be valid —, 5 conflict); 78 (EX_CONFIG) for a setting that can never
    work: a malformed setting, a key this store was not sealed with, views or a relay beyond the
    store's head (`AheadOfStore`: a store restored from an earlier backup), or a database server that refuses
    the configuration (`StoreMisconfigured`: no such database or role, authentication failed, no
    pg_hba.conf entry, a malformed URL, an unknown host); 69 (EX_UNAVAILABLE) for a database that
    cannot be reached now ("retry later").
    """
    try:
        yield
    except DomainError as exc:
        message, fields = explained(exc)  # the same words as the HTTP answer
        fail(message, EXIT_CODES.get(exc.category, EXIT_INVALID), fields)
    except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
        raise
    except (SettingsError, AheadOfStore) as exc:  # a key this store was not sealed with, a view
        fail(str(exc), EXIT_CONFIG)                # beyond the store's head (a restored backup)
    except Exception as exc:
        unavailable = as_unavailable(exc)
        if unavailable is None:
            raise
        if isinstance(unavailable, StoreMisconfigured):
            fail(f"{unavailable}; {unavailable.hint} (DATABASE_URL, VIEWS_DATABASE_URL or "
                 "eldercare.toml). A configuration error: retrying will not help", EXIT_CONFIG)
        fail(f"{unavailable}; retry later", EXIT_UNAVAILABLE)


def command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for CLI commands: passes `State`, translates errors, closes resources."""

    @click.pass_obj
    @wraps(func)
    def wrapper(state: State, *args: Any, **kwargs: Any) -> Any:
        try:
            with translated_errors():
                return func(state, *args, **kwargs)
        finally:
            state.close()

    return wrapper


def _default(o: Any) -> Any:
    if isinstance(o, date | datetime):
        return o.isoformat()
    return str(o)


# -- one grammar for every command -------------------------------------------------------------
class DateParam(click.ParamType):
    """The one date type of the CLI: `YYYY-MM-DD` (full-width digits accepted), given back as that
    ISO string. Every date option (`--on`, `--as-of`, `--today`, `--effective`, ...) uses it."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if isinstance(value, date):
            return value.isoformat()
        text = unicodedata.normalize("NFKC", str(value)).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text).isoformat()
        except ValueError:
            self.fail(f"{value!r} is not a date of the form YYYY-MM-DD", param, ctx)


DATE = DateParam()

#: output formats of every command (`--format`); default: a table on a terminal, JSON when piped
FORMATS = ("table", "json", "csv")


def as_date(value: str | None, default: date | None = None) -> date | None:
    """A `DATE` option's value as a `date` (or `default` when the option was not given)."""
    return date.fromisoformat(value) if value else default


def output_format() -> str:
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().meta.get("output_format") if ctx else None
    if chosen:
        return str(chosen)
    return "table" if sys.stdout.isatty() else "json"


def chosen_format() -> str | None:
    """The `--format` given on the command line, None when none was (the default then applies)."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().meta.get("output_format") if ctx else None
    return str(chosen) if chosen else None


def echo_value(text: str, data: Any) -> None:
    """A command whose plain answer is one line a script captures (`$(eldercare token demo ...)`):
    `text` as it is, unless `--format` was given — then `data` in that format, never ignored."""
    if chosen_format() is None:
        click.echo(text)
    else:
        echo_json(data)


def progress_console() -> Any:
    """Where a progress bar is drawn: stdout as always when no `--format` was given (the default output
    is unchanged), stderr when one was, so the chosen format on stdout is all there is to parse."""
    if chosen_format() is None:
        return None  # rich's own console
    from rich.console import Console

    return Console(stderr=True)


def echo_json(data: Any) -> None:
    """Print a command's answer in the chosen `--format` (the name is historical: JSON is one of
    three): `json` as is; `table` and `csv` flatten `{"items": [...]}`, a list of objects, or one
    object (two columns: field, value). Nested values are written as compact JSON."""
    fmt = output_format()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))
        return
    title, rows = _rows(data)
    if fmt == "csv":
        out = io.StringIO()
        columns = _columns(rows)
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _csv_cell(row.get(c)) for c in columns})
        click.echo(out.getvalue(), nl=False)
        return
    _print_table(title, rows)


def _rows(data: Any) -> tuple[str | None, list[dict[str, Any]]]:
    if isinstance(data, dict) and isinstance(data.get("items"), list) and all(
        isinstance(i, dict) for i in data["items"]
    ):
        rest = {k: v for k, v in data.items() if k != "items" and not isinstance(v, dict | list)}
        title = ", ".join(f"{k} {v}" for k, v in rest.items()) or None
        return title, list(data["items"])
    if isinstance(data, list) and all(isinstance(i, dict) for i in data):
        return None, list(data)
    if isinstance(data, dict):
        return None, [{"field": k, "value": v} for k, v in data.items()]
    if isinstance(data, list):
        return None, [{"value": v} for v in data]
    return None, [{"value": data}]


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _csv_cell(value: Any) -> str:
    """Text that a spreadsheet would run as a formula gets a leading ' (numbers stay numbers)."""
    return spreadsheet_safe(value) if isinstance(value, str) else _cell(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_default, separators=(",", ":"))
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _print_table(title: str | None, rows: list[dict[str, Any]]) -> None:
    """A rich table that never cuts a code: identifier-like cells keep their whole width, long
    text folds onto further lines; when piped, the table is as wide as it needs to be."""
    from rich.console import Console
    from rich.table import Table

    if not rows:  # a table of no columns printed as a blank line
        click.echo(f"{title}: none" if title else "none")
        return
    columns = _columns(rows)
    table = Table(title=title, show_lines=False)
    for column in columns:
        cells = [_cell(r.get(column)) for r in rows]
        code_like = all(len(c) <= 40 and " " not in c for c in cells)
        widest = max([len(column), *(len(c) for c in cells)]) if code_like else None
        table.add_column(column, no_wrap=code_like, min_width=widest, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console = Console() if sys.stdout.isatty() else Console(width=100_000, soft_wrap=True)
    console.print(table)


def load_json_option(value: str | None) -> dict[str, Any]:
    """`--data '{"a": 1}'` or `--data @file.json`."""
    if not value:
        return {}
    from supervision.commands.bounds import MAX_JSON_DEPTH, json_too_deep

    try:
        text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--data file cannot be read as UTF-8: {exc}", EXIT_INVALID)
    if json_too_deep(text):
        fail(f"--data nests arrays/objects deeper than {MAX_JSON_DEPTH} levels", EXIT_INVALID)
    try:
        data = strict_json.loads(text)
    except strict_json.DuplicateKey as exc:
        fail(f"--data is ambiguous: {exc}", EXIT_INVALID, {exc.key: ["given more than once in one object"]})
    except json.JSONDecodeError as exc:
        fail(f"--data is not valid JSON: {exc}", EXIT_INVALID)
    if not isinstance(data, dict):
        fail("--data must be a JSON object", EXIT_INVALID)
    return data


def data_with(data: str | None, **arguments: Any) -> dict[str, Any]:
    """`--data` with the command's arguments (`facility change USCC --data ...`: the USCC is the
    argument's). `--data` naming one of them with another value is exit 2, never overridden."""
    from supervision.commands.fields import contradictions

    payload = load_json_option(data)
    clashing = contradictions(payload, arguments)
    if clashing:
        fail("--data contradicts the command's arguments", EXIT_INVALID, clashing)
    return {**payload, **arguments}


def dispatch(state: State, name: str, payload: dict[str, Any]) -> None:
    """Run a command as the token's actor and print what it returned (id, version, position)."""
    result = state.container.dispatcher.dispatch(name, payload, state.context())
    from projections.credit_policy import catch_up_policy_processes

    try:
        catch_up_policy_processes(state.container)  # what the command caused is visible when it returns
    except AheadOfStore as exc:  # recorded all the same: a non-zero exit would invite a second one
        click.echo(f"warning: recorded as notification {result.notification_id}, but the views are "
                   f"refused: {exc}", err=True)
    echo_json({"id": result.id, "version": result.version, "notification_id": result.notification_id,
               **result.data})


def _store_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().meta["output_format"] = value


def format_option() -> click.Option:
    return click.Option(
        ["--format", "output_format"], type=click.Choice(FORMATS), expose_value=False,
        is_eager=True, callback=_store_format,
        help="output: table (default on a terminal), json (default when piped) or csv",
    )


def apply_grammar(group: click.Group) -> None:
    """Give every command of the tree the shared options (`--format`), once, wherever it was
    defined: a command added later by a capability's CLI module gets them too."""
    for cmd in group.commands.values():
        if isinstance(cmd, click.Group):
            apply_grammar(cmd)
        elif not any(p.name == "output_format" for p in cmd.params):
            cmd.params.append(format_option())


def require_free_port(host: str, port: int) -> None:
    """Before anything is loaded or started: a busy port is an error that says what to do."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            fail(f"port {port} on {host} is in use (another eldercare serve or demo?); "
                 f"stop it or choose another port with --port {port + 1}", EXIT_CONFIG)
