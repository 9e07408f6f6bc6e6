"""`eldercare demo`: embedded defaults, a sample city, demo tokens, URLs, then serve.

Idempotent, and it only touches what it created: an aggregate is the demo's when its first event
was recorded with source "demo" (the store itself says so, whatever else was added since). Every
step acts only on the demo's facilities, cases, listings, ...; a second run adds nothing and never
acts on a facility, listing or campaign a user created.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import click
import structlog

from infra.bootstrap import Container
from infra.cli_support import chosen_format, echo_json
from infra.sample_city import facilities as sample_facilities
from supervision.application import Context
from supervision.domain.values import Actor

log = structlog.get_logger(__name__)

DEMO_ACTORS = {
    "admin": Actor("demo-admin", "MZJ-140500", "admin"),
    "civil_affairs": Actor("demo-mz", "MZJ-140500", "civil_affairs"),
    "fire": Actor("demo-xf", "XFJY-140500", "fire"),
    "market": Actor("demo-sj", "SCJG-140500", "market"),
    # a certified inspector of the demo's pool (infra/demo_spot_checks.py): sees its own assignments
    "inspector": Actor("MZJ-001", "MZJ-140500", "inspector"),
}

#: the `source` of every event the demo records itself
SOURCE = "demo"

#: Further sample data, one "module:function" per capability: f(container, demo) -> summary line.
#: (duties before credit: an incident's finding proposes a listing that the credit step carries through
#: in the same run, so that a second run finds nothing left to do)
DEMO_STEPS: list[str] = ["infra.demo_complaints:load", "infra.demo_spot_checks:load",
                         "infra.demo_fire_prepaid:load", "infra.demo_duties:load", "infra.demo_credit:load"]


class Demo:
    """What the demo created, by identity: an aggregate whose first event has source "demo"."""

    def __init__(self, container: Container) -> None:
        self.app = container.app
        self.usccs: list[str] = []  # the demo's own open facilities, in sample-city order
        self._owned: dict[UUID, bool] = {}

    def owns(self, aggregate_id: UUID | str) -> bool:
        key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        if key not in self._owned:
            first = next(iter(self.app.events.get(key, limit=1)), None)
            self._owned[key] = first is not None and getattr(first, "source", None) == SOURCE
        return self._owned[key]

    def owns_evidence(self, evidence: list[str]) -> bool:
        """A listing's evidence (`<aggregate id>:<version>` refs) all points at the demo's records."""
        return bool(evidence) and all(self.owns(ref.split(":", 1)[0]) for ref in evidence)



def cli_command(argv0: str | None = None, cwd: Path | None = None) -> str:
    """How the user can call this CLI again, for the hints the demo prints: `eldercare` when that name
    on PATH is this program, else its path relative to the current folder (`.venv/bin/eldercare` after
    `./dev.sh demo`, which does not put the venv on PATH), else its absolute path."""
    program = Path(argv0 if argv0 is not None else sys.argv[0])
    if program.name != "eldercare":
        return "eldercare"  # run as `python -m infra`: the installed name
    resolved = program.resolve() if program.exists() else program
    on_path = shutil.which("eldercare")
    if on_path and Path(on_path).resolve() == resolved:
        return "eldercare"
    here = (cwd or Path.cwd()).resolve()
    return os.path.relpath(resolved, here) if resolved.is_relative_to(here) else str(resolved)

def demo_tokens(container: Container) -> dict[str, str]:
    """One token per demo role, kept in clear in `var/demo-tokens.json` (0600) so that a second run
    and `eldercare token demo ROLE` find them; a role added since the last run gets its token."""
    path = demo_tokens_path(container)
    tokens: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    missing = {role: actor for role, actor in DEMO_ACTORS.items() if role not in tokens}
    if missing or not path.exists():
        tokens.update({role: container.tokens.issue(actor) for role, actor in missing.items()})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, indent=1), encoding="utf-8")
        path.chmod(0o600)
    return tokens


def demo_tokens_path(container: Container) -> Any:
    return container.settings.var_dir / "demo-tokens.json"


def load_facilities(container: Container, count: int, demo: Demo) -> int:
    """Register the sample facilities (skipping those already there) and grade the new ones.

    Sets `demo.usccs` to the sample facilities the demo registered itself and that are open: a
    sample USCC someone else registered is never the demo's.
    """
    app, dispatcher = container.app, container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source=SOURCE)
    rows = list(sample_facilities(count, today=app.today()))
    built = [app.new_facility(ctx, **dispatcher.load("register_facility", r)) for r in rows]
    fresh = [f for f in built if not app._exists(f.id)]
    app.register_facilities(fresh)
    fresh_ids = {f.id for f in fresh}
    for i, facility in enumerate(f for f in built if f.id in fresh_ids):
        if i % 2:
            continue
        level = 2 + i % 4
        score = {2: 480, 3: 620, 4: 800, 5: 930}[level]
        assessed = facility.registered_on + timedelta(days=30)
        if assessed <= app.today():
            dispatcher.dispatch("assess_facility_grade", {
                "uscc": facility.uscc, "level": level, "score": score,
                "assessing_body": "晋城市民政局", "certificate_no": f"JC-{i:04d}",
                "occurred_on": assessed.isoformat()}, ctx)
    container.runner("facility_list").catch_up()
    open_now = set(container.view("facility_list").active_usccs())
    demo.usccs = [f.uscc for f in built if f.uscc in open_now and demo.owns(f.id)]
    return len(fresh)


def run_demo(container: Container, host: str, port: int, facilities: int, serve: bool) -> None:
    settings = container.settings
    tokens = demo_tokens(container)
    seeded = importlib.import_module("infra.agency_seed").seed_agencies(container)
    demo = Demo(container)
    added = load_facilities(container, facilities, demo)
    lines = [seeded,
             f"facilities: {added} new ({facilities} in the sample city, {len(demo.usccs)} the demo's)"]
    for path in DEMO_STEPS:
        module, _, name = path.partition(":")
        lines.append(getattr(importlib.import_module(module), name)(container, demo))
    lines.append(importlib.import_module("infra.demo_kafka").start(container))  # broker + relay
    for runner in container.runners():
        runner.catch_up()
    settings = container.settings  # the demo's broker, when it started one
    base = f"http://{host}:{port}"
    info: dict[str, Any] = {
        "public site": f"{base}/",
        "regulator console": f"{base}/console/  (sign in with a token below)",
        "event store": str(settings.sqlite_path()) if settings.is_sqlite else settings.database_url,
        "read models": settings.views_sqlalchemy_url(),
        "API": f"{base}/api/v1/facilities",
        "OpenAPI": f"{base}/api/openapi.json",
        "docs": f"{base}/api/docs",
        "public lists": f"{base}/api/v1/public/credit/joint-punishment",
        "topics (AsyncAPI)": f"{base}/api/asyncapi.json",
        "health": f"{base}/healthz",
    }
    cli = cli_command()
    if chosen_format() is not None:  # the same facts in the chosen format, never ignored
        echo_json({**info, "loaded": lines, "tokens": tokens,
                   "tokens_file": str(demo_tokens_path(container))})
    else:
        click.echo(f"eldercare-supervision demo — public site: {base}/  (API docs: {base}/api/docs)")
        for line in lines:
            click.echo(f"  {line}")
        for key, value in info.items():
            click.echo(f"  {key:18} {value}")
        click.echo(f"  tokens (Authorization: Bearer <token>; kept in {demo_tokens_path(container)}, "
                   f"`{cli} token demo ROLE` prints one):")
        for role, token in tokens.items():
            click.echo(f"    {role:14} {token}")
        click.echo(f"  try: curl -s '{base}/api/v1/facilities?region_code=140502&page_size=5'")
        click.echo(f"       ELDERCARE_TOKEN={tokens['admin']} {cli} facility list --region 140502")
    if serve:
        serve_after_loading(container, host, port)


def serve_after_loading(container: Container, host: str, port: int) -> None:
    """Close everything the loading opened (nothing open may cross a fork), then supervise."""
    from infra.supervisor import serve as supervise

    env = {}
    if container.settings.kafka_bootstrap_servers:
        env["KAFKA_BOOTSTRAP_SERVERS"] = container.settings.kafka_bootstrap_servers
    container.close()
    container.__dict__.pop("app", None)
    container.__dict__.pop("datastore", None)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others:  # the supervisor only fork+execs, so this is safe, but it should not happen
        log.warning("demo_threads_left_open", threads=others)
    raise SystemExit(supervise(host, port, workers=1, env=env))
