"""Shared marshmallow fields: one validation per concept, reused by every command schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields

from supervision.domain.errors import InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import region_code


class Uscc(fields.String):
    """统一社会信用代码 with the GB 32100 check character."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_uscc(raw)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None


class RegionCode(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return region_code(raw)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None


class Fen(fields.Integer):
    """Money in integer fen: floats and negatives are refused, never rounded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float | bool):
            raise ValidationError("must be an integer amount in fen (no floats)")
        out = super()._deserialize(value, attr, data, **kwargs)
        if out < 0:
            raise ValidationError("must not be negative")
        return out


class StrictInt(fields.Integer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


class CommandSchema(Schema):
    """Base of command schemas: unknown fields are errors, `occurred_on` is common to all."""

    class Meta:
        unknown = "raise"

    occurred_on = fields.Date(load_default=None, metadata={"description": "when it happened (≤ today)"})


@dataclass(frozen=True)
class CommandSpec:
    """A command as every entrypoint sees it: name, schema, application method, allowed roles."""

    name: str
    schema: type[Schema]
    method: str
    roles: tuple[str, ...]
    summary: str
