"""`eldercare demo`: embedded defaults, a sample city, demo tokens, URLs, then serve.

Idempotent: a second run reuses the stored data and tokens.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from typing import Any

import click

from infra.bootstrap import Container
from infra.sample_city import facilities as sample_facilities
from supervision.application import Context
from supervision.domain.values import Actor

DEMO_ACTORS = {
    "admin": Actor("demo-admin", "MZJ-140500", "admin"),
    "civil_affairs": Actor("demo-mz", "MZJ-140500", "civil_affairs"),
    "fire": Actor("demo-xf", "XFJY-140500", "fire"),
    "market": Actor("demo-sj", "SCJG-140500", "market"),
}

#: Further sample data, one "module:function" per capability: f(container, tokens) -> summary line.
DEMO_STEPS: list[str] = ["infra.demo_complaints:load", "infra.demo_spot_checks:load",
                         "infra.demo_fire_prepaid:load", "infra.demo_credit:load", "infra.demo_duties:load"]


def demo_tokens(container: Container) -> dict[str, str]:
    path = container.settings.var_dir / "demo-tokens.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    tokens = {role: container.tokens.issue(actor) for role, actor in DEMO_ACTORS.items()}
    path.write_text(json.dumps(tokens, indent=1), encoding="utf-8")
    path.chmod(0o600)
    return tokens


def load_facilities(container: Container, count: int) -> int:
    """Register the sample facilities (skipping those already there) and grade some."""
    app, dispatcher = container.app, container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source="demo")
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
    return len(fresh)


def run_demo(container: Container, host: str, port: int, facilities: int, serve: bool) -> None:
    settings = container.settings
    tokens = demo_tokens(container)
    added = load_facilities(container, facilities)
    lines = [f"facilities: {added} new ({facilities} in the sample city)"]
    for path in DEMO_STEPS:
        module, _, name = path.partition(":")
        lines.append(getattr(importlib.import_module(module), name)(container, tokens))
    lines.append(importlib.import_module("infra.demo_kafka").start(container))  # broker + relay
    for runner in container.runners():
        runner.catch_up()
    base = f"http://{host}:{port}"
    info: dict[str, Any] = {
        "event store": str(settings.sqlite_path()) if settings.is_sqlite else settings.database_url,
        "read models": settings.views_sqlalchemy_url(),
        "API": f"{base}/api/v1/facilities",
        "OpenAPI": f"{base}/api/openapi.json",
        "docs": f"{base}/api/docs",
        "public lists": f"{base}/api/v1/public/credit/joint-punishment",
        "topics (AsyncAPI)": f"{base}/api/asyncapi.json",
        "health": f"{base}/healthz",
    }
    click.echo("eldercare-supervision demo")
    for line in lines:
        click.echo(f"  {line}")
    for key, value in info.items():
        click.echo(f"  {key:18} {value}")
    click.echo("  tokens (Authorization: Bearer <token>):")
    for role, token in tokens.items():
        click.echo(f"    {role:14} {token}")
    click.echo(f"  try: curl -s '{base}/api/v1/facilities?region_code=140502&page_size=5'")
    click.echo(f"       ELDERCARE_TOKEN={tokens['admin']} eldercare facility list --region 140502")
    if serve:
        from infra.server import serve_forever

        serve_forever(container, host=host, port=port)
