"""Command fields for personal data (sealed at rest, never public).

Error messages never quote the value they reject: a 422 about an ID number must not echo it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from supervision.commands import bounds
from supervision.domain.resident_id import InvalidResidentId, validate_resident_id


class ResidentIdNumber(fields.String):
    """居民身份证号码 (GB 11643): 18 characters, a valid birth date and check character.

    The region code is not checked against the birth year: numbers are issued where people live when
    they get them, so a region created after someone's birth heads valid numbers (see
    supervision/domain/resident_id.py).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "居民身份证号码 (GB 11643; personal data: sealed at rest, never public)"
        )
        super().__init__(validate=validate.Length(equal=18), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        # the door's rule for identifiers: NFKC (full-width digits become ASCII), then ASCII only
        raw = bounds.normalise_identifier(super()._deserialize(value, attr, data, **kwargs)[:80]).upper()
        if not bounds.fullmatch(r"[0-9]{17}[0-9X]", raw):
            raise ValidationError("is not a valid resident identity card number: 17 digits and a check "
                                  "character (0-9 or X)")
        try:
            return validate_resident_id(raw)
        except InvalidResidentId as exc:
            raise ValidationError(f"is not a valid resident identity card number: {exc}") from None
