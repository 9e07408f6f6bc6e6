"""Row values out of error text: what a failed statement says is kept (parked items, logs), not the
values it carried, which can be personal data (a name, a resident reference).

SQLAlchemy's own `[parameters: ...]` part is hidden at the engine (`hide_parameters=True`, every
engine here); PostgreSQL's `DETAIL:` line of a constraint violation quotes the row's key values
(`Key (name)=(林明) already exists.`) and is withheld by `without_row_values`.
"""

from __future__ import annotations

import re

_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)
WITHHELD = "DETAIL: (the row's values are withheld)"


def without_row_values(text: str) -> str:
    """`text` with every PostgreSQL `DETAIL:` line replaced by `WITHHELD`."""
    return _DETAIL.sub(WITHHELD, text) if "DETAIL:" in text else text


def redact_log_values(_logger: object, _method: str, event: dict[str, object]) -> dict[str, object]:
    """structlog processor: `without_row_values` on every string of a log line (after the traceback
    was rendered to text)."""
    for key, value in event.items():
        if isinstance(value, str) and "DETAIL:" in value:
            event[key] = without_row_values(value)
    return event
