"""Value objects shared by every aggregate: who acted, region codes, money.

Pure: no I/O and no clock. Money is integer fen so that sums are exact and JSON-safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from supervision.domain.errors import InvalidValue

#: Namespace of every deterministic aggregate id; changing it would orphan stored events.
NAMESPACE = uuid5(NAMESPACE_URL, "https://eldercare-supervision.example/ids")

SOURCES_PREFIXES = ("api", "cli", "import", "kafka:", "policy:", "clock", "demo")


@dataclass(frozen=True)
class Actor:
    """Who issued a command: recorded on every event."""

    user: str
    agency: str
    role: str

    def as_dict(self) -> dict[str, str]:
        return {"user": self.user, "agency": self.agency, "role": self.role}


SYSTEM_ACTOR = Actor(user="system", agency="system", role="system")


def deterministic_id(kind: str, natural_key: str) -> UUID:
    """Natural keys map to ids, so a second creation is a version conflict, not a duplicate."""
    return uuid5(NAMESPACE, f"{kind}:{natural_key}")


_REGION = re.compile(r"[1-8][0-9]{5}")  # fullmatch: no trailing newline, ASCII digits only


def region_code(value: str, field: str = "region_code") -> str:
    """A 6-digit GB/T 2260 administrative division code (first digit 1–8)."""
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        raise InvalidValue(field, "must be a 6-digit administrative region code (GB/T 2260)")
    return value


def fen(value: object, field: str) -> int:
    """Exact money in fen: integers only, never floats, never negative."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, "must be an integer amount in fen (no floats)")
    if value < 0:
        raise InvalidValue(field, "must not be negative")
    return value


#: no fact this system records is older than the People's Republic (dates like 0001-01-01 or 1900-01-01
#: are typing errors; a view, a page or a deadline cannot mean them)
EARLIEST_FACT = date(1949, 10, 1)


def not_after(value: date, today: date, field: str = "occurred_on") -> date:
    """Facts cannot happen after today (Asia/Shanghai), nor before 1949-10-01 (`EARLIEST_FACT`)."""
    if value > today:
        raise InvalidValue(field, f"{value.isoformat()} is in the future (today is {today.isoformat()})")
    if value < EARLIEST_FACT:
        raise InvalidValue(field, f"{value.isoformat()} is before {EARLIEST_FACT.isoformat()} "
                                  "(a typing error?)")
    return value
