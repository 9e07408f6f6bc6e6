"""The composition root: builds the application, views, runners and dispatcher from settings.

Everything is built lazily, on first use: a process that only reads views never opens the event
store, and an unreachable database surfaces as `StoreUnavailable` on the request that needs it
(503) instead of a crash at start-up.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore

from infra.campaign_organisers import CampaignOrganisers
from infra.files import harden
from infra.group_commit import GroupCommit
from infra.group_commit import install as install_group_commit
from infra.settings import Settings, SettingsError
from infra.spot_check_directory import SpotCheckDirectory
from infra.store_pool import ping_when_idle as ping_store_when_idle
from infra.wakeup import Announcer, await_applied, worker_address
from projections.base import View, ViewProjection, ddl_lock
from projections.registry import PROJECTIONS
from projections.runner import ProjectionService, Runner
from supervision.app import SupervisionApp
from supervision.auth import OidcSettings, OidcVerifier, TokenStore
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
        if deadline.basis == "provisional":
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


#: a pooled connection unused for longer than this is pinged before it is handed out, seconds
IDLE_PING_S = 5.0


def ping_when_idle(engine: Any, idle_s: float = IDLE_PING_S) -> None:
    """Ping a pooled PostgreSQL connection on checkout only when it sat idle for `idle_s`.

    `pool_pre_ping` pings on every checkout: one more round trip per view transaction and per
    read, a fifth of a list request's time (py-spy, issue 15). A connection in steady use has just
    proved itself; one that sat idle (a database restart meanwhile, a firewall's timeout) is
    checked, and a dead one is replaced before anyone sees it (`DisconnectionError` makes the pool
    connect afresh). A connection that dies while in use fails that statement: SQLAlchemy then
    invalidates the pool, the runners retry (transient), and a request answers 503 once.
    """
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            with dbapi.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi.rollback()
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def _create_key_file(path: Path) -> bool:
    """Write a new key to `path` unless one is there; True when this call wrote it. The key is
    written whole to a private file first, then linked into place (link refuses an existing name),
    so processes started together agree on one key and none reads a half-written one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(prefix=".secret.key.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp: mode 0600
            out.write(Sealer.generate_key())
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return False  # another process of this installation wrote it first: use that one
        return True
    finally:
        os.unlink(draft)


class Container:
    def __init__(self, settings: Settings, clock: Callable[[], date] | None = None) -> None:
        self.settings = settings
        self.clock = Clock(settings.today, clock or shanghai_today)
        self._lock = threading.RLock()
        self.projection_service: ProjectionService | None = None
        #: in the background worker: what a save in this process wakes (runners, relay)
        self.wake_hooks: list[Callable[[int], None]] = []
        #: connections the views' pool keeps open (PostgreSQL); the worker keeps one per runner
        self.views_pool_size = 5
        #: tells the worker process of this process's saves (opens its socket on first use)
        self._announcer = Announcer(worker_address(settings.var_dir, settings.database_url))
        #: the event store's group commit (PostgreSQL; None before the store is opened, and on SQLite)
        self.group_commit: GroupCommit | None = None

    @property
    def worker_address(self) -> bytes:
        """The background worker's wake-up socket (infra.wakeup), for this var dir and database."""
        return self._announcer.address

    # -- secrets and auth ------------------------------------------------------------------
    @cached_property
    def sealer(self) -> Sealer:
        keys = list(self.settings.secret_keys)
        if not keys:
            path = self.settings.secret_key_path
            if not path.exists():
                self._refuse_new_key_beside_sealed_data(path)
                if _create_key_file(path):
                    self._generated_key = path  # removed again if the store knows another key
            keys = [path.read_bytes().strip()]
        try:
            return Sealer(keys)
        except ValueError:  # cryptography: "Fernet key must be 32 url-safe base64-encoded bytes."
            configured = bool(self.settings.secret_keys)
            where = "ELDERCARE_SECRET_KEYS" if configured else str(self.settings.secret_key_path)
            raise SettingsError(
                f"{where} holds a malformed key: each key must be a Fernet key (32 bytes in URL-safe "
                "base64, 44 characters, as `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` prints)") from None

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """Official working days; beyond the library's years, weekends plus the holidays file."""
        path = self.settings.holidays_file
        return LoggingCalendar(HolidayFile.load(path) if path else None)

    @cached_property
    def tokens(self) -> TokenStore:
        try:
            oidc = OidcSettings.from_env(self.settings.oidc)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return TokenStore(self.settings.tokens_path, oidc=OidcVerifier(oidc) if oidc else None)

    # -- event store -----------------------------------------------------------------------
    @cached_property
    def app(self) -> SupervisionApp:
        with self._lock:
            if self.settings.is_sqlite:
                self.settings.sqlite_path().parent.mkdir(parents=True, exist_ok=True)
            harden(self.settings)
            try:
                # processes of one installation started together each create the store's tables and
                # insert function: PostgreSQL refuses that DDL done concurrently ("tuple concurrently
                # updated", a duplicate pg_type row), so one process at a time, the others then find it
                # (the views' DDL lock: on PostgreSQL only; SQLite's write lock serialises DDL itself)
                with ddl_lock(self.datastore.engine):
                    app = SupervisionApp(
                        env=self.settings.store_env(),
                        sealer=self.sealer,
                        clock=self.clock,
                        calendar=self.calendar,
                        on_saved=self._on_saved,
                    )
                    self._verify_key()
            except Exception as exc:
                unavailable = as_unavailable(exc)
                if unavailable:
                    raise unavailable from exc
                raise
            app.spot_check_directory = SpotCheckDirectory(self)  # the draw's snapshot, read from views
            app.campaigns_of_agency = CampaignOrganisers(self)  # the recusal rule's organisers
            if self.settings.duty_reports_from:  # missing duty reports are tracked from the city's go-live
                app.duty_report_policy = app.duty_report_policy.tracking_from(self.settings.duty_reports_from)
            if not self.settings.is_sqlite:
                ping_store_when_idle(app.recorder.datastore.pool)
                if self.settings.group_commit:
                    # concurrent saves of this process share one locked, flushed transaction
                    self.group_commit = install_group_commit(app.recorder)
            return app

    def _refuse_new_key_beside_sealed_data(self, path: Path) -> None:
        """A key is generated for a new store only: one that already recorded keys refuses a process
        without one of them (`StoreKeyMismatch`) before any key file is written, so a process
        stopped at any moment never leaves a stray key beside data sealed with another. A store that
        cannot be reached now cannot say: the key is generated as before, and the check when the store
        is first opened (`_verify_key`) refuses it and removes it again (the API starts and answers 503
        meanwhile). A store the server refuses as configured (no such database or role, ...:
        `StoreMisconfigured`) can never be used as it is: that is raised, and no key is written."""
        from infra.key_check import known_fingerprints, mismatch

        try:
            known = known_fingerprints(self.datastore.engine)
        except Exception as exc:
            unavailable = as_unavailable(exc)
            if unavailable is None:
                raise
            if unavailable.permanent:
                raise unavailable from exc
            return
        if known:
            raise mismatch(str(path), known, "there is no key there")

    def _verify_key(self) -> None:
        """The configured key must be one this store's personal data was sealed with (infra.key_check)."""
        from infra.key_check import StoreKeyMismatch, verify_store_key

        keys = list(self.settings.secret_keys)
        where = "ELDERCARE_SECRET_KEYS" if keys else str(self.settings.secret_key_path)
        try:
            verify_store_key(self.datastore.engine, keys or [self.settings.secret_key_path.read_bytes()],
                             where)
        except StoreKeyMismatch:
            generated = getattr(self, "_generated_key", None)
            if generated is not None:
                generated.unlink(missing_ok=True)  # never leave a new key beside data sealed with another
            raise

    def _on_saved(self, notification_id: int) -> None:
        """Wake whoever follows the log: in-process runners, or the worker process (a datagram)."""
        if self.projection_service is not None:
            self.projection_service.wake(notification_id)
        for hook in self.wake_hooks:
            hook(notification_id)
        if self.projection_service is None and not self.wake_hooks:
            self._announcer.saved(notification_id)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.app)

    # -- read models -----------------------------------------------------------------------
    @cached_property
    def datastore(self) -> SQLAlchemyDatastore:
        url = self.settings.views_sqlalchemy_url()
        # a failed statement's message (parked items, logs, `parked show`) never carries its row values:
        # those can be personal data (names, residents) that must not leave the store in clear
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            kwargs["pool_pre_ping"] = True
            self.settings.sqlite_path().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["connect_args"] = {"connect_timeout": 5}
            # connections kept open: with the default 5 the worker's fifteen runners opened and
            # closed a connection per transaction (issue 15); `views_pool_size` is set by the worker
            kwargs.update(pool_size=self.views_pool_size, max_overflow=10)
        harden(self.settings)
        datastore = SQLAlchemyDatastore(url=url, **kwargs)
        if not url.startswith("sqlite") and datastore.engine is not None:
            ping_when_idle(datastore.engine)
        return datastore

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

    def start_projections(self, poll_interval: float = 0.5) -> ProjectionService:
        """Every view followed by its own thread, in this process (tests, the worker)."""
        service = ProjectionService(self.runners(), poll_interval=poll_interval)
        self.projection_service = service
        service.start()
        return service

    def wait_for(self, notification_id: int | None, timeout: float | None = None,
                 views: Collection[str] | None = None) -> bool:
        """Read-your-writes: wait until every view (or each one in `views`) applied
        `notification_id` (at most `timeout` s).

        In-process runners (tests, the worker itself) signal through a condition. Otherwise (API
        workers under `eldercare serve`) the background worker is asked over its socket and answers
        as soon as its views applied the id (infra.wakeup): no sleeping, no polling. With no worker
        listening at all, the views' positions are read every 20 ms. A timeout is not an error: the
        write is durable, only the read models lag, which the caller says (`read_models_lag`).
        """
        if notification_id is None or (views is not None and not views):
            return True
        timeout = self.settings.read_models_wait_s if timeout is None else timeout
        if self.projection_service is not None:
            done = self.projection_service.wait(notification_id, timeout, views)
        else:
            started = time.monotonic()
            answered = await_applied(self.worker_address, notification_id, timeout, views)
            remaining = max(timeout - (time.monotonic() - started), 0.0)
            done = (answered if answered is not None
                    else self._poll_positions(notification_id, remaining, views))
        if not done:
            log.warning("read_models_lagging", notification_id=notification_id, waited_s=timeout)
        return done

    def views_showing(self, event_types: Iterable[type]) -> set[str]:
        """The views a write of these event classes changes: those with a handler for one of them,
        and those that take every event (the timeline). What read-your-writes waits for."""
        types = set(event_types)
        return {name for name, projection in self.projections.items()
                if not projection.filter_topics or types & projection._handlers.keys()}

    def _poll_positions(self, notification_id: int, timeout: float,
                        views: Collection[str] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while self.read_models_lag(notification_id, views):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def read_models_lag(self, notification_id: int, views: Collection[str] | None = None) -> dict[str, int]:
        """Views (of `views`, or all) that have not applied `notification_id` yet: name ->
        notifications still to read."""
        lag: dict[str, int] = {}
        for name in self.projections:
            if views is not None and name not in views:
                continue
            position = self.view(name).max_tracking_id(self.app.name) or 0
            if position < notification_id:
                lag[name] = notification_id - position
        return lag

    def close(self) -> None:
        if self.projection_service is not None:
            self.projection_service.stop()
        self._announcer.close()
        if "app" in self.__dict__:
            self.app.close()
        if "datastore" in self.__dict__ and self.datastore.engine is not None:
            self.datastore.engine.dispose()
