"""Read model: the facility directory for list/filter/page and for the spot-check directory.

One row per facility, current state only; history lives in the timeline view. Beside it,
`facility_list_counts`: how many facilities per (district, ownership, profit status, grade, status),
kept by the projection in the transaction that changes the rows, so a list's total is a sum of a
few rows instead of a count over a third of a city (issue 15).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, any_of, ddl_lock, handles
from supervision.domain.facility import Facility


class FacilityListView(View):
    name = "facility_list"

    def define_tables(self, metadata: MetaData) -> None:
        self.facilities = Table(
            "facility_list",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("facility_id", String(36), nullable=False, unique=True),
            Column("name", String(200), nullable=False),
            Column("address", String(300), nullable=False),
            Column("region_code", String(6), nullable=False, index=True),
            Column("ownership", String(32), nullable=False, index=True),
            Column("profit_status", String(16), nullable=False, index=True),
            Column("total_beds", Integer, nullable=False),
            Column("nursing_beds", Integer, nullable=False),
            Column("legal_representative", String(50), nullable=False),
            Column("person_in_charge", String(50), nullable=False),
            Column("opened_on", Date),
            Column("registered_on", Date, nullable=False),
            Column("status", String(8), nullable=False, index=True),
            Column("closed_on", Date),
            Column("close_reason", String(500)),
            Column("grade_level", Integer, index=True),
            Column("grade_score", Integer),
            Column("grade_assessed_on", Date),
            Column("grade_valid_until", Date),
            Column("grade_assessing_body", String(200)),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            # the list's order: a region's page is read from the index, already sorted, and stops
            # after `page_size` rows (without it: every row of the region read and sorted)
            Index("ix_facility_list_region_uscc", "region_code", "uscc"),
            # a facet within a region, its page read in list order from the index (a city's private
            # facilities: without it the region's index is read and 4,124 other rows filtered out
            # before the first 50); totals come from `facility_list_counts`
            Index("ix_facility_list_ownership_region_uscc", "ownership", "region_code", "uscc"),
            Index("ix_facility_list_grade_region_uscc", "grade_level", "region_code", "uscc"),
        )
        # how many rows of `facility_list` have each combination of the list's facets (`grade_level`
        # 0 = ungraded: a key column cannot be NULL); rows with n = 0 are deleted, so the table is
        # the same whichever way the events were paged (a rebuild compares byte for byte)
        self.counts = Table(
            "facility_list_counts",
            metadata,
            Column("region_code", String(6), primary_key=True),
            Column("ownership", String(32), primary_key=True),
            Column("profit_status", String(16), primary_key=True),
            Column("grade_level", Integer, primary_key=True),
            Column("status", String(8), primary_key=True),
            Column("n", Integer, nullable=False),
        )

    def create_table(self) -> None:
        with ddl_lock(self.engine):  # with the index DDL below, one process at a time
            self._create_with_counts()

    def _create_with_counts(self) -> None:
        counts_existed = self._has_table(self.counts.name)
        super().create_table()
        if not counts_existed:
            self._fill_counts()
        # indexes added after a view's table exists are not created by `create_all`: a store made
        # before issue 15 gets the page-order index here, without a rebuild
        for index in self.facilities.indexes:
            try:
                index.create(self.engine, checkfirst=True)
            except Exception as exc:
                from projections.parked import created_concurrently

                if not created_concurrently(exc):
                    raise
        # the count-only facet indexes of the first issue-15 pass: replaced by those ending in uscc
        with self.engine.begin() as conn:
            for name in ("ix_facility_list_ownership_region", "ix_facility_list_grade_region"):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")

    def _has_table(self, name: str) -> bool:
        from sqlalchemy import inspect

        return bool(inspect(self.engine).has_table(name))

    def _fill_counts(self) -> None:
        """A store made before the counts table existed: count its rows once (a fresh store has
        none, and from then on the projection keeps the counts)."""
        t, c = self.facilities, self.counts
        with self.engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(c)).scalar_one():
                return  # another process filled it first
            grade = func.coalesce(t.c.grade_level, 0)
            conn.execute(insert(c).from_select(
                ["region_code", "ownership", "profit_status", "grade_level", "status", "n"],
                select(t.c.region_code, t.c.ownership, t.c.profit_status, grade, t.c.status, func.count())
                .group_by(t.c.region_code, t.c.ownership, t.c.profit_status, grade, t.c.status),
            ))

    # -- queries ---------------------------------------------------------------------------
    def get(self, uscc: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(self.facilities).where(self.facilities.c.uscc == uscc)).first()
        return dict(row._mapping) if row else None

    def names(self, usccs: Collection[str]) -> dict[str, str]:
        """{USCC: registered name} for those of `usccs` that are registered: one query for a page of
        rows that name facilities (not one per row)."""
        wanted = sorted(set(usccs))
        if not wanted:
            return {}
        t = self.facilities
        with self.reader.connect() as conn:
            rows = conn.execute(select(t.c.uscc, t.c.name).where(t.c.uscc.in_(wanted))).all()
        return {uscc: name for uscc, name in rows}

    def search(self, query: FacilityQuery) -> tuple[list[dict[str, Any]], int]:
        """One page of facilities in (region_code, uscc) order and how many match in all.

        The statements are built once per combination of filters present (values are bound
        parameters): building a select per request was 15 % of a list request's CPU (cProfile)."""
        region = region_kind(query.region_code)
        params: dict[str, Any] = {
            "region": like_literal(query.region_code) if region == "text" else query.region_code,
            "upper": region_upper(query.region_code),
            "ownership": query.ownership, "profit_status": query.profit_status, "grade": query.grade,
            "status": query.status, "name": like_literal(query.name),
            "limit": query.page_size, "offset": (query.page - 1) * query.page_size,
        }
        shape = (region, bool(query.ownership), bool(query.profit_status), query.grade is not None,
                 bool(query.status), bool(query.name))
        statements = self._statements.get(shape)
        if statements is None:
            statements = self._statements[shape] = self._build(*shape)
        page, counted = statements
        with self.reader.connect() as conn:
            # the page and the total in one round trip (the total is an uncorrelated sub-select,
            # evaluated once); a page past the end has no row to carry it: count on its own
            rows = conn.execute(page, params).all()
            total = int(rows[0][-1] if rows else conn.execute(counted, params).scalar_one())
        keys = list(self.facilities.c.keys())
        return [dict(zip(keys, row[:-1], strict=True)) for row in rows], total

    @cached_property
    def _statements(self) -> dict[tuple[Any, ...], tuple[Any, Any]]:
        return {}

    def _build(self, region: str | None, ownership: bool, profit_status: bool, grade: bool, status: bool,
               name: bool) -> tuple[Any, Any]:
        """(page, total) statements for one combination of filters, values bound by name. The total
        without a name filter is a sum over `facility_list_counts`; with one, rows are counted."""

        def where(table: Table) -> list[Any]:
            conditions = []
            if region is not None:
                conditions.append(region_bound(table.c.region_code, region))
            for present, column, param in ((ownership, "ownership", "ownership"),
                                           (profit_status, "profit_status", "profit_status"),
                                           (grade, "grade_level", "grade"), (status, "status", "status")):
                if present:
                    conditions.append(table.c[column] == bindparam(param))
            return conditions

        t, c = self.facilities, self.counts
        conditions = where(t)
        if name:
            conditions.append(t.c.name.contains(bindparam("name"), escape=LIKE_ESCAPE))
            counted = select(func.count()).select_from(t).where(*conditions)
        else:
            counted = select(func.coalesce(func.sum(c.c.n), 0)).where(*where(c))
        page = (
            select(t, counted.scalar_subquery().label("_total"))
            .where(*conditions)
            .order_by(t.c.region_code, t.c.uscc)
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
        )
        return page, counted

    def active_usccs(self, region_prefix: str = "") -> list[str]:
        """The inspectable directory (检查对象名录库): registered and open, in USCC order."""
        t = self.facilities
        where = [t.c.status == "open"]
        if region_prefix:
            where.append(region_within(t.c.region_code, region_prefix))
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.uscc)
                .where(*where)
                .order_by(t.c.uscc)
            ).all()
        return [r[0] for r in rows]


