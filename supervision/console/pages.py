"""The regulator console (监管工作台): Chinese server-rendered pages under `/console`.

| path | what |
| --- | --- |
| `/console/signin` (GET, POST), `/console/signout` (POST) | token or OIDC ID token → session cookie |
| `/console/oidc/start`, `/console/oidc/callback` | OIDC authorization code + PKCE → the same session |
| `/console/` | today: due and overdue this week in the jurisdiction, each with its basis and a link to act |
| `/console/facilities` | facilities in the jurisdiction |
| `/console/facilities/<uscc>` | profile, grade, rating points, timeline, open cases and actions |
| `/console/campaigns`, `/console/campaigns/<id>` | 双随机 campaigns: commitment, seed, verification |
| `/console/complaints`, `/console/complaints/<id>` | the inbox; a complaint with its identity-reveal audit |
| `/console/complaints/<id>/identity` (GET, POST) | the audited reveal: a reason, the identity once |
| `/console/imports` (GET, POST), `…/<job>`, `…/<job>/step` (POST), `…/<job>/rejects.jsonl` | bulk import |
| `/console/act/<command>` (GET, POST) | the command's form (from its API schema), prefilled from the query |

Every read goes through the API's scoping helpers with the signed-in regulator's credential, and
every write through the dispatcher (role → schema → jurisdiction → application), as the API does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import Schema, ValidationError, validate
from marshmallow import fields as mfields
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from supervision.api import security
from supervision.api.errors import Unauthorized
from supervision.api.spot_checks import hide_undisclosed_draws, redact_campaign
from supervision.application import Context
from supervision.console import deadlines, imports
from supervision.console import oidc as console_oidc
from supervision.console import session as console_session
from supervision.console.forms import build_fields, payload_from_form
from supervision.console.messages import field_label, field_root, translate
from supervision.console.previews import cap_warnings
from supervision.console.words import CHOICE_WORDS, RATING_FACTS, ROLE_WORDS, rating_detail
from supervision.domain.complaint import CATEGORIES, STATUSES
from supervision.domain.errors import DomainError, InvalidCommand, InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.idempotency import HEADER as IDEMPOTENCY_HEADER
from supervision.idempotency import idempotent, normalise_key

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                static_folder="static", static_url_path="/static")
csrf = CSRFProtect()


#: the commands the console offers: name → Chinese title
COMMANDS: dict[str, str] = {
    "register_facility": "养老机构备案", "change_facility_profile": "变更备案信息",
    "assess_facility_grade": "记录等级评定", "certify_inspector": "检查人员入库",
    "plan_spot_check_campaign": "制定双随机抽查计划", "commit_spot_check_seed": "生成并承诺随机种子",
    "draw_spot_check": "抽取检查对象和检查人员", "record_spot_check_result": "录入检查结果",
    "publish_spot_check_result": "公示检查结果",
    "record_fire_finding": "记录消防隐患", "order_rectification": "责令限期整改",
    "report_rectification": "记录整改报告", "verify_rectification": "复查合格",
    "reject_rectification": "复查不合格", "seal_premises": "临时查封", "unseal_premises": "解除查封",
    "record_penalty_decision": "记录行政处罚决定", "propose_listing": "提出列入名单",
    "serve_listing_notice": "书面告知（异议期开始）", "file_listing_objection": "登记异议",
    "decide_listing_objection": "作出异议决定", "confirm_listing": "异议期满，确认列入",
    "register_complaint": "登记投诉", "acknowledge_complaint": "告知受理", "assign_complaint": "交办",
    "conclude_complaint": "办结", "close_complaint": "关闭",
    "record_prepayment": "登记预收费用", "record_refund": "登记退费",
    "record_refund_due": "登记应退费用", "record_custody_deposit": "登记资金存管（监管账户、风险保证金）",
    "report_incident": "登记事故报告", "classify_incident": "调整事故类别和等级",
    "open_incident_investigation": "启动事故调查", "find_incident_responsibility": "作出事故责任认定",
    "repair_listing_credit": "信用修复（提前移出）", "remove_listing": "撤回提出或移出名单",
    "revoke_penalty_decision": "撤销处罚决定", "close_facility": "退出（注销）",
}


PREPAID_COMMANDS = ("record_prepayment", "record_refund", "record_refund_due", "record_custody_deposit")


def _declare(names: set[str]) -> type[Schema]:
    """The query parameters of the command forms (prefills), declared for the app's door."""
    return Schema.from_dict({n: mfields.String() for n in sorted(names)}, name="ConsolePrefill")


