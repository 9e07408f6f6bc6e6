"""What a domain error says to its caller, in the same words over HTTP and on the command line.

Pure (no Flask, no click): `supervision.api.errors` and `infra.cli_support` both call it, so a 404
and the CLI's exit 4 for the same identifier read alike, and the CLI does not import the web stack
to print an error.
"""

from __future__ import annotations

from supervision.domain.errors import DomainError, InvalidValue

#: how an identifier that failed its own validation is named in a "not found" message
ID_LABELS = {"uscc": "USCC (统一社会信用代码)"}


def explained(exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    """(message, fields) of a domain error; a "not found" raised because the identifier cannot be
    valid says why.

    Entrypoints look an identifier from a URL or an argument up only once it is valid, and answer
    404 / exit 4 for one that is not (`raise FacilityNotFound(value) from None` while an
    `InvalidValue` is handled: no such resource can exist). The `InvalidValue` stays the error's
    `__context__` (``from None`` only hides it from tracebacks); its reason is added here, e.g.
    "facility 52140502MJY0000102 is not registered: not a valid USCC (统一社会信用代码) (uscc: check
    character is wrong: expected 1, got 2)", fields ``{"uscc": ["check character is wrong: expected
    1, got 2"]}``. Any other error is returned as it is.
    """
    invalid = exc.__context__
    if exc.category != "not_found" or not isinstance(invalid, InvalidValue):
        return exc.message, exc.fields
    label = ID_LABELS.get(invalid.field, invalid.field)
    message = f"{exc.message}: not a valid {label} ({invalid.message})"
    return message, {**exc.fields, invalid.field: list(invalid.fields.get(invalid.field, []))}
