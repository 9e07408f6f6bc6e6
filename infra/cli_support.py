"""What every CLI command shares: the container, the actor, error → exit code, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click

from infra.bootstrap import Container
from infra.logging import configure_logging
from infra.settings import Settings, SettingsError
from supervision.application import Context
from supervision.domain.errors import DomainError
from supervision.unavailable import as_unavailable

#: exit codes (documented in README): 2 = invalid input, as click uses for usage errors
EXIT_INVALID = 2
EXIT_FORBIDDEN = 3
EXIT_NOT_FOUND = 4
EXIT_CONFLICT = 5
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE
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
        if self._container is None:
            try:
                settings = Settings.from_env()
            except SettingsError as exc:
                raise click.UsageError(str(exc)) from None
            configure_logging(settings.log_format, settings.log_level)
            self._container = Container(settings)
        return self._container

    def context(self, source: str = "cli") -> Context:
        if not self.token:
            raise click.UsageError("a token is required: --token or ELDERCARE_TOKEN")
        actor = self.container.tokens.actor_for(self.token)
        if actor is None:
            fail("unknown or revoked token", EXIT_FORBIDDEN)
        return Context(actor=actor, source=source)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


def fail(message: str, code: int, fields: dict[str, list[str]] | None = None) -> None:
    click.echo(f"error: {message}", err=True)
    for name, problems in (fields or {}).items():
        for problem in problems:
            click.echo(f"  {name}: {problem}", err=True)
    sys.exit(code)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Domain errors and an unreachable database become a message and an exit code, no trace."""
    try:
        yield
    except DomainError as exc:
        fail(exc.message, EXIT_CODES.get(exc.category, EXIT_INVALID), exc.fields)
    except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        unavailable = as_unavailable(exc)
        if unavailable is None:
            raise
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


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


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
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"--data is not valid JSON: {exc}", EXIT_INVALID)
    if not isinstance(data, dict):
        fail("--data must be a JSON object", EXIT_INVALID)
    return data


def dispatch(state: State, name: str, payload: dict[str, Any]) -> None:
    """Run a command as the token's actor and print what it returned (id, version, position)."""
    result = state.container.dispatcher.dispatch(name, payload, state.context())
    echo_json({"id": result.id, "version": result.version, "notification_id": result.notification_id,
               **result.data})
