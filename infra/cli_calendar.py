"""`eldercare calendar ...`: load a year's official holiday schedule, show the calendar, revisit.

    eldercare calendar load notice-2027.json     # {"year", "document_no", "holidays", "working_days"}
    eldercare calendar show 2027                  # statutory days, loaded notice, data used
    eldercare calendar revisit                    # recompute open provisional deadlines now
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from infra.cli_support import EXIT_INVALID, State, command, dispatch, echo_json, fail
from supervision import strict_json


@click.group()
def calendar() -> None:
    """Working-day calendar: official schedules (国务院办公厅节假日安排通知) and provisional deadlines."""


@calendar.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@command
def load(state: State, file: Path) -> None:
    """Load a year's schedule from FILE (JSON: year, document_no, holidays, working_days) as an event,
    then revise every open provisional deadline; prints the deadlines revised."""
    try:
        payload = strict_json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"no such file: {file.name}", EXIT_INVALID)
    except strict_json.DuplicateKey as exc:
        fail(f"{file.name} is ambiguous: {exc}", EXIT_INVALID)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{file.name} is not valid JSON: {exc}", EXIT_INVALID)
    if not isinstance(payload, dict):
        fail(f"{file.name} must hold a JSON object", EXIT_INVALID)
    dispatch(state, "load_calendar_schedule", payload)


@calendar.command("revisit")
@command
def revisit(state: State) -> None:
    """Recompute every open provisional deadline on the current calendar (admin)."""
    dispatch(state, "revisit_provisional_deadlines", {})


@calendar.command("show")
@click.argument("year", type=int)
@command
def show(state: State, year: int) -> None:
    """The statutory holidays of YEAR, the loaded notice if any, and which data deadlines use
    (public, as GET /api/v1/calendar/{year}); exit 2 for a year no rule covers."""
    from supervision import reads

    state.reader(required=False)  # public, but a presented token must be valid (exit 3)
    try:
        echo_json(reads.calendar_year(state.container.app, year))
    except ValueError as exc:
        fail(str(exc), EXIT_INVALID)