def accepts(schema: type[Schema]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a page's query parameters as flask-smorest does (`_apidoc`): the app's door refuses
    any other (422)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view._apidoc = {"arguments": {"parameters": [{"in": "query", "schema": schema}]}}  # type: ignore[attr-defined]
        return view

    return mark


class NoArgs(Schema):
    pass


def services() -> Any:
    from flask import current_app

    return current_app.extensions["eldercare"]


def actor_context() -> Context:
    ctx = security.context()
    return Context(actor=ctx.actor, source="console")


def today() -> Any:
    return services().clock()


def root_roles(command: str) -> tuple[str, ...]:
    return tuple(services().dispatcher.spec(command).roles)


def may_issue(command: str) -> bool:
    """Whether the signed-in role may issue `command` (the dispatcher's role check, nothing else)."""
    try:
        services().dispatcher.authorize(command, actor_context())
    except DomainError:
        return False
    return True


# -- session, CSRF, errors ---------------------------------------------------------------------------
@blp.before_request
def _session_and_csrf() -> Any:
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in ("console.signin", "console.static", "console.oidc_start",
                            "console.oidc_callback"):
        return None
    if not console_session.present_credential():
        return redirect(url_for("console.signin"))
    try:
        g.console_actor = security.current_actor()
        g.console_agency = security.actor_agency_record()
    except Unauthorized:
        console_session.sign_out()
        flash("登录已失效（令牌已吊销或过期），请重新登录。", "error")
        return redirect(url_for("console.signin"))
    return None


@blp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; "
                                                   "style-src 'self'; frame-ancestors 'none'")
    return response


@blp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> Any:
    return render_template("console/error.html", title="表单已失效",
                           message="表单的安全令牌缺失或已过期（CSRF），请返回重新提交。", status=400), 400


@blp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    return render_template("console/error.html", title="未找到", message="没有这个页面、机构或任务。",
                           status=404), 404


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Any:
    limit = request.max_content_length or 0
    message = f"上传的内容超过 {limit // (1024 * 1024)} MiB（{limit} 字节）的上限，未保存。"
    return render_template("console/error.html", title="文件过大", message=message,
                           status=413), 413


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Any:
    status = {"invalid": 422, "conflict": 409, "not_found": 404, "forbidden": 403}.get(error.category, 422)
    titles = {403: "无权访问", 404: "未找到", 409: "与当前状态冲突", 422: "输入有误"}
    return render_template("console/error.html", title=titles.get(status, "错误"), message=error.message,
                           fields=error.fields, status=status), status


@blp.app_template_filter("zh")
def _zh(message: Any) -> str:
    """A message of the system in Chinese (`messages.translate`; unknown ones as they are)."""
    return translate(message)


@blp.app_template_filter("field_label")
def _field_label(key: str) -> str:
    return field_label(key)


@blp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"role_words": ROLE_WORDS, "command_titles": COMMANDS, "choice_words": CHOICE_WORDS,
            "rating_facts": RATING_FACTS}


@blp.app_template_filter("rating_detail")
def _rating_detail(detail: Any) -> str:
    return rating_detail(str(detail))


# -- sign-in ----------------------------------------------------------------------------------------
@blp.route("/signin", methods=["GET", "POST"])
@accepts(NoArgs)
def signin() -> Any:
    """Exchange a bearer token (or an OIDC ID token) for a session."""
    oidc = getattr(services().tokens, "oidc", None) is not None
    code_flow = console_oidc.settings() is not None
    if request.method == "POST":
        actor = console_session.sign_in(request.form.get("token", ""))
        if actor is not None:
            return redirect(url_for("console.today"))
        return render_template("console/signin.html", oidc=oidc, code_flow=code_flow,
                               error="令牌无效、已过期或已吊销。"), 401
    return render_template("console/signin.html", oidc=oidc, code_flow=code_flow, error=None)


