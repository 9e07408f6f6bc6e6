"""`GET /api/v1/public/changes?since=<cursor>`: every public change in order, for disclosure platforms.

A change is one event of the public record — a facility's registry entry (备案, change, 退出), an
official grade, a published spot-check result (一公开), a joint-punishment or key-attention list entry
or exit, and the public supervision rating each public fact that can cost points changes (a published
result, a fire hazard or an overdue rectification, a prepaid-fee cap exceeded, a concluded complaint,
a list entry or exit) — read from the event store in notification order. One event may make two
changes (a published result is a `result` and a `rating` change); they share the event's id and are
never split across pages. The notification id is the cursor: `since=N` answers the
changes after notification N, at most `limit` of them, and `next` is the cursor to ask with next time.
Positions never move, so a poller that stores `next` misses nothing and sees nothing twice.

Each change carries the **current** public record it concerns, rendered by its public shape
(`FacilityPublic`, `GradePublic`, `SpotCheckResultPublic`, `ListEntryPublic`, `RatingPublic`): a mirror
keeps the last
record per (`kind`, `key`) and, for list exits, the `ended_on` date. The feed never runs ahead of the
views: it stops at the position every view it reads has processed, so a record is never older than its
change. Responses carry a strong `ETag` (a digest of the body); `If-None-Match` with it answers 304.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from eventsourcing.utils import get_topic
from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from projections.optional_events import (
    COMPLAINT_CONCLUDED,
    FIRE_HAZARD_FOUND,
    FIRE_RECTIFICATION_OVERDUE,
    PREPAID_CAP_EXCEEDED,
)
from supervision.api.commands import services
from supervision.commands.fields import QueryInt
from supervision.commands.fields import page_size as _page_size
from supervision.domain.errors import InvalidValue
from supervision.domain.facility import Facility
from supervision.domain.listing import Listing
from supervision.domain.spot_check import Inspection
from supervision.public.base import IsoDate, PublicShape, why
from supervision.public.shapes import GradePublic, ListEntryPublic, RatingPublic, SpotCheckResultPublic
from supervision.web import sources
from supervision.web.rating import public_rating

blp = Blueprint("public_changes", __name__, url_prefix="/api/v1/public",
                description="公示变更: every public change in order, for disclosure platforms")

#: event type → the kinds of public record it changes
KINDS: dict[type, tuple[str, ...]] = {
    Facility.Registered: ("facility",),
    Facility.ProfileChanged: ("facility",),
    Facility.Closed: ("facility",),
    Facility.GradeAssessed: ("grade",),
    Inspection.ResultPublished: ("result", "rating"),
    Listing.Listed: ("list_entry", "rating"),
    Listing.Removed: ("list_exit", "rating"),
    **{cls: ("rating",) for cls in (*FIRE_HAZARD_FOUND, *FIRE_RECTIFICATION_OVERDUE, *PREPAID_CAP_EXCEEDED,
                                    *COMPLAINT_CONCLUDED)},
}
TOPICS = tuple(get_topic(cls) for cls in KINDS)
#: the views a record is read from: the feed stops at the lowest position among them
VIEWS = ("facility_list", "grades", "spot_checks", "credit_lists", "supervision_rating", "fire_safety",
         "complaints")
PUBLIC_LIST_KINDS = ("joint_punishment", "key_attention")


class ChangePublic(PublicShape):
    """One public change: where it sits in the log, what it changed, and that record as it is now."""

    id = fields.Integer(metadata=why("the change's position (notification id): the cursor"))
    kind = fields.String(metadata=why("facility | grade | result | list_entry | list_exit | rating"))
    event = fields.String(metadata=why("the event type, as on the public topics"))
    key = fields.String(metadata=why("the record's key: USCC (facility, grade, rating), campaign/USCC, "
                                     "or the listing id (public on the list topics)"))
    uscc = fields.String(metadata=why("统一社会信用代码 of the facility concerned"))
    occurred_on = IsoDate(allow_none=True, metadata=why("the date of the public fact"))
    ended_on = IsoDate(allow_none=True, metadata=why("list exit: the first day the listing is no longer "
                                                     "in force (as the public list answers)"))
    record = fields.Raw(allow_none=True, metadata=why("the current public record, already rendered by "
                                                      "its shape (FacilityPublic, GradePublic, "
                                                      "SpotCheckResultPublic, ListEntryPublic, "
                                                      "RatingPublic as of today)"))


class ChangesPagePublic(PublicShape):
    since = fields.Integer(metadata=why("the cursor asked with"))
    next = fields.Integer(metadata=why("the cursor to ask with next (the last position examined)"))
    more = fields.Boolean(metadata=why("whether changes after `next` are already available"))
    items = fields.List(fields.Nested(ChangePublic), metadata=why("the changes, in order"))


class ChangesArgs(Schema):
    class Meta:
        unknown = "raise"

    since = QueryInt(min=0, max=2**62, load_default=0,
                     metadata={"description": "cursor: the `next` of the previous page (0: from the start)"})
    limit = _page_size(metadata={"description": "at most this many changes (1–500, default 50)"})


def _record(svc: Any, kind: str, event: Any, today: date) -> tuple[str, dict[str, Any] | None, Any] | None:
    """(key, shaped record, ended_on) of one change; None when the event changes nothing public
    (a listing of an unpublished list, an exit of a listing never in force)."""
    uscc = event.uscc
    if kind == "rating":
        if isinstance(event, Listing.Listed | Listing.Removed):
            listing = svc.view("credit_lists").get(str(event.originator_id))
            if (listing is None or listing["list_kind"] not in PUBLIC_LIST_KINDS
                    or not listing.get("effective_on")):
                return None
        return uscc, RatingPublic.render(public_rating(svc, uscc, today)), None
    if kind == "facility":
        return uscc, sources.facility(svc, uscc), None
    if kind == "grade":
        return uscc, GradePublic.render(svc.view("grades").grade(uscc, today)), None
    if kind == "result":
        key = f"{event.campaign_id}/{uscc}"
        items, _ = svc.view("spot_checks").public_results(uscc=uscc, campaign_id=str(event.campaign_id),
                                                          page=1, page_size=1)
        if not items:
            return None
        row = svc.view("facility_list").get(uscc)
        items[0]["facility_name"] = row["name"] if row else None
        return key, SpotCheckResultPublic.render(items[0]), None
    from projections.credit_lists import CreditListsView

    listing = svc.view("credit_lists").get(str(event.originator_id))
    if listing is None or listing["list_kind"] not in PUBLIC_LIST_KINDS or not listing.get("effective_on"):
        return None
    if kind == "list_entry":
        return listing["listing_id"], ListEntryPublic.render(CreditListsView.public_entry(listing)), None
    return listing["listing_id"], None, event.ended_on


def changes_page(svc: Any, since: int, limit: int) -> dict[str, Any]:
    """The page after `since`: at most `limit` public changes, never beyond what the views processed."""
    app = svc.app
    newest = app.recorder.max_notification_id() or 0
    if since > newest:  # a cursor this feed never gave: following it would skip every change to come
        raise InvalidValue("since", f"is beyond the newest change ({newest}); use a cursor this feed "
                                    "returned as `next`, or 0 to start again")
    head = min((svc.view(name).max_tracking_id(app.name) or 0) for name in VIEWS)
    today = svc.clock()
    items: list[dict[str, Any]] = []
    position = since
    while len(items) < limit and position < head:
        asked = limit - len(items)
        page = app.recorder.select_notifications(start=position + 1, limit=asked, stop=head, topics=TOPICS)
        full = False
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            made = []
            for kind in KINDS[type(event)]:
                found = _record(svc, kind, event, today)
                if found is None:
                    continue
                key, record, ended_on = found
                made.append({"id": notification.id, "kind": kind, "event": type(event).__qualname__,
                             "key": key, "uscc": event.uscc, "occurred_on": event.occurred_on,
                             "ended_on": ended_on, "record": record})
            if items and len(items) + len(made) > limit:
                full = True  # the event's changes go together, on the next page
                break
            position = notification.id
            items.extend(made)
        if full:
            break
        if len(page) < asked:
            position = head  # nothing public between the last change and what the views processed
    # stopped by `limit` before the views' position: there may be more (asking again costs nothing)
    more = position < head
    return {"since": since, "next": position, "more": more, "items": items}


@blp.route("/changes")
@blp.arguments(ChangesArgs, location="query", as_kwargs=True)
@blp.response(200, ChangesPagePublic)
@blp.alt_response(304, description="unchanged since the ETag sent in If-None-Match")
def changes(since: int, limit: int) -> Any:
    """Every public change after the cursor, in order (facility, grade, published result, list entry
    and exit), each with its current public record; `ETag` / `If-None-Match` → 304."""
    body = ChangesPagePublic.render(changes_page(services(), since, limit))
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    tag = hashlib.sha256(text.encode()).hexdigest()[:32]
    asked = request.headers.get("If-None-Match", "")
    sent = [t.strip().removeprefix("W/").strip('"') for t in asked.split(",")]
    if tag in sent:
        response = Response(status=304)
    else:
        response = current_app.response_class(
            current_app.json.dumps(body), mimetype="application/json")
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-cache"
    return response
