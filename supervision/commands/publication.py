"""Command fields written *for publication*.

Free text typed by staff (a hazard's description, an exit's reason, a rejection's reasons, notes) is
never public. Where the public needs words, the command has a separate optional `public_summary`:
the officer writes it for the public, knowing it is published as written (public topics and pages).
It is marked as such in the command schema and the OpenAPI document (`x-published: true`).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from supervision.commands.fields import Meaningful, NoControlCharacters, NoPersonalNumbers

PUBLISHED_NOTE = (
    "PUBLISHED AS WRITTEN on public outputs (topics, pages): write it for the public — no "
    "names, phone numbers or other personal data. Optional; the other texts stay internal."
)


class PublicSummary(fields.String):
    """An optional text written for publication (1–300 characters)."""

    def __init__(self, what: str, **kwargs: Any) -> None:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("validate", [validate.Length(min=1, max=300), NoControlCharacters(False),
                                       NoPersonalNumbers(), Meaningful()])
        kwargs.setdefault("metadata", {"description": f"{what}. {PUBLISHED_NOTE}", "x-published": True})
        super().__init__(**kwargs)