def region_within(column: Any, code: str) -> Any:
    """`column` is the district `code` (6 digits) or lies under the prefix `code` (province 2
    digits, city 4): equality, or the range [prefix, prefix + 1).

    Not `LIKE 'prefix%'`: PostgreSQL uses a btree index for a LIKE prefix only under the "C"
    collation (or with a `text_pattern_ops` index), so under the database's collation it read the
    whole index and filtered it (issue 15). Region codes are digits, so the range is exact under
    every collation.
    """
    if not code.isascii() or not code.isdigit():  # not a region code (a search box's text)
        return column.startswith(like_literal(code), escape=LIKE_ESCAPE)
    if len(code) == 6:
        return column == code
    upper = str(int(code) + 1).zfill(len(code))
    return (column >= code) & (column < upper) if len(upper) == len(code) else column >= code


def region_kind(code: str | None) -> str | None:
    """How `region_within` compares a code: None (no filter), "district" (equality), "range"
    ([prefix, prefix + 1)), "from" (prefix 99…: no upper bound) or "text" (not digits: LIKE)."""
    if not code:
        return None
    if not code.isascii() or not code.isdigit():
        return "text"
    if len(code) == 6:
        return "district"
    return "range" if region_upper(code) else "from"


#: the escape character of every LIKE built from a user's text (`like_literal`)
LIKE_ESCAPE = "\\"


def like_literal(text: str | None) -> str | None:
    """`text` for a LIKE pattern with `LIKE_ESCAPE`: its `%`, `_` and escape characters stand for
    themselves (a name search for `100%` finds names containing `100%`, not every name)."""
    if text is None:
        return None
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def region_upper(code: str | None) -> str | None:
    """The first code after the prefix `code` of the same length, None if there is none."""
    if not code or not code.isascii() or not code.isdigit() or len(code) == 6:
        return None
    upper = str(int(code) + 1).zfill(len(code))
    return upper if len(upper) == len(code) else None


