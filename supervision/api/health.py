"""`/healthz`: is the store up, how far behind is each view, and what did a pipeline step over.

Shape (HTTP 200; 503 with the usual error body when the database cannot be reached)::

    {"status": "ok" | "degraded",
     "store": "up",
     "head": 1234,                                   # last notification id in the event store
     "views": {"facility_list": {"position": 1234, "head": 1234, "lag": 0}, ...},
     "parked": [{"pipeline": "facility_list", "count": 1, "since": "2026-11-30T04:25:28Z"}],
     "problems": [{"what": "facility_list: 1 item(s) parked", "since": "2026-11-30T04:25:28Z"},
                  {"what": "timeline: 5000 notifications behind", "since": null},
                  {"what": "grades: failing: OperationalError: ...", "since": null}]}

"degraded" whenever `problems` is not empty: an item is parked (any pipeline: views, policy
processes, the relay, inbound consumers), a view lags by more than `LAG_DEGRADED` notifications,
or a view's runner in this process last failed.
"""

from __future__ import annotations

from typing import Any

from projections.parked import parked_store

#: a view further behind the head than this many notifications makes the service "degraded"
LAG_DEGRADED = 1000


def health(services: Any) -> dict[str, Any]:
    head = services.app.recorder.max_notification_id() or 0
    views: dict[str, dict[str, int]] = {}
    problems: list[dict[str, Any]] = []
    for name in services.projections:
        position = services.view(name).max_tracking_id(services.app.name) or 0
        lag = max(head - position, 0)
        views[name] = {"position": position, "head": head, "lag": lag}
        if lag > LAG_DEGRADED:
            problems.append({"what": f"{name}: {lag} notifications behind", "since": None})
    service = getattr(services, "projection_service", None)
    for runner in getattr(service, "runners", None) or []:
        error = getattr(runner, "error", None)
        if error is not None:
            problems.append({"what": f"{runner.name}: failing: {type(error).__name__}: {str(error)[:200]}",
                             "since": None})
    parked = [s.as_dict() for s in parked_store(services.datastore.engine).summary()]
    problems.extend({"what": f"{p['pipeline']}: {p['count']} item(s) parked", "since": p["since"]}
                    for p in parked)
    return {"status": "degraded" if problems else "ok", "store": "up", "head": head, "views": views,
            "parked": parked, "problems": problems}
