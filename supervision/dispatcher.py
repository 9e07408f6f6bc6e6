"""One dispatcher for every entrypoint: schema → role check → application method.

HTTP, the CLI, importers and Kafka consumers all call `Dispatcher.dispatch`, so validation, roles
and error categories are the same whichever way a command arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from supervision import authority
from supervision.application import Accepted, Context
from supervision.commands import agencies as agency_schemas
from supervision.commands import calendar as calendar_schemas
from supervision.commands import complaints as complaint_schemas
from supervision.commands import credit as credit_schemas
from supervision.commands import duty_reports as duty_report_schemas
from supervision.commands import facilities as facility_schemas
from supervision.commands import fire_safety as fire_schemas
from supervision.commands import incidents as incident_schemas
from supervision.commands import interviews as interview_schemas
from supervision.commands import prepaid as prepaid_schemas
from supervision.commands import spot_checks as spot_check_schemas
from supervision.commands.fields import CommandSpec, Deadline, check_horizons
from supervision.domain.errors import InvalidCommand, PermissionDenied
from supervision.roles import ADMIN

# Each capability appends its tuple of specs (defined beside its schemas) here.
ALL_COMMANDS: tuple[CommandSpec, ...] = (
    *facility_schemas.COMMANDS,
    *spot_check_schemas.COMMANDS,
    *complaint_schemas.COMMANDS,
    *credit_schemas.COMMANDS,
    *fire_schemas.COMMANDS,
    *prepaid_schemas.COMMANDS,
    *calendar_schemas.COMMANDS,
    *agency_schemas.COMMANDS,
    *incident_schemas.COMMANDS, *duty_report_schemas.COMMANDS, *interview_schemas.COMMANDS,
)


def validation_fields(error: ValidationError) -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into `{"a.b": [..]}` for a field-level error body."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(f"{prefix}[{i}]", inner)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", error.messages)
    return out


class Dispatcher:
    def __init__(self, app: Any, specs: tuple[CommandSpec, ...] = ALL_COMMANDS) -> None:
        self.app = app
        self.specs = {s.name: s for s in specs}
        # Schema instances are reusable and costly to build (nested fields are deep-copied):
        # building one per command halved the bulk-import rate.
        self.schemas = {s.name: s.schema() for s in specs}
        #: the commands with a date that may lie ahead (checked against today on every load)
        self.with_deadlines = {name for name, schema in self.schemas.items()
                               if any(isinstance(f, Deadline) for f in schema.fields.values())}

    def spec(self, name: str) -> CommandSpec:
        return self.specs[name]

    def load(self, name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a payload into command arguments, or raise `InvalidCommand` (422); a deadline
        beyond the horizon (`supervision.commands.fields.check_horizons`) is `InvalidValue` (422)."""
        if not isinstance(payload, Mapping):
            raise InvalidCommand("body must be a JSON object", {"_schema": ["must be an object"]})
        schema = self.schemas[name]
        try:
            args = schema.load(payload)
        except ValidationError as exc:
            raise InvalidCommand("invalid command", validation_fields(exc)) from None
        if name in self.with_deadlines and self.app is not None:  # without an app: checked at dispatch
            check_horizons(schema, args, self.app.today())
        return args

    def authorize(self, name: str, ctx: Context) -> None:
        spec = self.specs[name]
        if ctx.actor.role != ADMIN and ctx.actor.role not in spec.roles:
            raise PermissionDenied(
                f"role {ctx.actor.role!r} may not {spec.name}; allowed: {', '.join(spec.roles)}"
            )

    def prepare(self, name: str, payload: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        """Role → schema → jurisdiction and attribution (`supervision.authority`): the arguments of
        a command the actor may issue here, or 403 / 422 before anything is written."""
        self.authorize(name, ctx)
        return authority.check(self.app, name, self.load(name, payload), ctx)

    def dispatch(self, name: str, payload: Mapping[str, Any], ctx: Context) -> Accepted:
        args = self.prepare(name, payload, ctx)
        return getattr(self.app, self.specs[name].method)(ctx, **args)
