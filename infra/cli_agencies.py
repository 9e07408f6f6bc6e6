"""`eldercare agency add|list|show|dissolve` and the token commands' shared logic.

Token issue and revocation are recorded (`TokenGrant` events) and need an admin token whose
agency's jurisdiction holds the token's agency. The one exception is the bootstrap path:
`eldercare token issue --bootstrap` run without a token by the owner of the server's own `var/`
(the file system is the root of trust), recorded with the actor `bootstrap:<login>`.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click

from infra.cli_support import (
    EXIT_FORBIDDEN,
    EXIT_INVALID,
    State,
    command,
    dispatch,
    echo_json,
    echo_value,
    fail,
)
from supervision.application import Context
from supervision.auth import DEFAULT_TOKEN_LIFETIME, token_id
from supervision.domain.values import Actor
from supervision.jurisdiction import KINDS, LEVELS

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_TOKEN_DAYS = 366
_DURATION = re.compile(r"^(\d+)([dh])$")


@click.group()
def agency() -> None:
    """The agency registry (民政 / 消防救援 / 市场监管 bureaus): admins add and dissolve."""


@agency.command("add")
@click.option("--code", required=True, help="e.g. MZJ-140500")
@click.option("--kind", required=True, type=click.Choice(KINDS))
@click.option("--level", required=True, type=click.Choice(LEVELS))
@click.option("--region", "region_code", required=True, help="GB/T 2260 code (national: 100000)")
@click.option("--name", required=True)
@click.option("--bootstrap", is_flag=True, help="no admin token: the owner of the server's var/ adds it")
@command
def agency_add(state: State, bootstrap: bool, **payload: Any) -> None:
    """Register an agency (admin token, or --bootstrap on a new installation)."""
    ctx = token_context(state, bootstrap)
    result = state.container.dispatcher.dispatch("register_agency", payload, ctx)
    echo_json({"id": result.id, "notification_id": result.notification_id, **result.data})


@agency.command("dissolve")
@click.argument("code")
@click.option("--reason", required=True)
@command
def agency_dissolve(state: State, code: str, reason: str) -> None:
    """Dissolve an agency: its tokens stop working (admin token)."""
    dispatch(state, "dissolve_agency", {"code": code, "reason": reason})


@agency.command("list")
@click.option("--region", "region_code", default="", help="region code or prefix")
@click.option("--kind", type=click.Choice(KINDS))
@command
def agency_list(state: State, region_code: str, kind: str | None) -> None:
    """List the registry (read model; any valid token, as GET /api/v1/agencies)."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("agencies").catch_up()
    echo_json(reads.agencies(reader, region_code, kind))


@agency.command("show")
@click.argument("code")
@command
def agency_show(state: State, code: str) -> None:
    """One registered agency (any valid token, as GET /api/v1/agencies/{code}); exit 4 unknown."""
    from supervision import reads

    reader = state.reader()
    state.container.runner("agencies").catch_up()
    echo_json(reads.agency(reader, code))


# -- tokens (the commands themselves live in infra/cli.py) -----------------------------------
def token_expiry(now: datetime, expires_in: str | None, expires_on: date | None) -> datetime:
    """`--expires-in 30d|12h` or `--expires-on YYYY-MM-DD` (end of that day, Asia/Shanghai)."""
    if expires_in and expires_on:
        fail("give --expires-in or --expires-on, not both", EXIT_INVALID)
    if expires_on is not None:
        end = datetime.combine(expires_on + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)
    elif expires_in:
        match = _DURATION.match(expires_in.strip())
        if not match or int(match.group(1)) == 0:
            fail("--expires-in must look like 30d or 12h", EXIT_INVALID)
        n, unit = int(match.group(1)), match.group(2)
        end = now + (timedelta(days=n) if unit == "d" else timedelta(hours=n))
    else:
        end = now + DEFAULT_TOKEN_LIFETIME
    if end <= now or end - now > timedelta(days=MAX_TOKEN_DAYS):
        fail(f"a token's expiry must be in the future and within {MAX_TOKEN_DAYS} days", EXIT_INVALID)
    return end


def token_context(state: State, bootstrap: bool) -> Context:
    """The admin issuing/revoking, or the bootstrap identity of the owner of `var/`."""
    if state.token:
        return state.context()
    if not bootstrap:
        fail("issuing or revoking a token needs an admin token (--token / ELDERCARE_TOKEN); "
             "the server's operator may use --bootstrap on the server's own var/", EXIT_FORBIDDEN)
    var = state.container.settings.var_dir
    # a var/ that does not exist yet will be this user's (it is made when the token file is written,
    # not here: a refused command, e.g. for a database that does not exist, leaves no empty var/)
    if var.exists() and os.stat(var).st_uid != os.getuid():
        fail(f"--bootstrap is for the owner of {var}", EXIT_FORBIDDEN)
    return Context(Actor(f"bootstrap:{getpass.getuser()}", "system", "system"), source="cli")


def issue_token(state: State, user: str, agency_code: str, role: str, expires_in: str | None,
                expires_on: date | None, bootstrap: bool) -> None:
    ctx = token_context(state, bootstrap)
    expires = token_expiry(datetime.now(UTC), expires_in, expires_on)
    token = secrets.token_urlsafe(24)
    state.container.dispatcher.dispatch("issue_token", {
        "token_id": token_id(token), "user": user, "agency": agency_code, "role": role,
        "expires_at": expires.isoformat(timespec="seconds")}, ctx)
    state.container.tokens.issue(Actor(user, agency_code, role), token, expires_at=expires)
    echo_value(token, {"token": token, "token_id": token_id(token), "user": user, "agency": agency_code,
                       "role": role, "expires_at": expires.isoformat(timespec="seconds")})
    click.echo(f"token id {token_id(token)}, expires {expires.isoformat(timespec='seconds')}", err=True)


def revoke_token(state: State, tid: str, reason: str, bootstrap: bool) -> None:
    ctx = token_context(state, bootstrap)
    entry = state.container.tokens.entry(tid)
    if entry is None:
        fail(f"token {tid} is not issued", 4)
    state.container.dispatcher.dispatch("revoke_token", {
        "token_id": tid, "reason": reason, **entry.actor.as_dict()}, ctx)
    state.container.tokens.revoke(tid)
    echo_json({"token_id": tid, "revoked": True})


def list_tokens(state: State, bootstrap: bool) -> None:
    """The issued tokens (ids, actors, expiry, revocation; never the tokens) an admin may see: those
    of agencies in its jurisdiction (a national admin, and the bootstrap owner of `var/`, all).
    No token: exit 3 unless --bootstrap; a token of another role: exit 3."""
    rows = [e.as_dict() for e in state.container.tokens.entries()]
    if token_context(state, bootstrap).actor.role != "system":  # the bootstrap owner sees all
        rows = _tokens_in_jurisdiction(state, rows)
    echo_json(rows)


def _tokens_in_jurisdiction(state: State, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The token rows whose agency's region the token's admin covers (`Reader.scope_rows`)."""
    reader = state.reader()
    reader.require_role((), "list tokens")  # admin only
    state.container.runner("agencies").catch_up()
    regions = {a["code"]: a["region_code"] for a in state.container.view("agencies").search("", None)}
    scoped = reader.scope_rows([{**r, "region_code": regions.get(r["agency"])} for r in rows],
                               region_key="region_code")
    return [{k: v for k, v in r.items() if k != "region_code"} for r in scoped]
