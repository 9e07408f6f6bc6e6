"""Read model: the agency registry (code, kind, level, region, name, status, who recorded it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, MetaData, String, Table, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.agency import Agency


class AgenciesView(View):
    name = "agencies"

    def define_tables(self, metadata: MetaData) -> None:
        self.agencies = Table(
            "agencies",
            metadata,
            Column("code", String(20), primary_key=True),
            Column("kind", String(32), nullable=False),
            Column("level", String(16), nullable=False),
            Column("region_code", String(6), nullable=False, index=True),
            Column("name", String(200), nullable=False),
            Column("active", Boolean, nullable=False),
            Column("registered_on", Date),
            Column("dissolved_on", Date),
            Column("recorded_by_user", String(100)),
            Column("recorded_by_agency", String(100)),
        )

    def get(self, code: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(self.agencies).where(self.agencies.c.code == code)).first()
        return dict(row._mapping) if row else None

    def search(self, region_prefix: str = "", kind: str | None = None) -> list[dict[str, Any]]:
        a = self.agencies
        query = select(a).order_by(a.c.region_code, a.c.code)
        if region_prefix:
            query = query.where(a.c.region_code.startswith(region_prefix, autoescape=True))
        if kind:
            query = query.where(a.c.kind == kind)
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query).all()]


class AgenciesProjection(ViewProjection[AgenciesView]):
    name = "agencies"
    view_class = AgenciesView

    @handles(Agency.Registered)
    def _registered(self, event: Agency.Registered, session: Session) -> None:
        self.buffer(session, self.view.agencies).insert({
            "code": event.code, "kind": event.kind, "level": event.level, "region_code": event.region_code,
            "name": event.name, "active": True, "registered_on": event.occurred_on, "dissolved_on": None,
            "recorded_by_user": event.actor.user, "recorded_by_agency": event.actor.agency,
        })

    @handles(Agency.Dissolved)
    def _dissolved(self, event: Agency.Dissolved, session: Session) -> None:
        self.buffer(session, self.view.agencies).update(
            (event.code,), {"active": False, "dissolved_on": event.occurred_on})