def _oidc_refused(refusal: console_oidc.Refusal) -> Any:
    return render_template("console/signin.html", oidc=True, code_flow=True,
                           error=refusal.message), refusal.status


@blp.route("/oidc/start")
@accepts(NoArgs)
def oidc_start() -> Any:
    """使用统一身份认证登录: 302 to the provider's authorization endpoint (state, nonce, PKCE S256)."""
    s = console_oidc.settings()
    if s is None:
        abort(404)
    try:
        return redirect(console_oidc.begin(s))
    except console_oidc.Refusal as refusal:
        return _oidc_refused(refusal)


class OidcCallbackArgs(Schema):
    code = mfields.String(validate=validate.Length(max=4096))
    state = mfields.String(validate=validate.Length(max=512))
    error = mfields.String(validate=validate.Length(max=256))
    error_description = mfields.String(validate=validate.Length(max=1024))
    error_uri = mfields.String(validate=validate.Length(max=1024))
    session_state = mfields.String(validate=validate.Length(max=512))
    iss = mfields.String(validate=validate.Length(max=512))


@blp.route("/oidc/callback")
@accepts(OidcCallbackArgs)
def oidc_callback() -> Any:
    """The provider's redirect: code → ID token → the same session as a pasted ID token; else the
    sign-in page with the reason, nothing signed in."""
    try:
        console_oidc.finish({k: v for k, v in request.args.items()})
    except console_oidc.Refusal as refusal:
        return _oidc_refused(refusal)
    return redirect(url_for("console.today"))


@blp.route("/signout", methods=["POST"])
@accepts(NoArgs)
def signout() -> Any:
    """Clear the session; after an OIDC sign-in, on to the provider's end-session endpoint if any."""
    s = console_oidc.settings() if session.get("oidc") else None
    id_token = console_session.credential() if s is not None else None
    console_session.sign_out()
    end = console_oidc.end_session_url(s, id_token) if s is not None else None
    if end:
        return redirect(end)
    flash("已退出登录。", "info")
    return redirect(url_for("console.signin"))


# -- today ------------------------------------------------------------------------------------------
@blp.route("/")
@accepts(NoArgs)
def today_page() -> Any:
    return today_view()


def today_view() -> Any:
    day = today()
    items = security.scope_rows(deadlines.this_week(services(), day))
    names = _names({i["uscc"] for i in items})
    for item in items:
        item["name"] = names.get(item["uscc"], item["uscc"])
        if item.get("act"):
            command, prefill = item["act"]
            item["act_title"] = COMMANDS[command]
            if may_issue(command):
                item["act_url"] = url_for("console.act", command=command, **prefill)
            else:
                roles = root_roles(command)
                item["act_by"] = "、".join(ROLE_WORDS.get(r, r) for r in roles if r != "system")
    return render_template("console/today.html", items=items, day=day,
                           overdue=sum(1 for i in items if i["overdue"]))


blp.add_url_rule("/today", "today", today_page)


def _names(usccs: set[str]) -> dict[str, str]:
    if not usccs:
        return {}
    view = services().view("facility_list")
    t = view.facilities
    from sqlalchemy import select

    with view.engine.connect() as conn:
        rows = conn.execute(select(t.c.uscc, t.c.name).where(t.c.uscc.in_(sorted(usccs)))).all()
    return {r[0]: r[1] for r in rows}


# -- facilities -------------------------------------------------------------------------------------
class FacilitySearch(Schema):
    q = mfields.String(load_default="")


