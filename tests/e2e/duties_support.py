"""Helpers of the duties scenarios (incidents, reports, interviews) over HTTP."""

from __future__ import annotations

from datetime import date

from infra.clock import TickReport, tick
from tests.support import facility_payload

USCC = "91350100M000100Y43"
OTHER = "91110000802100433B"
REGION = "140502"  # the civil-affairs test actor is the city bureau MZJ-140500


def settle(client) -> None:
    """Wait until every view (and the policy processes' own commands) caught up with the log."""
    container = client.container
    while True:
        head = container.app.recorder.max_notification_id() or 0
        assert container.wait_for(head, timeout=10)
        if (container.app.recorder.max_notification_id() or 0) == head:
            return


def at(client, day: str) -> None:
    client.container.clock.set(date.fromisoformat(day))


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def register(client, uscc: str = USCC, on: str = "2025-01-06", **profile) -> None:
    r = client.post(
        "/api/v1/facilities", facility_payload(uscc=uscc, region_code=REGION, occurred_on=on, **profile)
    )
    assert r.status_code == 201, r.json


def track_reports_from(client, year: int = 2025) -> None:
    """As `ELDERCARE_DUTY_REPORTS_FROM=<year>` makes the composition root do: missing reports are
    tracked from the city's go-live year (unset, the clock marks no report missing)."""
    app = client.container.app
    app.duty_report_policy = app.duty_report_policy.tracking_from(year)


def run_clock(client, day: str) -> TickReport:
    at(client, day)
    report = tick(client.container)
    settle(client)
    assert report.failed == [], report.failed
    return report


def events(client, prefix: str, uscc: str = USCC) -> list[dict]:
    settle(client)
    history = client.get(f"/api/v1/facilities/{uscc}/events", as_="civil_affairs").json
    return [h for h in history if h["event_type"].startswith(prefix)]


def listings_of(client, uscc: str = USCC) -> list[dict]:
    settle(client)
    r = client.get(f"/api/v1/credit/listings?uscc={uscc}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return r.json["items"]


def rating_points(client, uscc: str = USCC, as_of: str | None = None) -> list[dict]:
    settle(client)
    query = f"?as_of={as_of}" if as_of else ""
    r = client.get(f"/api/v1/facilities/{uscc}/rating{query}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return r.json["points"]
