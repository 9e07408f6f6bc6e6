"""CLI option types that apply the door's bounds (`supervision.commands.bounds`) to command-line values."""

from __future__ import annotations

from typing import Any

import click
from marshmallow import ValidationError, fields

from supervision.commands import bounds
from supervision.commands.fields import region_prefix

#: `--page`: 1 … bounds.MAX_PAGE (a larger page would overflow the query's offset)
PAGE = click.IntRange(1, bounds.MAX_PAGE)
#: `--page-size`: 1 … bounds.MAX_PAGE_SIZE
PAGE_SIZE = click.IntRange(1, bounds.MAX_PAGE_SIZE)


class FieldType(click.ParamType):
    """A click type that validates (and normalises) through a marshmallow field of the door."""

    def __init__(self, name: str, field: fields.Field) -> None:
        self.name = name
        self.field = field

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self.field.deserialize(value)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
            self.fail("; ".join(str(m) for m in messages), param, ctx)


#: `--region`: a region code or prefix, NFKC-normalised, 2–6 ASCII digits
REGION_PREFIX = FieldType("region", region_prefix())


def facility_uscc(value: str) -> str:
    """The USCC argument of a command that reads one facility (`facility show`, `facility explain`,
    `prepaid show`), as `GET /api/v1/facilities/{uscc}` reads its path: normalised when valid; a
    value that cannot be a USCC names no registered facility — `FacilityNotFound` (exit 4), whose
    message says why (`supervision.reasons.explained`), the same words as the HTTP 404."""
    from supervision.domain.errors import FacilityNotFound, InvalidValue
    from supervision.domain.uscc import validate_uscc

    try:
        return validate_uscc(value)
    except InvalidValue:
        raise FacilityNotFound(value) from None
