"""The HTTP API: Flask + flask-smorest, OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog
from flask import Flask, g, jsonify, request, send_from_directory
from flask.json.provider import DefaultJSONProvider

from supervision import strict_json
from supervision.api import errors
from supervision.api.agencies import blp as agencies_blp
from supervision.api.asyncapi import blp as asyncapi_blp
from supervision.api.calendar import blp as calendar_blp
from supervision.api.complaints import blp as complaints_blp
from supervision.api.credit import blp as credit_blp
from supervision.api.credit import public_blp as public_credit_blp
from supervision.api.documented import DocumentedApi
from supervision.api.duty_reports import blp as duty_reports_blp
from supervision.api.facilities import blp as facilities_blp
from supervision.api.fire_safety import blp as fire_safety_blp
from supervision.api.incidents import blp as incidents_blp
from supervision.api.interviews import blp as interviews_blp
from supervision.api.prepaid import blp as prepaid_blp
from supervision.api.schemas import ErrorSchema
from supervision.api.spot_checks import blp as spot_checks_blp
from supervision.commands import bounds
from supervision.console import install as install_console
from supervision.domain.errors import InvalidCommand
from supervision.idempotency import ENVIRON as IDEMPOTENCY_ENVIRON
from supervision.idempotency import HEADER as IDEMPOTENCY_HEADER
from supervision.idempotency import normalise_key
from supervision.public.shapes import BlacklistEntryPublic, ListEntryPublic
from supervision.web import changes_blp, public_site_blp, site_blp

log = structlog.get_logger("eldercare.api")

# Each capability appends its blueprint here.
BLUEPRINTS = [
    facilities_blp,
    complaints_blp,
    spot_checks_blp,
    fire_safety_blp,
    prepaid_blp,
    asyncapi_blp,
    credit_blp,
    public_credit_blp,
    calendar_blp,
    agencies_blp,
    incidents_blp, duty_reports_blp, interviews_blp,
    changes_blp,
    public_site_blp,
]


class JSONProvider(DefaultJSONProvider):
    """ISO dates (Flask's default is RFC 822), Decimal as string, Chinese text unescaped."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        if isinstance(o, UUID | Decimal):
            return str(o)
        return DefaultJSONProvider.default(o)


API_DESCRIPTION = """Supervision and credit system for elderly-care institutions (养老机构综合监管).

Dates are `YYYY-MM-DD` (Asia/Shanghai); date-times carry their offset. **Every end date of an
interval is inclusive** — `expires_on`, `listed_until`, `valid_until`, `valid_through`,
`counts_through`, `through`, `due_on`: the named day is the last day on which the listing, grade,
point or time limit still holds (terms counted as 民法典 art. 201 counts them). `as_of` is accepted
only where an endpoint declares it; an undeclared query parameter is 422. Errors are
`{"error", "fields", "request_id"}`; a command whose read models lag past the bound answers 202.
The public lists (`/api/v1/facilities`, `/api/v1/public/...`) carry an `ETag` that changes when
their data does: send it back as `If-None-Match` to get `304 Not Modified` without a body."""


def create_app(services: Any) -> Flask:
    """`services` is the composition root (infra.bootstrap.Container) or a test double of it."""
    app = Flask("eldercare")
    app.json = JSONProvider(app)
    app.config.update(
        API_TITLE="eldercare-supervision",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # served from the installed swagger-ui-bundle: government networks are offline (no CDN)
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        MAX_CONTENT_LENGTH=bounds.MAX_BODY_BYTES,  # larger bodies: 413 before they are read
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
    )
    app.extensions["eldercare"] = services
    # the national list of divisions (python-stdnum, ~0.4 s to parse) read now, not by the first
    # registration a worker serves
    from supervision.commands.fields import county_problem

    county_problem("140502")
    api = DocumentedApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.schema("ErrorSchema", schema=ErrorSchema)
    # the rows of the public lists (their pages carry them already shaped): documented field by field
    api.spec.components.schema("ListEntryPublic", schema=ListEntryPublic)
    api.spec.components.schema("BlacklistEntryPublic", schema=BlacklistEntryPublic)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    errors.install(app)
    app.register_blueprint(site_blp)  # the public disclosure site (supervision/web)
    install_console(app, services)  # the regulator console (supervision/console), /console

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Any:
        """Swagger UI's scripts and styles, from the installed package (nothing from outside)."""
        from swagger_ui_bundle import swagger_ui_path

        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    @app.before_request
    def _start() -> None:
        g.request_id = accepted_request_id(request.headers.get("X-Request-Id")) or uuid.uuid4().hex
        g.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)
        check_request(request)

    @app.before_request
    def _refuse_unknown_query_parameters() -> Any:
        """A query parameter the endpoint does not declare is refused (422), never silently
        ignored: `?as_of=` on an endpoint without history would otherwise answer for today."""
        if not request.args or request.endpoint is None:
            return None
        allowed = declared_query_parameters(app, request.endpoint, request.method)
        if allowed is None:
            return None
        unknown = sorted(set(request.args) - allowed)
        if not unknown:
            return None
        accepted = ", ".join(sorted(allowed)) or "none"
        return errors.body(
            "unknown query parameter", 422,
            {name: [f"not accepted by this endpoint (accepted: {accepted})"] for name in unknown},
        )

    @app.before_request
    def _refuse_invalid_credentials() -> None:
        """A presented bearer token that is not valid is 401 everywhere, public reads included."""
        from supervision.api.security import refuse_invalid_credentials

        refuse_invalid_credentials()

    @app.after_request
    def _finish(response: Any) -> Any:
        actor = getattr(g, "actor", None)
        log.info(
            "request_handled",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            user=getattr(actor, "user", None),
        )
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    @app.teardown_request
    def _forget_request_context(_exc: BaseException | None) -> None:
        """Log lines after the request (a background thread in this process, the next test) must not
        carry its request id."""
        structlog.contextvars.clear_contextvars()

    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness, lag per view and parked items: "degraded" (200) when something is parked or a
        view is far behind, saying what and since when; 503 when the database is down."""
        from supervision.api.health import health

        return jsonify(health(services))

    return app


_QUERY_PARAMETERS: dict[tuple[str, str], frozenset[str] | None] = {}


def declared_query_parameters(app: Flask, endpoint: str, method: str) -> frozenset[str] | None:
    """The query parameters an endpoint declares in its flask-smorest arguments (the OpenAPI
    document's `in: query`), by their data keys; None for endpoints outside the API (assets)."""
    key = (endpoint, method)
    if key not in _QUERY_PARAMETERS:
        view = app.view_functions.get(endpoint)
        view_class = getattr(view, "view_class", None)
        func = getattr(view_class, method.lower(), None) if view_class else view
        doc = getattr(func, "_apidoc", None)
        if doc is None and not endpoint.startswith(("api-docs", "static", "swagger_ui")):
            doc = {}
        if doc is None:
            _QUERY_PARAMETERS[key] = None
        else:
            names: set[str] = set()
            for parameter in doc.get("arguments", {}).get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter["schema"]
                schema = schema() if isinstance(schema, type) else schema
                names.update(f.data_key or n for n, f in schema.fields.items() if not f.dump_only)
            _QUERY_PARAMETERS[key] = frozenset(names)
    return _QUERY_PARAMETERS[key]


#: a client's `X-Request-Id` kept as it is: a proxy's id (UUID, hex, ULID, `trace-span`), bounded
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def accepted_request_id(value: str | None) -> str | None:
    """The client's `X-Request-Id` when it is 1–128 ASCII letters, digits, `.`, `_`, `:` or `-`
    (starting with a letter or digit); None otherwise, and a fresh id is made. The id goes into every
    log line and back in the response header: anything else (control characters, newlines, quotes,
    kilobytes of text) would forge log lines or bloat them."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return None


def check_request(req: Any) -> None:
    """The door for every request, before any handler parses it: a body over `MAX_BODY_BYTES` is 413
    (werkzeug raises it while reading), JSON nested deeper than `MAX_JSON_DEPTH` is 422 (found by a
    scan that does not recurse, so the JSON parser never sees it), and path or query values holding
    control characters or unpaired surrogates are 422 (they would reach SQL as they are), and a JSON
    object naming a key twice is 422 (`supervision.strict_json`)."""
    problems: dict[str, list[str]] = {}
    for name, value in [*(req.view_args or {}).items(), *req.args.items(multi=True)]:
        if isinstance(value, str) and (bounds.text_problem(value) or len(value) > 4 * bounds.TEXT):
            problems[str(name)] = [bounds.text_problem(value) or f"longer than {4 * bounds.TEXT} characters"]
    if problems:
        raise InvalidCommand("invalid characters in the URL", problems)
    if req.method in ("POST", "PUT", "PATCH", "DELETE"):
        data = req.get_data(cache=True)
        if data and bounds.json_too_deep(data):
            raise InvalidCommand(f"JSON nested deeper than {bounds.MAX_JSON_DEPTH} levels", {
                "_body": [f"arrays and objects may nest at most {bounds.MAX_JSON_DEPTH} levels deep"]})
        if data and req.is_json:
            try:
                strict_json.loads(data)
            except strict_json.DuplicateKey as exc:
                raise InvalidCommand(str(exc), {exc.key: ["given more than once in one object: which one "
                                                         "was meant?"]}) from None
            except ValueError:
                pass  # malformed: the handler's parser says so
        key = req.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and req.path.startswith("/api/"):
            # every write documents the header: a malformed one is 422 on each; `run` uses this
            req.environ[IDEMPOTENCY_ENVIRON] = normalise_key(key)


def runner_status(services: Any, name: str) -> dict[str, int]:
    position = services.view(name).max_tracking_id(services.app.name) or 0
    return {"position": position}
