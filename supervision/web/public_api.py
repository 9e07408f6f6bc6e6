"""Public JSON endpoints the site's facility page and district overview are built from (no login).

| path | shape |
| --- | --- |
| `GET /api/v1/public/ratings/{uscc}?as_of=` | `RatingPublic`: the rating from public facts, points in words |
| `GET /api/v1/public/fire-safety/{uscc}` | `FireSafetyStatusPublic`: open, major, overdue, sealed (now) |
| `GET /api/v1/public/overview?region_code=&as_of=` | `OverviewPublic`: the district overview's figures |

The pages call the same functions (`supervision.web.sources`), so a page equals the API's answer.
Unknown or unregistered facility → 404; a bad `as_of` → 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from supervision.api.commands import services
from supervision.commands.fields import region_prefix
from supervision.domain.errors import FacilityNotFound, InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.public.shapes import FireSafetyStatusPublic, OverviewPublic, RatingPublic
from supervision.web import overview, sources
from supervision.web.rating import public_rating

blp = Blueprint("public_site", __name__, url_prefix="/api/v1/public",
                description="公示: supervision rating with its reasons, fire safety, district overview")


class AsOfArgs(Schema):
    class Meta:
        unknown = "raise"

    as_of = fields.Date(load_default=None, metadata={"description": "answer as of this date (default today)"})


class OverviewArgs(AsOfArgs):
    region_code = region_prefix(load_default="", metadata={"description": "region code or prefix"})


class NoArgs(Schema):
    class Meta:
        unknown = "raise"


def registered(uscc: str, as_of: date | None = None) -> str:
    """The facility's USCC when registered (by `as_of`); FacilityNotFound (404) otherwise."""
    try:
        code = validate_uscc(uscc)
    except InvalidValue:
        raise FacilityNotFound(uscc) from None
    row = services().view("facility_list").get(code)
    if row is None or (as_of is not None and row.get("registered_on") and as_of < row["registered_on"]):
        raise FacilityNotFound(code)
    return code


@blp.route("/ratings/<string:uscc>")
@blp.arguments(AsOfArgs, location="query", as_kwargs=True)
@blp.response(200, RatingPublic)
def rating(uscc: str, as_of: date | None) -> dict[str, Any]:
    """The supervision rating (A–D) on a date from public facts only: every point, its date, the
    public record behind it and the fact in words; a published listing in force rates D."""
    day = as_of or services().clock()
    return public_rating(services(), registered(uscc, day), day)


@blp.route("/fire-safety/<string:uscc>")
@blp.arguments(NoArgs, location="query")
@blp.response(200, FireSafetyStatusPublic)
def fire_safety(_: dict[str, Any], uscc: str) -> dict[str, Any]:
    """Fire-safety status now: open findings (number, category, major, dates, overdue, sealed), counts."""
    return sources.fire_status_row(services(), registered(uscc))


@blp.route("/overview")
@blp.arguments(OverviewArgs, location="query", as_kwargs=True)
@blp.response(200, OverviewPublic)
def district_overview(as_of: date | None, region_code: str) -> dict[str, Any]:
    """A district's (or the whole register's) figures: public ratings, grades, overdue publications of
    spot-check results and concluded complaints by category and month."""
    return overview.figures_row(services(), region_code, as_of or services().clock())
