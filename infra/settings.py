"""Settings from the environment: one `DATABASE_URL` chooses SQLite (embedded) or PostgreSQL.

Nothing here connects; `infra.bootstrap` builds components from a `Settings` value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/eldercare.sqlite"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    views_url: str | None = None
    var_dir: Path = Path("var")
    kafka_bootstrap_servers: str | None = None
    topic_prefix: str = "eldercare"
    tokens_file: Path | None = None
    secret_keys: tuple[bytes, ...] = ()
    holidays_file: Path | None = None
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    today: date | None = None  # fixed "today" for demos and tests (Asia/Shanghai otherwise)
    duty_reports_from: int | None = None  # year from which missing reports are tracked (docs/duties.md)
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("ELDERCARE_VAR_DIR", "var"))
        keys = tuple(
            k.strip().encode() for k in env.get("ELDERCARE_SECRET_KEYS", "").split(",") if k.strip()
        )
        today = env.get("ELDERCARE_TODAY")
        try:
            fixed_today = date.fromisoformat(today) if today else None
        except ValueError:
            raise SettingsError(f"ELDERCARE_TODAY={today!r} is not a YYYY-MM-DD date") from None
        settings = cls(
            database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            views_url=env.get("VIEWS_DATABASE_URL") or None,
            var_dir=var_dir,
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            topic_prefix=env.get("ELDERCARE_TOPIC_PREFIX", "eldercare"),
            tokens_file=_path(env.get("ELDERCARE_TOKENS_FILE")),
            secret_keys=keys,
            holidays_file=_path(env.get("ELDERCARE_HOLIDAYS_FILE")),
            log_format=env.get("ELDERCARE_LOG_FORMAT", "auto"),
            log_level=env.get("ELDERCARE_LOG_LEVEL", "INFO"),
            today=fixed_today,
            duty_reports_from=_year(env.get("ELDERCARE_DUTY_REPORTS_FROM")),
        )
        settings.store_env()  # fail early on a malformed DATABASE_URL
        return settings

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tokens_path(self) -> Path:
        return self.tokens_file or self.var_dir / "tokens.json"

    @property
    def secret_key_path(self) -> Path:
        return self.var_dir / "secret.key"

    def sqlite_path(self) -> Path:
        parts = urlsplit(self.database_url)
        raw = unquote(parts.path)
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy reads them
        return Path(raw[1:] if raw.startswith("/") else raw)

    def store_env(self) -> dict[str, str]:
        """The `eventsourcing` persistence environment for the event store."""
        if self.is_sqlite:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path()),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        parts = urlsplit(self.database_url)
        if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise SettingsError(
                f"DATABASE_URL scheme {parts.scheme!r} is not supported: use sqlite:///path or "
                "postgresql://user[:password]@host[:port]/dbname"
            )
        if not parts.path.strip("/"):
            raise SettingsError("DATABASE_URL must name a database: postgresql://user@host/dbname")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": "5",
        }

    def views_sqlalchemy_url(self) -> str:
        """Read models live beside the events: a sibling SQLite file, or the same PostgreSQL DB."""
        if self.views_url:
            return self.views_url
        if self.is_sqlite:
            path = self.sqlite_path()
            return f"sqlite:///{path.with_name(path.stem + '-views' + path.suffix)}"
        parts = urlsplit(self.database_url)
        return parts._replace(scheme="postgresql+psycopg").geturl()


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise SettingsError(f"ELDERCARE_DUTY_REPORTS_FROM={value!r} is not a year (e.g. 2026)")
    return int(value)
