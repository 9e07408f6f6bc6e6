"""Test support: real stores (SQLite files, PostgreSQL databases), containers, an API client."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from infra.agency_seed import seed_agencies
from infra.bootstrap import Container
from infra.settings import Settings
from supervision.api import create_app
from supervision.domain.values import Actor
from supervision.unavailable import StoreUnavailable

PG_ADMIN_URL = os.environ.get("ELDERCARE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
#: helpers and parallel runs use distinct prefixes so their databases never collide
PG_PREFIX = os.environ.get("ELDERCARE_TEST_DB_PREFIX", "eldercare_t")


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    name = f"{PG_PREFIX}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: national-level agencies, so scenarios about other rules may use facilities of any region; the
#: jurisdiction rules have their own tests (tests/e2e/test_authorization_matrix.py) with local agencies
ROLE_ACTORS = {
    "civil_affairs": Actor("mz-officer", "MZB-100000", "civil_affairs"),
    "fire": Actor("xf-officer", "XFJY-100000", "fire"),
    "market": Actor("sj-officer", "SCJG-100000", "market"),
    "admin": Actor("admin", "ADMIN-100000", "admin"),
    "system": Actor("clock", "system", "system"),
}


def make_container(database_url: str, var_dir: Path, today: date | None = None, seed: bool = True,
                   **extra: Any) -> Container:
    """A container on a real store, with the seed agencies registered (every token's agency must be
    in the registry); an unreachable store is left unseeded for the tests about it."""
    # tests that assert 201 want the views caught up however loaded the machine is; the honest
    # 202 of a lagging read model has its own tests, which set a small bound themselves
    extra.setdefault("read_models_wait_s", 30.0)
    settings = Settings(database_url=database_url, var_dir=var_dir, today=today, **extra)
    container = Container(settings)
    if seed:  # benchmarks that count events from zero and dispatch nothing pass seed=False
        seed_unless_unreachable(container)
    return container


def seed_unless_unreachable(container: Container, attempts: int = 4) -> None:
    """Seed the agencies; a store that is unreachable by design (the tests of an outage) is left
    unseeded, but one that answers is seeded or the failure raised: a transient failure of a loaded
    machine was once swallowed here, and the test failed later with "agency ... is not in the agency
    registry" instead of its cause."""
    for attempt in range(1, attempts + 1):
        try:
            seed_agencies(container)
            return
        except StoreUnavailable:
            if not _reachable(container.settings.database_url):
                return
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)


def _reachable(database_url: str) -> bool:
    if not database_url.startswith("postgresql"):
        return False  # SQLite: a store "unavailable" here is an unreadable file by design
    libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(libpq_url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


class Client:
    """The Flask test client with one token per role (and any actor issued later)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.flask = create_app(container)
        self.http = self.flask.test_client()
        self.seed_head = 0
        with suppress(StoreUnavailable):  # the tests of an unreachable store build a client too
            seed_agencies(container)  # the agency registry every token's agency must be in
            #: the event log's head after seeding: "nothing was written" means the head is still this
            self.seed_head = container.app.recorder.max_notification_id() or 0
        self.tokens = {role: container.tokens.issue(actor) for role, actor in ROLE_ACTORS.items()}

    def token_for(self, actor: Actor) -> str:
        token = self.container.tokens.issue(actor)
        self.tokens[actor.user] = token
        return token

    def _headers(self, as_: str | None, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if as_:
            out["Authorization"] = f"Bearer {self.tokens[as_]}"
        return out

    def get(self, path: str, as_: str | None = None, **kw: Any) -> Any:
        return self.http.get(path, headers=self._headers(as_, kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, as_: str | None = "civil_affairs", **kw: Any) -> Any:
        return self.http.post(path, json=json, headers=self._headers(as_, kw.pop("headers", None)), **kw)

    def patch(self, path: str, json: Any = None, as_: str | None = "civil_affairs", **kw: Any) -> Any:
        return self.http.patch(path, json=json, headers=self._headers(as_, kw.pop("headers", None)), **kw)

    def delete(self, path: str, as_: str | None = "civil_affairs", **kw: Any) -> Any:
        return self.http.delete(path, headers=self._headers(as_, kw.pop("headers", None)), **kw)


def facility_payload(uscc: str = "91350100M000100Y43", **overrides: Any) -> dict[str, Any]:
    body = {
        "uscc": uscc,
        "name": "福州夕阳红养老院",
        "address": "福州市鼓楼区示范路1号",
        "region_code": "350102",
        "ownership": "private",
        "profit_status": "non_profit",
        "total_beds": 100,
        "nursing_beds": 60,
        "legal_representative": "王建国",
        "person_in_charge": "李芳",
        "occurred_on": "2025-01-06",
        "personal": {"legal_representative_id_number": "11010519491231002X", "contact_phone": "13800138000"},
    }
    body.update(overrides)
    return body


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM `proc` and wait for it; SIGKILL it if it is still running after `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stored_events(container: Container) -> list[tuple[str, dict[str, Any]]]:
    """Every event but the seed agencies', in notification order, as (class name, state without the
    timestamp), sealed personal data opened (each seal has a fresh IV: compare what it opens to)."""
    app = container.app
    events = []
    for notification in app.recorder.select_notifications(1, 1_000_000):
        event = app.mapper.to_domain_event(notification)
        if type(event).__qualname__.startswith("Agency."):
            continue
        state = {k: v for k, v in vars(event).items() if k != "timestamp"}
        if state.get("personal_sealed"):
            state["personal_sealed"] = app.sealer.unseal(state["personal_sealed"])
        events.append((type(event).__qualname__, state))
    return events