@blp.route("/facilities")
@accepts(FacilitySearch)
def facilities() -> Any:
    from projections.facility_list import FacilityQuery

    q = (request.args.get("q") or "").strip()[:100]
    query = FacilityQuery(name=q or None, page=1, page_size=200) if q and not q.isdigit() else FacilityQuery(
        region_code=q or None, page=1, page_size=200) if q else FacilityQuery(page=1, page_size=200)
    result = security.scope_page(services().view("facility_list"), query)
    return render_template("console/facilities.html", result=result, q=q)


def _facility_row(uscc: str) -> dict[str, Any]:
    try:
        code = validate_uscc(uscc)
    except DomainError:
        abort(404)
    row = services().view("facility_list").get(code)
    if row is None:
        abort(404)
    return security.require_row_jurisdiction(row, f"facility {code}")


@blp.route("/facilities/<uscc>")
@accepts(NoArgs)
def facility(uscc: str) -> Any:
    """Profile, grade, rating (every point), open cases with their actions, timeline (regulators)."""
    from projections.fire_safety import FireCaseQuery
    from supervision.api.credit import explain_facility
    from supervision.api.facilities import HISTORY_ROLES

    row = _facility_row(uscc)
    code, day, root = row["uscc"], today(), services()
    explained = explain_facility(root, code, day)
    cases, _ = root.view("fire_safety").search(FireCaseQuery(uscc=code, page=1, page_size=100))
    listings = root.view("credit_lists").history(uscc=code)
    actor = g.console_actor
    timeline = None
    if actor.role == "admin" or actor.role in HISTORY_ROLES:
        timeline = hide_undisclosed_draws(root.view("timeline").history(code, limit=200))
    return render_template("console/facility.html", f=row, x=explained, cases=cases, listings=listings,
                           timeline=timeline, day=day, incidents=_incidents(code))


def _incidents(code: str) -> list[dict[str, Any]] | None:
    """The facility's incidents for the roles the API lets read them (`incidents.READ_ROLES`)."""
    from projections.incidents import IncidentQuery
    from supervision.api.incidents import READ_ROLES

    if g.console_actor.role != "admin" and g.console_actor.role not in READ_ROLES:
        return None
    page = security.scope_page(services().view("incidents"), IncidentQuery(uscc=code, page=1, page_size=100))
    return list(page["items"])


# -- complaints inbox ------------------------------------------------------------------------------
class ComplaintFilter(Schema):
    status = mfields.String(validate=validate.OneOf(STATUSES))
    category = mfields.String(validate=validate.OneOf(CATEGORIES))
    overdue = mfields.String(validate=validate.OneOf(("true", "false")))


@blp.route("/complaints")
@accepts(ComplaintFilter)
def complaints() -> Any:
    """The inbox: complaints in the jurisdiction, newest first, each with its open deadline and the
    days left (negative: overdue). Complainants' identities are never shown here."""
    from projections.complaints import ComplaintQuery
    from supervision.api.complaints import READ_ROLES

    security.require_role(READ_ROLES, "read complaints")
    try:
        chosen = ComplaintFilter().load({k: v for k, v in request.args.items() if v})
    except ValidationError as exc:
        raise InvalidCommand("查询参数有误", exc.normalized_messages()) from None
    overdue = {"true": True, "false": False}.get(chosen.get("overdue", ""))
    query = ComplaintQuery(status=chosen.get("status"), category=chosen.get("category"), overdue=overdue,
                           page=1, page_size=200)
    result = security.scope_page(services().view("complaints"), query)
    day = today()
    for row in result["items"]:
        if row.get("acknowledged_on") is None:
            row["next_due"], row["next_kind"] = row["ack_due_on"], "告知受理"
        elif row.get("concluded_on") is None:
            row["next_due"], row["next_kind"] = row["conclude_due_on"], "办结"
        else:
            row["next_due"], row["next_kind"] = None, None
        row["days_left"] = (row["next_due"] - day).days if row["next_due"] else None
    names = _names({r["uscc"] for r in result["items"]})
    return render_template("console/complaints.html", result=result, chosen=chosen, names=names,
                           statuses=STATUSES, categories=CATEGORIES, day=day)


