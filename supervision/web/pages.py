"""The site's pages and downloads (Chinese, server-rendered, no login, no script).

| path | what |
| --- | --- |
| `/` | search by name, USCC or region code (prefix); facilities per district |
| `/facilities/<uscc>` | registry, grade, rating with its points, fire safety, results, lists, timeline |
| `/lists/<name>` | blacklist, joint-punishment or key-attention in force on a date, masked persons |
| `/lists/<name>.csv`, `.xlsx` | the same rows as files (CSV: UTF-8 with BOM), `?as_of=` |
| `/campaigns/<id>` | one campaign's published 双随机 results, with a link to its draw verification |
| `/campaigns/<id>/draw` | the draw's verification: commitment, revealed seed, snapshot, re-run result |
| `/overview` | district overview: charts (inline SVG) with their data tables, `?region_code=&as_of=` |
| `/data-dictionary` | every downloadable column, from the shapes' field docs |

Query parameters are declared per page (`accepts`), so the API's door refuses undeclared ones as it
does for the API; a bad value answers a Chinese 422 page, an unknown facility or list a 404 page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from supervision.api.commands import services
from supervision.commands.fields import QueryInt, region_prefix
from supervision.domain.errors import InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.public.shapes import AgencyNamePublic
from supervision.web import charts, downloads, draws, facility_page, overview, sources
from supervision.web.columns import LISTS, columns
from supervision.web.words import FIRE_STATUSES, HAZARD_CATEGORIES, LIST_KINDS, word

blp = Blueprint("site", __name__, template_folder="templates", static_folder="static",
                static_url_path="/site-static")

PAGE_SIZE = 20

#: registry codes in words (the codes are the public values; these are their Chinese names)
VOCABULARIES = {"hazard": HAZARD_CATEGORIES, "fire_status": FIRE_STATUSES, "list_kind": LIST_KINDS}


@blp.app_template_filter("words")
def words(code: str | None, vocabulary: str = "") -> str:
    """A code in Chinese (`private` → 民办, `words('hazard')` for hazard categories); unknown codes as
    they are."""
    return word(code, VOCABULARIES.get(vocabulary))


@blp.app_template_filter("agency")
def agency(code: str | None) -> str:
    """An agency's code as the public reads it: `晋城市民政局（MZJ-140500）` when the agencies
    registry knows the code, the code as it is otherwise, `—` for none. Agencies are public bodies:
    their names are public (`AgencyNamePublic`; the registry is read once per page, `flask.g`)."""
    if not code:
        return "—"
    names: dict[str, str] | None = g.get("agency_names")
    if names is None:  # through the agency's public shape (allow-list): code and name only
        shown = AgencyNamePublic.render_many(services().view("agencies").search("", None))
        names = g.agency_names = {a["code"]: a["name"] for a in shown}
    name = names.get(code)
    return f"{name}（{code}）" if name else code


class SearchArgs(Schema):
    class Meta:
        unknown = "raise"

    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "机构名称、统一社会信用代码或行政区划代码（前缀）"})
    page = QueryInt(min=1, max=100_000, load_default=1)


class AsOfArgs(Schema):
    class Meta:
        unknown = "raise"

    as_of = fields.Date(load_default=None, metadata={"description": "截至日期 YYYY-MM-DD（默认今天）"})
    region_code = region_prefix(load_default="", metadata={"description": "行政区划代码或其前缀（可选）"})


class NoArgs(Schema):
    class Meta:
        unknown = "raise"


def accepts(schema: type[Schema]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a page's query parameters the way flask-smorest does (`_apidoc`), so the app's door
    (`declared_query_parameters`) knows them; the page reads them with `args(schema)`."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view._apidoc = {"arguments": {"parameters": [{"in": "query", "schema": schema}]}}  # type: ignore[attr-defined]
        return view

    return mark


class PageError(Exception):
    def __init__(self, status: int, title: str, problems: dict[str, list[str]] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.problems = status, title, problems or {}


def args(schema: type[Schema]) -> dict[str, Any]:
    try:
        # an empty field of a GET form means "not given"
        return schema().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as e:
        raise PageError(422, "查询参数有误", {k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
                                         for k, v in e.normalized_messages().items()}) from None


@blp.app_errorhandler(PageError)
def _page_error(error: PageError) -> Any:
    return render_template("error.html", error=error), error.status


def _today() -> date:
    return services().clock()


def _list_name(name: str) -> str:
    if name not in LISTS:
        raise PageError(404, "没有这个名单", {"name": [f"可选：{'、'.join(LISTS)}"]})
    return name


@blp.get("/")
@accepts(SearchArgs)
def home() -> Any:
    """Search and per-district counts."""
    a = args(SearchArgs)
    q = a["q"].strip()
    svc = services()
    results: list[dict[str, Any]] | None = None
    total = 0
    if q:
        try:
            code = validate_uscc(q)
        except InvalidValue:
            code = None
        if code is not None:
            if sources.facility(svc, code) is not None:
                return redirect(url_for("site.facility", uscc=code))
            results = []
        elif q.isdigit() and len(q) <= 6:
            results, total = sources.search(svc, name=None, region_code=q, page=a["page"],
                                            page_size=PAGE_SIZE)
        else:
            results, total = sources.search(svc, name=q, region_code=None, page=a["page"],
                                            page_size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("home.html", q=q, results=results, total=total, page=a["page"], pages=pages,
                           districts=sources.district_counts(svc), lists=LISTS)


@blp.get("/facilities/<string:uscc>")
@accepts(NoArgs)
def facility(uscc: str) -> Any:
    args(NoArgs)
    try:
        code = validate_uscc(uscc)
    except InvalidValue:
        raise PageError(404, "没有这家机构", {"uscc": ["不是有效的统一社会信用代码"]}) from None
    today = _today()
    parts = facility_page.read(services(), code, today)
    if parts is None:
        raise PageError(404, "没有这家机构", {"uscc": [f"{code} 未备案"]})
    return render_template("facility.html", today=today.isoformat(), **parts)


@blp.get("/lists/<string:name>")
@accepts(AsOfArgs)
def credit_list(name: str) -> Any:
    name = _list_name(name)
    a = args(AsOfArgs)
    as_of = a["as_of"] or _today()
    title, _, about = LISTS[name]
    rows = sources.list_rows(services(), name, as_of, a["region_code"])
    return render_template("list.html", name=name, title=title, about=about, rows=rows,
                           as_of=as_of.isoformat(), region_code=a["region_code"], lists=LISTS)


@blp.get("/lists/<string:name>.<any(csv, xlsx):fmt>")
@accepts(AsOfArgs)
def download(name: str, fmt: str) -> Response:
    name = _list_name(name)
    a = args(AsOfArgs)
    as_of = a["as_of"] or _today()
    title, shape, _ = LISTS[name]
    rows = sources.list_rows(services(), name, as_of, a["region_code"])
    cols = columns(shape)
    scope = f"-{a['region_code']}" if a["region_code"] else ""
    filename = f"{name}{scope}-{as_of.isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = downloads.to_csv(cols, rows), "text/csv"  # Flask adds "; charset=utf-8"
    else:
        body = downloads.to_xlsx(cols, rows, title=f"{title}（截至 {as_of.isoformat()}）")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-cache"})


class PageArgs(Schema):
    class Meta:
        unknown = "raise"

    page = QueryInt(min=1, max=100_000, load_default=1)


@blp.get("/campaigns/<uuid:campaign_id>")
@accepts(PageArgs)
def campaign(campaign_id: Any) -> Any:
    """双随机 results of one campaign, as published; the draw's public record is linked (JSON)."""
    page = args(PageArgs)["page"]
    results, total = sources.campaign_results(services(), str(campaign_id), page, PAGE_SIZE)
    if total == 0:
        raise PageError(404, "该抽查活动尚无公示结果", {"campaign_id": [str(campaign_id)]})
    return render_template("campaign.html", campaign_id=str(campaign_id), results=results, total=total,
                           page=page, pages=max(1, -(-total // PAGE_SIZE)))


@blp.get("/campaigns/<uuid:campaign_id>/draw")
@accepts(NoArgs)
def draw(campaign_id: Any) -> Any:
    """The draw's verification, re-run here on the public record (`supervision.web.draws`)."""
    args(NoArgs)
    checked = draws.verification(services(), str(campaign_id))
    if checked is None:
        raise PageError(404, "没有这个抽查活动", {"campaign_id": [str(campaign_id)]})
    return render_template("draw.html", d=checked)


class OverviewArgs(AsOfArgs):
    pass


@blp.get("/overview")
@accepts(OverviewArgs)
def district_overview() -> Any:
    """Charts of a district (or all): public ratings, grades, overdue publications, complaints."""
    a = args(OverviewArgs)
    as_of = a["as_of"] or _today()
    data = overview.figures(services(), a["region_code"], as_of)
    month_counts = {(r["month"], r["key"]): r["count"] for r in data["overdue_publications"]}
    complaint_counts = {(r["month"], r["key"]): r["count"] for r in data["complaints"]}
    series = list(dict.fromkeys((r["key"], r["label"]) for r in data["complaints"]))
    scope = f"（区划 {a['region_code']}）" if a["region_code"] else "（全部区划）"
    svg = {
        "ratings": charts.bars("c-ratings", f"监管评级分布{scope}",
                               [(r["label"], r["count"]) for r in data["ratings"]]),
        "grades": charts.bars("c-grades", f"等级评定分布{scope}",
                              [(r["label"], r["count"]) for r in data["grades"]]),
        "overdue": charts.stacked("c-overdue", f"抽查结果逾期公示（按公示期限所在月）{scope}", data["months"],
                                  list(overview.OVERDUE_LABELS.items()), month_counts),
        "complaints": charts.stacked("c-complaints", f"已办结投诉（按办结月份和类别）{scope}", data["months"],
                                     series, complaint_counts),
    }
    return render_template("overview.html", o=data, svg=svg, series=series, month_counts=month_counts,
                           complaint_counts=complaint_counts,
                           overdue_series=list(overview.OVERDUE_LABELS.items()),
                           as_of=as_of.isoformat(), region_code=a["region_code"],
                           districts=sources.district_counts(services()))


@blp.get("/data-dictionary")
@accepts(NoArgs)
def data_dictionary() -> Any:
    args(NoArgs)
    tables = [(name, title, about, columns(shape)) for name, (title, shape, about) in LISTS.items()]
    return render_template("dictionary.html", tables=tables, lists=LISTS)
