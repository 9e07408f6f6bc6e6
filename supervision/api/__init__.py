"""The HTTP API: Flask + flask-smorest, OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog
from flask import Flask, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api

from supervision.api import errors
from supervision.api.asyncapi import blp as asyncapi_blp
from supervision.api.complaints import blp as complaints_blp
from supervision.api.credit import blp as credit_blp
from supervision.api.credit import public_blp as public_credit_blp
from supervision.api.duty_reports import blp as duty_reports_blp
from supervision.api.facilities import blp as facilities_blp
from supervision.api.fire_safety import blp as fire_safety_blp
from supervision.api.incidents import blp as incidents_blp
from supervision.api.interviews import blp as interviews_blp
from supervision.api.prepaid import blp as prepaid_blp
from supervision.api.schemas import ErrorSchema
from supervision.api.spot_checks import blp as spot_checks_blp

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
    incidents_blp, duty_reports_blp, interviews_blp,
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
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.extensions["eldercare"] = services
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.schema("ErrorSchema", schema=ErrorSchema)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    errors.install(app)

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

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

    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness plus whether the stores answer (503 when the database is down)."""
        head = services.app.recorder.max_notification_id() or 0
        views = {name: runner_status(services, name) for name in services.projections}
        return jsonify({"status": "ok", "store": "up", "head": head, "views": views})

    @app.get("/")
    def index() -> Any:
        return jsonify({"api": "/api/v1", "openapi": "/api/openapi.json", "docs": "/api/docs"})

    return app


def runner_status(services: Any, name: str) -> dict[str, int]:
    position = services.view(name).max_tracking_id(services.app.name) or 0
    return {"position": position}
