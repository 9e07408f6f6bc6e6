"""The draw's snapshot, read from the views: 检查对象名录库 and 执法检查人员名录库.

The application never imports projections, so the composition root hands it this provider as
`app.spot_check_directory`. Views are brought up to the head of the event log first, so a draw
right after a registration or a declared conflict sees it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import structlog
from sqlalchemy import select

log = structlog.get_logger(__name__)

#: the rating view (helper "credit"); while it is not registered every facility is level "A"
RATING_VIEW = "supervision_rating"
DEFAULT_LEVEL = "A"


class SpotCheckDirectory:
    def __init__(self, container: Any) -> None:
        self.container = container

    def _current(self, names: list[str]) -> None:
        """Make the views current: wait for the running projections, or catch them up here."""
        service = self.container.projection_service
        if service is not None and service.threads:
            head = self.container.app.recorder.max_notification_id() or 0
            if not service.wait(head, timeout=10.0):
                raise RuntimeError("read models are lagging; the draw needs a current directory")
            return
        for name in names:
            self.container.runner(name).catch_up()

    def __call__(
        self, region_prefix: str, ownerships: list[str], today: date
    ) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        rated = RATING_VIEW in self.container.projections
        self._current(["facility_list", "spot_checks", *([RATING_VIEW] if rated else [])])
        table = self.container.view("facility_list").facilities
        with self.container.view("facility_list").engine.connect() as conn:
            usccs = [
                row[0]
                for row in conn.execute(
                    select(table.c.uscc)
                    .where(
                        table.c.status == "open",
                        table.c.region_code.startswith(region_prefix),
                        table.c.ownership.in_(list(ownerships)),
                    )
                    .order_by(table.c.uscc)
                )
            ]
        levels = self.container.view(RATING_VIEW).levels(usccs, today) if rated and usccs else {}
        facilities = [(uscc, levels.get(uscc, DEFAULT_LEVEL)) for uscc in usccs]
        pool = self.container.view("spot_checks").pool_snapshot()
        log.info("spot_check_directory_read", region_prefix=region_prefix, facilities=len(facilities),
                 inspectors=len(pool), rated=rated)
        return facilities, pool