def region_bound(column: Any, kind: str) -> Any:
    """`region_within` with the code as the bound parameters `region` (and `upper`)."""
    if kind == "text":
        return column.startswith(bindparam("region"), escape=LIKE_ESCAPE)
    if kind == "district":
        return column == bindparam("region")
    if kind == "from":
        return column >= bindparam("region")
    return (column >= bindparam("region")) & (column < bindparam("upper"))


@dataclass(frozen=True)
class FacilityQuery:
    region_code: str | None = None
    ownership: str | None = None
    profit_status: str | None = None
    grade: int | None = None
    status: str | None = None
    name: str | None = None
    page: int = 1
    page_size: int = 50


class FacilityListProjection(ViewProjection[FacilityListView]):
    name = "facility_list"
    view_class = FacilityListView

    def flush(self, session: Session) -> None:
        """Write the buffered rows, and move `facility_list_counts` by what they change: each row
        leaves its old facet combination (read from the table before the write) and joins its new
        one."""
        buffers = session.info.get("row_buffers", {})
        rows = buffers.get(self.view.facilities.name)
        if rows is not None and (rows.inserts or rows.updates):
            self._count(session, rows)
        super().flush(session)

    def _count(self, session: Session, rows: Any) -> None:
        t, c = self.view.facilities, self.view.counts
        deltas: dict[tuple[Any, ...], int] = {}

        def move(key: tuple[Any, ...], by: int) -> None:
            deltas[key] = deltas.get(key, 0) + by

        def facets(values: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(values[k] or 0 if k == "grade_level" else values[k] for k in FACETS)

        for values in rows.inserts.values():
            move(facets({"grade_level": None, **values}), 1)
        changed = [key[0] for key, values in rows.updates.items() if values.keys() & set(FACETS)]
        if changed:
            connection = session.connection()
            old = {
                r.uscc: dict(r._mapping)
                for chosen in any_of(t.c.uscc, changed, connection.dialect.name, chunk=1000)
                for r in connection.execute(select(t.c.uscc, *(t.c[k] for k in FACETS)).where(chosen))
            }
            for uscc in changed:
                before = old.get(uscc)
                if before is None:  # an update of a row that is not there changes nothing
                    continue
                move(facets(before), -1)
                move(facets({**before, **rows.updates[(uscc,)]}), 1)
        moves = [dict(zip(FACETS, key, strict=True), n=n) for key, n in deltas.items() if n]
        if moves:
            upsert_counts(session, c, moves)

    @handles(Facility.Registered)
    def _registered(self, event: Facility.Registered, session: Session) -> None:
        p = event.profile
        self.buffer(session, self.view.facilities).insert(
            dict(
                uscc=event.uscc,
                facility_id=str(event.originator_id),
                name=p["name"],
                address=p["address"],
                region_code=p["region_code"],
                ownership=p["ownership"],
                profit_status=p["profit_status"],
                total_beds=p["total_beds"],
                nursing_beds=p["nursing_beds"],
                legal_representative=p.get("legal_representative") or "",
                person_in_charge=p.get("person_in_charge") or "",
                opened_on=p.get("opened_on"),
                registered_on=event.occurred_on,
                status="open",
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )

    @cached_property
    def _columns(self) -> frozenset[str]:
        """The list's column names (`k in table.c` is a method call per key; a set is made once)."""
        return frozenset(self.view.facilities.c.keys())

    def _update(self, session: Session, event: Any, **values: Any) -> None:
        self.buffer(session, self.view.facilities).update(
            (event.uscc,), dict(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    @handles(Facility.ProfileChanged)
    def _profile_changed(self, event: Facility.ProfileChanged, session: Session) -> None:
        columns = {k: v for k, v in event.changes.items() if k in self._columns}
        self._update(session, event, **columns)

    @handles(Facility.GradeAssessed)
    def _grade_assessed(self, event: Facility.GradeAssessed, session: Session) -> None:
        self._update(
            session,
            event,
            grade_level=event.level,
            grade_score=event.score,
            grade_assessed_on=event.occurred_on,
            grade_valid_until=event.valid_until,
            grade_assessing_body=event.assessing_body,
        )

    @handles(Facility.Closed)
    def _closed(self, event: Facility.Closed, session: Session) -> None:
        self._update(
            session, event, status="closed", closed_on=event.occurred_on, close_reason=event.reason
        )


#: the columns a list filters on with equality (and the region), counted in `facility_list_counts`
FACETS = ("region_code", "ownership", "profit_status", "grade_level", "status")


def upsert_counts(session: Session, counts: Table, moves: list[dict[str, Any]]) -> None:
    """Add each move's `n` to its combination's row (created at 0), then drop rows left at 0."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    statement = upsert(counts)
    keys = [col.name for col in counts.primary_key.columns]
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={"n": counts.c.n + statement.excluded.n})
    connection = session.connection()
    connection.execute(statement, moves)
    if any(move["n"] < 0 for move in moves):  # only a move down can leave a row at 0
        connection.execute(counts.delete().where(counts.c.n == 0))
