"""Read model: every event that names a facility (`uscc`), in order — its full history.

Generic on purpose: any aggregate whose events carry `uscc` appears without code here. Sealed
personal data (`*_sealed` fields) is never copied in.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Text, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, _plain

_NOT_PAYLOAD = {
    "originator_id", "originator_version", "originator_topic", "timestamp", "occurred_on", "actor", "source"
}


def public_payload(event: Any) -> dict[str, Any]:
    """The event's own fields without provenance and without any sealed personal data."""
    state = vars(event)
    return {k: state[k] for k in _payload_keys(tuple(state))}


def _payload_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Those of an event's attribute names (in their order) that `public_payload` keeps; remembered
    per distinct tuple of names (a few per event class: events decoded from older states may lack
    newer fields), so a rebuild tests each name once rather than once per event."""
    found = _PAYLOAD_KEYS.get(keys)
    if found is None:
        if len(_PAYLOAD_KEYS) >= 4096:  # bounded whatever the events look like
            _PAYLOAD_KEYS.clear()
        found = _PAYLOAD_KEYS[keys] = tuple(
            k for k in keys if k not in _NOT_PAYLOAD and not k.endswith("_sealed") and not k.startswith("_"))
    return found


_PAYLOAD_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}
#: the payload column's JSON (sorted keys, UTF-8 as is); one encoder, not one per event as `json.dumps` builds
payload_json = json.JSONEncoder(default=_plain, ensure_ascii=False, sort_keys=True).encode


def event_type(event: Any) -> str:
    return type(event).__qualname__


class TimelineView(View):
    name = "timeline"

    def define_tables(self, metadata: MetaData) -> None:
        self.entries = Table(
            "facility_timeline",
            metadata,
            Column("aggregate_id", String(36), primary_key=True),
            Column("version", Integer, primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("event_type", String(120), nullable=False),
            Column("occurred_on", Date),
            Column("recorded_at", DateTime(timezone=True), nullable=False),
            Column("actor_user", String(100)),
            Column("actor_agency", String(100)),
            Column("actor_role", String(32)),
            Column("source", String(100)),
            Column("payload", Text, nullable=False),
        )

    def history(self, uscc: str, limit: int = 1000) -> list[dict[str, Any]]:
        """A facility's entries, oldest first: [{aggregate_id, version, event_type, ..., payload}]."""
        t = self.entries
        return self._entries(select(t).where(t.c.uscc == uscc)
                             .order_by(t.c.recorded_at, t.c.aggregate_id, t.c.version).limit(limit))

    def of_aggregate(self, aggregate_id: str) -> list[dict[str, Any]]:
        """One aggregate's entries (a complaint, a fire case, ...) by version, same shape as `history`."""
        t = self.entries
        return self._entries(select(t).where(t.c.aggregate_id == aggregate_id).order_by(t.c.version))

    def _entries(self, query: Any) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            rows = conn.execute(query).all()
        return [{**row._mapping, "payload": json.loads(row.payload)} for row in rows]


class TimelineProjection(ViewProjection[TimelineView]):
    name = "timeline"
    view_class = TimelineView
    filter_topics = False

    def apply_any(self, event: Any, session: Session) -> None:
        uscc = getattr(event, "uscc", None)
        if not uscc:
            return
        actor = getattr(event, "actor", None)
        self.buffer(session, self.view.entries).insert_new({
            "aggregate_id": str(event.originator_id),
            "version": event.originator_version,
            "uscc": uscc,
            "event_type": event_type(event),
            "occurred_on": getattr(event, "occurred_on", None),
            "recorded_at": event.timestamp,
            "actor_user": getattr(actor, "user", None),
            "actor_agency": getattr(actor, "agency", None),
            "actor_role": getattr(actor, "role", None),
            "source": getattr(event, "source", None),
            "payload": payload_json(public_payload(event)),
        })
