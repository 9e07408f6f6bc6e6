"""Read model: official grades (等级评定) with their history, so a grade can be asked as of a date.

Each assessment is a row valid from its date until the next assessment (valid_to); on a date after
its certificate's `valid_until` it is shown as expired (GB/T 37276-2018: valid 3 years, then lapses).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.facility import Facility
from supervision.domain.listing import event_ref

VALID = "valid"
EXPIRED = "expired"
UNGRADED = "ungraded"


class GradesView(View):
    name = "grades"

    def define_tables(self, metadata: MetaData) -> None:
        self.facilities = Table(
            "grade_facilities",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("region_code", String(6), nullable=False, index=True),
        )
        self.history = Table(
            "grade_history",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("event_version", Integer, primary_key=True),
            Column("event_ref", String(60), nullable=False),
            Column("level", Integer, nullable=False),
            Column("score", Integer, nullable=False),
            Column("assessing_body", String(200), nullable=False),
            Column("certificate_no", String(100), nullable=False),
            Column("policy_version", String(50), nullable=False),
            Column("valid_from", Date, nullable=False),
            Column("valid_until", Date, nullable=False),
            Column("valid_to", Date),
        )

    @staticmethod
    def _shown(row: dict[str, Any], as_of: date) -> dict[str, Any]:
        return {
            "uscc": row["uscc"],
            "facility_name": row.get("name"),
            "region_code": row.get("region_code"),
            "level": row["level"],
            "score": row["score"],
            "assessing_body": row["assessing_body"],
            "certificate_no": row["certificate_no"],
            "assessed_on": row["valid_from"],
            "valid_until": row["valid_until"],
            "status": VALID if as_of <= row["valid_until"] else EXPIRED,
            "policy_version": row["policy_version"],
            "event_ref": row["event_ref"],
        }

    def _current(self, as_of: date, *conditions: Any) -> list[dict[str, Any]]:
        h, f = self.history, self.facilities
        query = (
            select(h, f.c.name, f.c.region_code)
            .select_from(h.join(f, f.c.uscc == h.c.uscc))
            .where(h.c.valid_from <= as_of, (h.c.valid_to.is_(None)) | (h.c.valid_to > as_of), *conditions)
            .order_by(f.c.region_code, h.c.uscc)
        )
        with self.reader.connect() as conn:
            return [self._shown(dict(r._mapping), as_of) for r in conn.execute(query).all()]

    def grade(self, uscc: str, as_of: date) -> dict[str, Any]:
        """The grade on `as_of` (valid or expired) and every assessment before it."""
        current = self._current(as_of, self.history.c.uscc == uscc)
        h = self.history
        with self.reader.connect() as conn:
            rows = conn.execute(select(h).where(h.c.uscc == uscc, h.c.valid_from <= as_of)
                                .order_by(h.c.valid_from, h.c.event_version)).all()
        out = dict(current[0]) if current else {"uscc": uscc, "level": None, "status": UNGRADED}
        out["as_of"] = as_of
        out["history"] = [self._shown(dict(r._mapping), as_of) for r in rows]
        return out

    def graded(self, as_of: date, region_prefix: str = "", status: str | None = None) -> list[dict[str, Any]]:
        region = self.facilities.c.region_code
        conditions = [region.startswith(region_prefix, autoescape=True)] if region_prefix else []
        rows = self._current(as_of, *conditions)
        return [r for r in rows if status is None or r["status"] == status]


class GradesProjection(ViewProjection[GradesView]):
    name = "grades"
    view_class = GradesView

    @handles(Facility.Registered)
    def _registered(self, event: Facility.Registered, session: Session) -> None:
        self.buffer(session, self.view.facilities).insert(
            {"uscc": event.uscc, "name": event.profile["name"], "region_code": event.profile["region_code"]})
        # a facility registered in this transaction has no grade history in the table yet
        self._open_rows(session)[event.uscc] = None

    @handles(Facility.ProfileChanged)
    def _changed(self, event: Facility.ProfileChanged, session: Session) -> None:
        values = {k: event.changes[k] for k in ("name", "region_code") if k in event.changes}
        if values:
            self.buffer(session, self.view.facilities).update((event.uscc,), values)

    def flush(self, session: Session) -> None:
        """Close the open history rows earlier transactions wrote (one UPDATE for the page, sent as
        executemany; a facility assessed twice in a page is closed in the buffer the second time),
        then write the buffered rows: the new open rows are inserted after the old ones closed."""
        closes: dict[str, Any] = session.info.pop("grades_closes", {})
        if closes:
            h = self.view.history
            session.connection().execute(
                h.update().where(h.c.uscc == bindparam("b_uscc"), h.c.valid_to.is_(None))
                .values(valid_to=bindparam("b_valid_to")),
                [{"b_uscc": uscc, "b_valid_to": on} for uscc, on in closes.items()],
            )
        super().flush(session)

    @staticmethod
    def _open_rows(session: Session) -> dict[str, tuple[str, int] | None]:
        """Per transaction: the key of each facility's open history row written in it (None: none)."""
        return session.info.setdefault("grades_open_rows", {})

    @handles(Facility.GradeAssessed)
    def _assessed(self, event: Facility.GradeAssessed, session: Session) -> None:
        h = self.view.history
        history = self.buffer(session, h)
        open_rows = self._open_rows(session)
        if event.uscc in open_rows:  # known in this transaction: close it in the buffer
            open_key = open_rows[event.uscc]
            if open_key is not None:
                history.update(open_key, {"valid_to": event.occurred_on})
        else:  # the open row, if any, was written by an earlier transaction: closed at `flush`
            session.info.setdefault("grades_closes", {})[event.uscc] = event.occurred_on
        history.insert({
            "uscc": event.uscc, "event_version": event.originator_version,
            "event_ref": event_ref(event.originator_id, event.originator_version), "level": event.level,
            "score": event.score, "assessing_body": event.assessing_body,
            "certificate_no": event.certificate_no, "policy_version": event.policy_version,
            "valid_from": event.occurred_on, "valid_until": event.valid_until, "valid_to": None,
        })
        open_rows[event.uscc] = (event.uscc, event.originator_version)