def _complaint_row(complaint_id: str) -> dict[str, Any]:
    """The complaint as the API's `GET /complaints/<id>` lets the caller see it (role, jurisdiction)."""
    from uuid import UUID

    from supervision.api.complaints import READ_ROLES

    security.require_role(READ_ROLES, "read complaints")
    try:
        cid = str(UUID(complaint_id))
    except ValueError:
        abort(404)
    row = services().view("complaints").get(cid)
    if row is None:
        abort(404)
    region = (services().view("facility_list").get(row["uscc"]) or {}).get("region_code")
    security.require_jurisdiction(region, f"complaint {cid}")
    return row


def _complaint_history(complaint_id: str) -> list[dict[str, Any]]:
    """The complaint's events from the timeline view (no sealed field is ever in it), oldest first;
    identity reveals carry who read it and why."""
    return services().view("timeline").of_aggregate(complaint_id)


@blp.route("/complaints/<complaint_id>")
@accepts(NoArgs)
def complaint(complaint_id: str) -> Any:
    """One complaint: deadlines, steps, and every reading of the complainant's identity (who, when,
    why). The identity itself is never shown here."""
    row = _complaint_row(complaint_id)
    history = _complaint_history(str(row["complaint_id"]))
    reveals = [e for e in history if e["event_type"].endswith("IdentityRevealed")]
    return render_template("console/complaint.html", c=row, history=history, reveals=reveals,
                           name=_names({row["uscc"]}).get(row["uscc"], row["uscc"]),
                           may_reveal=row["has_complainant"] and may_issue("reveal_complainant_identity"))


@blp.route("/complaints/<complaint_id>/identity", methods=["GET", "POST"])
@accepts(NoArgs)
def reveal(complaint_id: str) -> Any:
    """The audited reveal (the API's `POST /complaints/<id>/identity-reveals`): a required reason,
    the dispatcher's role check (civil affairs, admin), the `IdentityRevealed` event saved before the
    identity is opened; the identity is rendered in this response only (no-store, no redirect, not
    logged) and never kept in the session."""
    row = _complaint_row(complaint_id)
    root, ctx = services(), actor_context()
    root.dispatcher.authorize("reveal_complainant_identity", ctx)  # other roles: 403 before the form
    errors: dict[str, list[str]] = {}
    message, status, reason = None, 200, ""
    if request.method == "POST":
        reason = request.form.get("reason", "")
        payload = {"complaint_id": str(row["complaint_id"]), "reason": reason}
        try:
            result = root.dispatcher.dispatch("reveal_complainant_identity", payload, ctx)
        except InvalidCommand as exc:
            errors, message, status = exc.fields or {}, exc.message, 422
        except DomainError as exc:
            if exc.category == "forbidden":
                raise
            errors, message = exc.fields or {}, exc.message
            status = {"conflict": 409, "not_found": 404}.get(exc.category, 422)
        else:
            root.wait_for(result.notification_id)
            return render_template("console/revealed.html", c=row, identity=result.data["complainant"],
                                   reason=reason.strip())
    return render_template("console/reveal.html", c=row, errors=errors, message=message,
                           reason=reason), status


# -- prepaid fees -----------------------------------------------------------------------------------
@blp.route("/facilities/<uscc>/prepaid")
@accepts(NoArgs)
def prepaid(uscc: str) -> Any:
    """Balances per kind, custody, cap violations and risk signals; residents' balances (pseudonymous
    references only) for the roles the API lets read them."""
    from supervision.api.prepaid import REGULATORS

    row = _facility_row(uscc)
    security.require_role(REGULATORS, "read residents' prepaid balances")
    view = services().view("prepaid")
    return render_template("console/prepaid.html", f=row, summary=view.summary(row["uscc"]),
                           residents=view.resident_balances(row["uscc"]))


# -- charts ----------------------------------------------------------------------------------------
TREND_WEEKS = 12


