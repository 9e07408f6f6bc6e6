"""Which campaigns an agency organises, read from the spot-check view, for the recusal rule: an
organiser of a campaign may record the conflict of an inspector of another agency in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select


class CampaignOrganisers:
    """`app.campaigns_of_agency(code) -> [{"campaign_id", "agencies", "region_prefix"}]`."""

    def __init__(self, container: Any) -> None:
        self.container = container

    def __call__(self, code: str) -> list[dict[str, Any]]:
        table = self.container.view("spot_checks").campaigns
        with self.container.view("spot_checks").engine.connect() as conn:
            rows = conn.execute(select(table.c.campaign_id, table.c.agencies, table.c.region_prefix)).all()
        return [{"campaign_id": r.campaign_id, "agencies": list(r.agencies), "region_prefix": r.region_prefix}
                for r in rows if code in (r.agencies or [])]
