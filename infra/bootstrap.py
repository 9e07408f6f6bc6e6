"""The composition root: builds the application, views, runners and dispatcher from settings.

Everything is built lazily, on first use: a process that only reads views never opens the event
store, and an unreachable database surfaces as `StoreUnavailable` on the request that needs it
(503) instead of a crash at start-up.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore

from infra.settings import Settings
from infra.spot_check_directory import SpotCheckDirectory
from projections.base import View, ViewProjection
from projections.registry import PROJECTIONS
from projections.runner import ProjectionService, Runner
from supervision.app import SupervisionApp
from supervision.auth import TokenStore
from supervision.crypto import Sealer
from supervision.dispatcher import Dispatcher
from supervision.policy.calendar import Deadline, HolidayFile, WorkingCalendar
from supervision.unavailable import StoreUnavailable, as_unavailable

SHANGHAI = ZoneInfo("Asia/Shanghai")
log = structlog.get_logger(__name__)


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


class LoggingCalendar(WorkingCalendar):
    """The official calendar that also says in the log when a deadline could not use it.

    `chinese-calendar` knows only the years whose State Council schedule it ships; beyond them a
    deadline falls back to weekends plus the operator's holidays file, and the regulation asks that
    this be said both on the deadline (its note) and in the log.
    """

    def add_working_days(self, start: date, n: int) -> Deadline:
        deadline = super().add_working_days(start, n)
        if deadline.basis == "fallback":
            log.warning("deadline_without_official_calendar", start=start.isoformat(), working_days=n,
                        due_on=deadline.due_on.isoformat(), note=deadline.note)
        return deadline


class Clock:
    """Today's date in Asia/Shanghai, or a fixed date (demos, tests: `clock.set(date)`)."""

    def __init__(self, fixed: date | None = None, source: Callable[[], date] = shanghai_today) -> None:
        self.fixed = fixed
        self.source = source

    def set(self, today: date | None) -> None:
        self.fixed = today

    def __call__(self) -> date:
        return self.fixed or self.source()


class Container:
    def __init__(self, settings: Settings, clock: Callable[[], date] | None = None) -> None:
        self.settings = settings
        self.clock = Clock(settings.today, clock or shanghai_today)
        self._lock = threading.RLock()
        self.projection_service: ProjectionService | None = None

    # -- secrets and auth ------------------------------------------------------------------
    @cached_property
    def sealer(self) -> Sealer:
        keys = list(self.settings.secret_keys)
        if not keys:
            path = self.settings.secret_key_path
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(Sealer.generate_key())
            keys = [path.read_bytes().strip()]
        return Sealer(keys)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """Official working days; beyond the library's years, weekends plus the holidays file."""
        path = self.settings.holidays_file
        return LoggingCalendar(HolidayFile.load(path) if path else None)

    @cached_property
    def tokens(self) -> TokenStore:
        return TokenStore(self.settings.tokens_path)

    # -- event store -----------------------------------------------------------------------
    @cached_property
    def app(self) -> SupervisionApp:
        with self._lock:
            if self.settings.is_sqlite:
                self.settings.sqlite_path().parent.mkdir(parents=True, exist_ok=True)
            try:
                app = SupervisionApp(
                    env=self.settings.store_env(),
                    sealer=self.sealer,
                    clock=self.clock,
                    calendar=self.calendar,
                    on_saved=self._on_saved,
                )
            except Exception as exc:
                unavailable = as_unavailable(exc)
                if unavailable:
                    raise unavailable from exc
                raise
            app.spot_check_directory = SpotCheckDirectory(self)  # the draw's snapshot, read from views
            if self.settings.duty_reports_from:  # missing duty reports are tracked from the city's go-live
                app.duty_report_policy = app.duty_report_policy.tracking_from(self.settings.duty_reports_from)
            return app

    def _on_saved(self, notification_id: int) -> None:
        if self.projection_service is not None:
            self.projection_service.wake(notification_id)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.app)

    # -- read models -----------------------------------------------------------------------
    @cached_property
    def datastore(self) -> SQLAlchemyDatastore:
        url = self.settings.views_sqlalchemy_url()
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            self.settings.sqlite_path().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["connect_args"] = {"connect_timeout": 5}
        return SQLAlchemyDatastore(url=url, **kwargs)

    @cached_property
    def projections(self) -> dict[str, ViewProjection[Any]]:
        with self._lock:
            out: dict[str, ViewProjection[Any]] = {}
            try:
                for cls in PROJECTIONS:
                    view: View = cls.view_class(self.datastore)
                    view.create_table()
                    projection = cls(view)
                    if hasattr(projection, "bind"):  # policy processes issue commands
                        projection.bind(self)
                    out[cls.name] = projection
            except StoreUnavailable:
                raise
            except Exception as exc:
                unavailable = as_unavailable(exc)
                if unavailable:
                    raise unavailable from exc
                raise
            return out

    def view(self, name: str) -> Any:
        return self.projections[name].view

    def runner(self, name: str, batch_size: int = 1000) -> Runner:
        return Runner(self.app, self.projections[name], batch_size=batch_size)

    def runners(self, names: list[str] | None = None) -> list[Runner]:
        return [self.runner(n) for n in (names or list(self.projections))]

    def start_projections(self) -> ProjectionService:
        service = ProjectionService(self.runners())
        self.projection_service = service
        service.start()
        return service

    def wait_for(self, notification_id: int | None, timeout: float = 3.0) -> bool:
        """Read-your-writes: wait until the views applied `notification_id`.

        In-process runners signal at once; otherwise (gunicorn workers, projections in the master)
        the views' tracking positions are polled. A timeout is not an error: the write is durable,
        only the read models lag, which the caller is told.
        """
        if notification_id is None:
            return True
        if self.projection_service is not None:
            done = self.projection_service.wait(notification_id, timeout)
        else:
            try:
                for name in self.projections:
                    self.view(name).wait(self.app.name, notification_id, timeout=timeout)
                done = True
            except TimeoutError:
                done = False
        if not done:
            log.warning("read_models_lagging", notification_id=notification_id)
        return done

    def close(self) -> None:
        if self.projection_service is not None:
            self.projection_service.stop()
        if "app" in self.__dict__:
            self.app.close()
        if "datastore" in self.__dict__ and self.datastore.engine is not None:
            self.datastore.engine.dispose()
