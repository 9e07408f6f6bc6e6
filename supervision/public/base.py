"""The building blocks of a public shape: a schema whose every field says why it is public.

A shape is an allow-list: `dump(row)` keeps only the declared fields, whatever else the row holds
(a view row, an event's data), so a column or event field added later stays internal until someone
adds it here, with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields

from supervision.public.persons import mask_person

#: metadata key holding a field's reason for being public (also its OpenAPI description)
WHY = "public_because"


def why(reason: str, **metadata: Any) -> dict[str, Any]:
    """`metadata=` of a public field: the reason it is public, shown in OpenAPI and the docs."""
    return {"description": reason, WHY: reason, **metadata}


class MaskedPerson(fields.String):
    """A person's name, always dumped masked (`mask_person`): 张三丰 → 张**."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return mask_person(str(value))


class PublicShape(Schema):
    """Base of every public shape: fields in declaration order, unknown input ignored on dump."""

    class Meta:
        ordered = True

    @classmethod
    def public_fields(cls) -> dict[str, str]:
        """{field name: why it is public}, in declaration order (the allow-list, as data)."""
        return {name: f.metadata.get(WHY, "") for name, f in cls._declared_fields.items()}

    @classmethod
    def render(cls, row: Any) -> dict[str, Any]:
        """The public form of one view row or event payload: exactly `cls().dump(row)`, through the
        shape compiled once into plain Python (`supervision.public.compiled`)."""
        render = _RENDERERS.get(cls)
        if render is None:
            render = _renderer(cls)
        return render(row)

    @classmethod
    def render_many(cls, rows: Any) -> list[dict[str, Any]]:
        render = _RENDERERS.get(cls)
        if render is None:
            render = _renderer(cls)
        return [render(r) for r in rows]


_INSTANCES: dict[type, Schema] = {}
_RENDERERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _renderer(cls: type[Schema]) -> Callable[[Any], dict[str, Any]]:
    from supervision.public.compiled import compile_schema  # the compiler imports this module's fields

    render = _RENDERERS[cls] = compile_schema(_instance(cls))
    return render


def _instance(cls: type[Schema]) -> Schema:
    if cls not in _INSTANCES:
        _INSTANCES[cls] = cls()
    return _INSTANCES[cls]


class IsoDate(fields.Field):
    """A date as ISO text, from a `date` or from text already in that form (relayed payloads)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


class UtcDateTime(fields.DateTime):
    """ISO 8601 with its offset, always: SQLite hands timezone-aware columns back naive, and the value
    written was UTC (`event.timestamp`), so a naive value is UTC. (OpenAPI `date-time` = RFC 3339,
    which requires the offset.)"""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
