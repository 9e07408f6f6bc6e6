"""`/healthz`: is the store up, how far behind is each view, and what did a pipeline step over.

Shape (HTTP 200; 503 with the usual error body when the database cannot be reached, saying "a
configuration problem" when its server refuses the configuration, e.g. a database that does not exist)::

    {"status": "ok" | "degraded",
     "store": "up",
     "head": 1234,                                   # last notification id in the event store
     "views": {"facility_list": {"position": 1234, "head": 1234, "lag": 0}, ...},
     "relay": {"position": 1234, "head": 1234, "lag": 0},  # with Kafka configured, once it ran
     "parked": [{"pipeline": "facility_list", "count": 1, "since": "2026-11-30T04:25:28Z"}],
     "problems": [{"what": "facility_list: 1 item(s) parked", "since": "2026-11-30T04:25:28Z"},
                  {"what": "timeline: 5000 notifications behind", "since": null},
                  {"what": "grades: stalled: notification 1200 waiting 312 s", "since": "2026-11-30T04:20Z"},
                  {"what": "grades: failing: OperationalError: ...", "since": null},
                  {"what": "timeline: failing: a configuration problem: database misconfigured: ...",
                   "since": null},
                  {"what": "relay: refuses to publish: the relay published notifications 1–1234 under "
                           "the topic prefix 'eldercare', but ELDERCARE_TOPIC_PREFIX is ...", "since": null}]}

"degraded" whenever `problems` is not empty: an item is parked (any pipeline: views, policy
processes, the relay, inbound consumers), a view lags by more than `LAG_DEGRADED` notifications,
a view has left the oldest notification it has not applied waiting longer than `STALL_SECONDS` (a hung
or stopped worker shows here even when the lag is one event), a view's runner in this process last
failed, or — with Kafka configured — the relay lags by more than `LAG_DEGRADED`, leaves a notification
unpublished longer than `STALL_SECONDS`, or refuses to publish (a changed topic prefix, a store behind it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.failures import AHEAD_KEY, REBUILD_CURE, AheadOfStore
from projections.parked import parked_store
from supervision.unavailable import StoreMisconfigured, as_unavailable

#: a view further behind the head than this many notifications makes the service "degraded"
LAG_DEGRADED = 1000
#: a view whose oldest unapplied notification has waited longer than this (seconds) is "stalled",
#: unless the settings say otherwise (`ELDERCARE_HEALTH_STALL_S`)
STALL_SECONDS = 120.0


def _stored_at(services: Any, position: int, memo: dict[int, datetime | None]) -> datetime | None:
    """When the first notification after `position` was stored (its event's timestamp, UTC)."""
    if position not in memo:
        page = services.app.recorder.select_notifications(start=position + 1, limit=1)
        memo[position] = services.app.mapper.to_domain_event(page[0]).timestamp if page else None
    return memo[position]


def _stall_seconds(services: Any) -> float:
    return float(getattr(getattr(services, "settings", None), "health_stall_s", STALL_SECONDS))


def _stall(services: Any, name: str, position: int,
           memo: dict[int, datetime | None]) -> dict[str, Any] | None:
    try:
        since = _stored_at(services, position, memo)
    except Exception:  # an undecodable event is the runner's to park; health only reports
        return None
    if since is None:
        return None
    waited = (datetime.now(UTC) - since).total_seconds()
    if waited <= _stall_seconds(services):
        return None
    return {"what": f"{name}: stalled: notification {position + 1} waiting {waited:.0f} s",
            "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def health(services: Any) -> dict[str, Any]:
    head = services.app.recorder.max_notification_id() or 0
    views: dict[str, dict[str, int]] = {}
    problems: list[dict[str, Any]] = []
    memo: dict[int, datetime | None] = {}
    refusals = {item.pipeline: item.error_message  # found ahead of the store earlier: still refused
                for item in parked_store(services.datastore.engine).with_key(AHEAD_KEY)}
    for name in services.projections:
        position = services.view(name).max_tracking_id(services.app.name) or 0
        lag = max(head - position, 0)
        views[name] = {"position": position, "head": head, "lag": lag}
        ahead = _ahead(services, name, position, head, REBUILD_CURE, refusals.get(name))
        if ahead is not None:
            problems.append(ahead)
        elif lag > LAG_DEGRADED:
            problems.append({"what": f"{name}: {lag} notifications behind", "since": None})
        stalled = _stall(services, name, position, memo) if lag else None
        if stalled:
            problems.append(stalled)
    service = getattr(services, "projection_service", None)
    for runner in getattr(service, "runners", None) or []:
        error = getattr(runner, "error", None)
        if error is not None:
            refused = as_unavailable(error)
            if isinstance(refused, StoreMisconfigured):  # retried, but only an operator can cure it
                problems.append({"what": f"{runner.name}: failing: a configuration problem: {refused}",
                                 "since": None})
                continue
            problems.append({"what": f"{runner.name}: failing: {type(error).__name__}: {str(error)[:200]}",
                             "since": None})
    relay = _relay(services, head, refusals.get("relay"))
    if relay is not None:
        problems.extend(relay.pop("problems"))
    parked = [s.as_dict() for s in parked_store(services.datastore.engine).summary()]
    problems.extend({"what": f"{p['pipeline']}: {p['count']} item(s) parked", "since": p["since"]}
                    for p in parked)
    answer = {"status": "degraded" if problems else "ok", "store": "up", "head": head, "views": views,
              "parked": parked, "problems": problems}
    if relay is not None:
        answer["relay"] = relay
    return answer


def _ahead(services: Any, name: str, position: int, head: int, cure: str,
           recorded: str | None = None) -> dict[str, Any] | None:
    """The problem of a position beyond the store's head (`AheadOfStore`), as recorded when found
    (`recorded`: new events may have brought the head past it since) or found now, or None. The
    head is read again first: a pipeline may have applied newer events since it was read."""
    if recorded is not None:
        return {"what": f"{name}: refused: {recorded}", "since": None}
    if position <= head or position <= (head := services.app.recorder.max_notification_id() or 0):
        return None
    return {"what": f"{name}: refused: {AheadOfStore(name, position, head, cure)}", "since": None}


def _relay(services: Any, head: int, recorded: str | None = None) -> dict[str, Any] | None:
    """The relay's position (when Kafka is configured) and its problems: far behind, its oldest
    unpublished notification waiting longer than the stall bound (a broker down, a relay stopped),
    or refusing to publish (a changed topic prefix, a store behind it). None without
    Kafka, or before the relay ever ran (its tables do not exist yet)."""
    settings = getattr(services, "settings", None)
    if settings is None or not getattr(settings, "kafka_bootstrap_servers", None):
        return None
    from sqlalchemy import inspect

    from consumers.relay import RESET_CURE, RelayView, destination_refusal

    view = RelayView(services.datastore)
    if not inspect(view.engine).has_table(view.destination_table.name):
        return None
    position = view.max_tracking_id(services.app.name) or 0
    lag = max(head - position, 0)
    problems = []
    refusal = destination_refusal(view, services.app.name, settings.topic_prefix)
    ahead = _ahead(services, "relay", position, head, RESET_CURE, recorded)
    if refusal is not None:
        problems.append({"what": f"relay: refuses to publish: {refusal}", "since": None})
    elif ahead is not None:
        problems.append(ahead)
    else:
        if lag > LAG_DEGRADED:
            problems.append({"what": f"relay: {lag} notifications behind", "since": None})
        # a stopped broker or relay shows here even when a handful of events wait (the topics
        # other agencies read stop while everything else is fine)
        stalled = _stall(services, "relay", position, {}) if lag else None
        if stalled:
            problems.append(stalled)
    return {"position": position, "head": head, "lag": lag, "problems": problems}