@blp.route("/charts")
@accepts(NoArgs)
def charts() -> Any:
    """The jurisdiction in three charts (HTML tables with bars, readable without sight of the bars):
    deadlines marked overdue per week (the last 12 weeks, from the timeline's `…Overdue` events),
    supervision ratings today (`supervision_rating.levels`), complaints by category."""
    from datetime import timedelta

    from sqlalchemy import select

    from projections.complaints import ComplaintQuery
    from projections.facility_list import FacilityQuery

    root, day = services(), today()
    monday = day - timedelta(days=day.weekday())
    start = monday - timedelta(weeks=TREND_WEEKS - 1)
    timeline = root.view("timeline")
    t = timeline.entries
    with timeline.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(t.c.uscc, t.c.event_type, t.c.occurred_on)
            .where(t.c.event_type.like("%Overdue"), t.c.occurred_on >= start, t.c.occurred_on <= day)).all()]
    weeks = [{"from": start + timedelta(weeks=i), "count": 0} for i in range(TREND_WEEKS)]
    for row in security.scope_rows(rows):
        weeks[(row["occurred_on"] - start).days // 7]["count"] += 1

    facilities = security.scope_page(root.view("facility_list"), FacilityQuery(page=1, page_size=10**6))
    usccs = [f["uscc"] for f in facilities["items"] if f.get("status") == "open"]
    levels = root.view("supervision_rating").levels(usccs, day) if usccs else {}
    ratings = [{"label": {"key": "重点关注"}.get(lv, lv), "count": sum(1 for v in levels.values() if v == lv)}
               for lv in ("A", "B", "C", "D", "key")]

    complaints = security.scope_page(root.view("complaints"), ComplaintQuery(page=1, page_size=10**6))
    categories = [{"label": CHOICE_WORDS.get(c, c), "count": sum(1 for r in complaints["items"]
                                                                 if r["category"] == c)}
                  for c in CATEGORIES]
    return render_template("console/charts.html", day=day, weeks=weeks, ratings=ratings,
                           categories=categories, facilities=len(usccs), complaints=complaints["total"])


# -- campaigns --------------------------------------------------------------------------------------
def _campaign_visible(row: dict[str, Any]) -> bool:
    agency = g.console_agency
    return agency is None or agency.level == "national" or agency.code in (row.get("agencies") or []) or bool(
        security.scope_rows([row], region_key="region_prefix"))


@blp.route("/campaigns")
@accepts(NoArgs)
def campaigns() -> Any:
    rows = [r for r in services().view("spot_checks").campaign_list() if _campaign_visible(r)]
    return render_template("console/campaigns.html", campaigns=rows)


@blp.route("/campaigns/<campaign_id>")
@accepts(NoArgs)
def campaign(campaign_id: str) -> Any:
    """The campaign: plan, commitment (SHA-256), seed once revealed, verification, inspections."""
    view = services().view("spot_checks")
    row = view.campaign(campaign_id) if len(campaign_id) == 36 else None
    if row is None or not _campaign_visible(row):
        abort(404)
    day = today()
    inspections = security.scope_rows(view.inspection_list(campaign_id))
    shown = redact_campaign({**row, "inspections": inspections}, g.console_actor, day)
    names = _names({i["uscc"] for i in shown["inspections"]})
    verification = None
    if row.get("status") == "drawn" and shown["draw_visibility"] in ("public", "organiser"):
        verification = services().app.verify_spot_check_draw(campaign_id)
    return render_template("console/campaign.html", c=shown, names=names, verification=verification, day=day)


# -- commands ---------------------------------------------------------------------------------------
def _prefill_names() -> set[str]:
    from supervision.dispatcher import ALL_COMMANDS

    names = {"next"}
    for spec in ALL_COMMANDS:
        if spec.name in COMMANDS:
            names.update(spec.schema().fields)
    return names


def _after(command: str, payload: dict[str, Any], result: Any) -> str:
    nxt = request.form.get("next", "")
    if nxt.startswith("/console/") and "//" not in nxt:
        return nxt
    if payload.get("complaint_id") or command == "register_complaint":
        return url_for("console.complaints")
    if command == "plan_spot_check_campaign":
        return url_for("console.campaign", campaign_id=result.id)
    if "campaign_id" in payload:
        return url_for("console.campaign", campaign_id=str(payload["campaign_id"]))
    uscc = payload.get("uscc")
    if not uscc and payload.get("listing_id"):
        uscc = (services().view("credit_lists").get(str(payload["listing_id"])) or {}).get("uscc")
    if not uscc and payload.get("decision_no"):
        uscc = (services().view("credit_lists").decision(str(payload["decision_no"])) or {}).get("uscc")
    if not uscc and payload.get("case_id"):
        uscc = (services().view("fire_safety").get(str(payload["case_id"])) or {}).get("uscc")
    if not uscc and payload.get("incident_id"):
        uscc = (services().view("incidents").get(str(payload["incident_id"])) or {}).get("uscc")
    if uscc and command in PREPAID_COMMANDS:
        return url_for("console.prepaid", uscc=uscc)
    if uscc:
        return url_for("console.facility", uscc=uscc)
    return url_for("console.today")


@blp.route("/act/<command>", methods=["GET", "POST"])
@accepts(_declare(_prefill_names()))
def act(command: str) -> Any:
    """A command's form. POST: the form → payload → the dispatcher (as the API), then back to the
    page the regulator came from; refusals re-show the form with the API's field errors."""
    if command not in COMMANDS:
        abort(404)
    root = services()
    schema = root.dispatcher.schemas[command]
    values = {k: v for k, v in (request.form if request.method == "POST" else request.args).items()}
    errors: dict[str, list[str]] = {}
    message = None
    status = 200
    if request.method == "POST":
        payload, errors = payload_from_form(schema, request.form)
        warnings = (cap_warnings(root, payload, actor_context(), today())
                    if command == "record_prepayment" and not errors else [])
        if warnings and request.form.get("confirm_over_cap") != "yes":
            form_fields = build_fields(schema, values, {})
            return render_template("console/act.html", command=command, title=COMMANDS[command],
                                   fields=form_fields, message=None, unplaced={}, next=values.get("next", ""),
                                   warnings=warnings, grading=_grading(command),
                                   submission=_submission(values)), 200
        if not errors:
            try:
                ctx = actor_context()
                with idempotent(_form_key(values), command, ctx.actor.agency, ctx.actor.user):
                    result = root.dispatcher.dispatch(command, payload, ctx)
                root.wait_for(result.notification_id)
                flash(f"已完成：{COMMANDS[command]}。", "info")
                return redirect(_after(command, payload, result), 303)
            except InvalidCommand as exc:
                errors, message, status = exc.fields or {}, exc.message, 422
            except DomainError as exc:
                if exc.category in ("forbidden",):
                    raise
                errors, message = exc.fields or {}, exc.message
                status = {"conflict": 409, "not_found": 404}.get(exc.category, 422)
                if IDEMPOTENCY_HEADER in errors:  # this very form was submitted and recorded before
                    errors, message = {}, "这张表单已经提交并记录过（同一表单只记录一次），本次未再记录。"
        else:  # show the schema's judgement of the other fields too, the unreadable ones first
            try:
                root.dispatcher.load(command, payload)
            except InvalidCommand as exc:
                errors = {**(exc.fields or {}), **errors}
            message, status = "有字段无法识别", 422
    else:  # a regulator whose role may not issue the command learns it before filling the form
        root.dispatcher.authorize(command, actor_context())
    form_fields = build_fields(schema, values, errors)
    unplaced = {k: v for k, v in errors.items() if field_root(k) not in schema.fields}
    return render_template("console/act.html", command=command, title=COMMANDS[command], fields=form_fields,
                           message=message, unplaced=unplaced, next=values.get("next", ""),
                           warnings=[], grading=_grading(command), submission=_submission(values)), status


def _form_key(values: dict[str, str]) -> str | None:
    """The submitted form's idempotency key, or None when it has none or not a well-formed one (a
    tampered hidden field: the form is then recorded without one, as before keys existed)."""
    try:
        return normalise_key(values["submission"]) if values.get("submission") else None
    except InvalidValue:
        return None


def _submission(values: dict[str, str]) -> str:
    """The form's idempotency key (supervision/idempotency.py): the one it was submitted with when it
    is shown again (refused, or asking to confirm), else a new one."""
    return _form_key(values) or uuid4().hex


def _grading(command: str) -> Any:
    """The grading policy the application applies (`app.grading`), for the grade form's check
    before submit (static/grade.js reads its thresholds from the form's data attributes)."""
    return services().app.grading if command == "assess_facility_grade" else None


# -- bulk import by upload --------------------------------------------------------------------------
def import_context() -> Context:
    """The regulator's own actor, source `import` (as `eldercare import`: imported records are dated
    by their `occurred_on` and keyed by their content)."""
    return Context(actor=security.context().actor, source="import")


@blp.route("/imports", methods=["GET", "POST"], endpoint="import_upload")
@accepts(NoArgs)
def import_upload() -> Any:
    """Upload a CSV / JSONL file (the formats of `eldercare import`); POST keeps it as a job and
    sends the browser to its progress page."""
    root, ctx = services(), import_context()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        chosen = request.form.get("format", "auto")
        if upload is None or not upload.filename:
            errors = {"file": ["请选择要上传的文件"]}
        elif chosen not in ("auto", *imports.FORMATS):
            errors = {"format": ["须为 auto、csv 或 jsonl"]}
        else:
            try:
                job = imports.create(root, ctx, upload.filename, chosen, upload.stream)
            except InvalidCommand as exc:
                errors = exc.fields or {"file": [exc.message]}
            else:
                return redirect(url_for("console.import_job", job_id=job["id"]), 303)
        status = 422
    return render_template("console/imports.html", jobs=imports.mine(root, ctx), errors=errors,
                           limit=imports.max_bytes()), status


@blp.route("/imports/<job_id>", endpoint="import_job")
@accepts(NoArgs)
def import_job(job_id: str) -> Any:
    """The job's progress (a `<progress>` bar and the counts); when done, the first rejects and the
    rejects file. Reading it changes nothing: the steps are POSTs (`import_step`)."""
    root, ctx = services(), import_context()
    folder = imports.folder_of(root, ctx, job_id)
    if folder is None:
        abort(404)
    job = imports.read(folder)
    shown = []
    if job["status"] == "done":
        with open(folder / "rejects.jsonl", encoding="utf-8") as f:
            for line in f:
                shown.append(json.loads(line))
                if len(shown) >= 20:
                    break
    return render_template("console/import_job.html", job=job, shown=shown)


@blp.route("/imports/<job_id>/step", methods=["POST"], endpoint="import_step")
@accepts(NoArgs)
def import_step(job_id: str) -> Any:
    """One bounded step of the job (about `imports.STEP_SECONDS`). The page's script
    (static/import.js) posts it again and again with the CSRF token in `X-CSRFToken` and gets the
    record as JSON (`{"offset", "size", "imported", "rejected", "status"}`); without the script the
    page's 继续导入 button posts it and is sent back to the page (303)."""
    from flask import jsonify

    root, ctx = services(), import_context()
    folder = imports.folder_of(root, ctx, job_id)
    if folder is None:
        abort(404)
    job = imports.step(root, ctx, folder)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({k: job[k] for k in ("offset", "size", "imported", "rejected", "status")})
    return redirect(url_for("console.import_job", job_id=job_id), 303)


@blp.route("/imports/<job_id>/rejects.jsonl", endpoint="import_rejects")
@accepts(NoArgs)
def import_rejects(job_id: str) -> Any:
    """The rejected lines: one JSON object a line, `{"line", "reason", "original"}`."""
    from flask import send_file

    folder = imports.folder_of(services(), import_context(), job_id)
    if folder is None:
        abort(404)
    return send_file(folder / "rejects.jsonl", mimetype="application/x-ndjson", as_attachment=True,
                     download_name=f"rejects-{job_id}.jsonl", max_age=0)
