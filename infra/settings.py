"""Settings from the environment: one `DATABASE_URL` chooses SQLite (embedded) or PostgreSQL.

Nothing here connects (but `Settings.store_exists` on PostgreSQL, one query the CLI asks before a
command opens the store); `infra.bootstrap` builds components from a `Settings` value.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/eldercare.sqlite"
#: the event store's table on PostgreSQL: eventsourcing's `<application name>_events`
#: (`eventsourcing.postgres.PostgresFactory.application_recorder`; the application is "eldercare")
POSTGRES_EVENTS_TABLE = "eldercare_events"
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: the configuration file: found in the current folder or a parent (like git or ruff), in
#: `~/.config/eldercare/`, or beside the source checkout the package is installed from
CONFIG_NAME = "eldercare.toml"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    views_url: str | None = None
    var_dir: Path = Path("var")
    kafka_bootstrap_servers: str | None = None
    #: the relay's Kafka client: kafka-python (default) or confluent (consumers/producers.py)
    kafka_client: str = "kafka-python"
    topic_prefix: str = "eldercare"
    tokens_file: Path | None = None
    secret_keys: tuple[bytes, ...] = ()
    holidays_file: Path | None = None
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    today: date | None = None  # fixed "today" for demos and tests (Asia/Shanghai otherwise)
    max_message_bytes: int = 1024 * 1024  # the broker's message limit; bigger events are refused (413)
    read_models_wait_s: float = 2.0  # read-your-writes bound: longer, and a command answers 202
    duty_reports_from: int | None = None  # year from which missing reports are tracked (docs/duties.md)
    #: concurrent saves of one process share one event-store transaction (PostgreSQL; infra/group_commit.py)
    group_commit: bool = True
    #: public list answers each API worker keeps (0 = off; supervision/api/view_cache.py)
    public_cache_entries: int = 512
    #: a view that left a notification waiting longer than this is "stalled" in /healthz, seconds
    health_stall_s: float = 120.0
    extra: dict[str, str] = field(default_factory=dict)
    #: the configuration file that was read (None: environment only)
    config_file: Path | None = None
    #: True when the store's location was given (DATABASE_URL); False when it is the default
    store_explicit: bool = True
    oidc: dict[str, str] = field(default_factory=dict)  # ELDERCARE_OIDC_* (supervision.auth.OidcSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
        """Settings from the environment over the configuration file (`eldercare.toml`, whose keys
        are the variables' names; its relative paths are relative to the file), over defaults.

        Raises `SettingsError` naming the variable or the file when one is malformed.
        """
        raw_env = os.environ if environ is None else environ
        # the environment wins: when it names the store, no file is read (tests, containers)
        config = None if raw_env.get("DATABASE_URL") else find_config(raw_env, cwd or Path.cwd())
        env: dict[str, str] = {**(read_config(config) if config else {}), **raw_env}
        base = config.parent if config else (cwd or Path.cwd())
        var_dir = Path(env.get("ELDERCARE_VAR_DIR", "var"))
        if not var_dir.is_absolute():
            var_dir = base / var_dir
        keys = tuple(
            k.strip().encode() for k in env.get("ELDERCARE_SECRET_KEYS", "").split(",") if k.strip()
        )
        today = env.get("ELDERCARE_TODAY")
        try:
            fixed_today = date.fromisoformat(today) if today else None
        except ValueError:
            raise SettingsError(f"ELDERCARE_TODAY={today!r} is not a YYYY-MM-DD date") from None
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'eldercare.sqlite'}"
        if config and database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
            relative = database_url.removeprefix("sqlite:///")
            database_url = f"sqlite:///{base / relative}"
        settings = cls(
            database_url=database_url,
            views_url=env.get("VIEWS_DATABASE_URL") or None,
            var_dir=var_dir,
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            kafka_client=_kafka_client(env.get("ELDERCARE_KAFKA_CLIENT")),
            topic_prefix=_topic_prefix(env.get("ELDERCARE_TOPIC_PREFIX", "eldercare")),
            tokens_file=_path(env.get("ELDERCARE_TOKENS_FILE")),
            secret_keys=keys,
            holidays_file=_path(env.get("ELDERCARE_HOLIDAYS_FILE")),
            log_format=env.get("ELDERCARE_LOG_FORMAT", "auto"),
            log_level=env.get("ELDERCARE_LOG_LEVEL", "INFO"),
            today=fixed_today,
            config_file=config,
            store_explicit=bool(env.get("DATABASE_URL")),
            max_message_bytes=_int(env, "ELDERCARE_MAX_MESSAGE_BYTES", 1024 * 1024),
            read_models_wait_s=_seconds(env, "ELDERCARE_READ_MODELS_WAIT_S", 2.0),
            oidc={k: v for k, v in env.items() if k.startswith("ELDERCARE_OIDC_")},
            duty_reports_from=_year(env.get("ELDERCARE_DUTY_REPORTS_FROM")),
            group_commit=read_switch(env, "ELDERCARE_GROUP_COMMIT", True),
            public_cache_entries=_count(env, "ELDERCARE_PUBLIC_CACHE_ENTRIES", 512, 1_000_000),
            health_stall_s=_seconds(env, "ELDERCARE_HEALTH_STALL_S", 120.0, most=86_400,
                                    least=1),  # 0 s: every write in flight would read as a stall
            # the console's own variables (supervision/console/env.py), file and environment merged
            extra={k: v for k, v in env.items() if k.startswith("ELDERCARE_CONSOLE_")},
        )
        check_database_url("DATABASE_URL", settings.database_url)
        if settings.views_url:
            check_database_url("VIEWS_DATABASE_URL", settings.views_url)
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
        """The `eventsourcing` persistence environment for the event store (and the event size limit)."""
        limit = {"ELDERCARE_MAX_MESSAGE_BYTES": str(self.max_message_bytes)}
        if self.is_sqlite:
            return {
                **limit,
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path()),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        parts = urlsplit(self.database_url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}  # libpq's ?host=/run/postgresql&user=
        if parts.scheme not in POSTGRES_SCHEMES:
            raise SettingsError(
                f"DATABASE_URL scheme {parts.scheme!r} is not supported: use sqlite:///path or "
                "postgresql://user[:password]@host[:port]/dbname"
            )
        if not parts.path.strip("/"):
            raise SettingsError("DATABASE_URL must name a database: postgresql://user@host/dbname")
        return {
            **limit,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
            "POSTGRES_HOST": parts.hostname or query.get("host") or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or query.get("port") or 5432),
            "POSTGRES_USER": unquote(parts.username or "") or query.get("user") or "postgres",
            "POSTGRES_PASSWORD": unquote(parts.password or "") or query.get("password", ""),
            # the pool's wait for a connection, per attempt; eventsourcing tries ten times, so a store
            # that went away is reported (503, exit 69) after ~7-12 s, not 52 s as with 5 s
            "POSTGRES_CONNECT_TIMEOUT": "1",
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
        return with_scheme(self.database_url, "postgresql+psycopg")


    def store_exists(self) -> bool:
        """Is there an event store where these settings say? SQLite: the file is there. PostgreSQL:
        the database holds the event store's table (`POSTGRES_EVENTS_TABLE`), found by one query
        (`to_regclass`, on the server's search path as eventsourcing names it) on a connection of
        its own; an empty database is no store. A database that cannot be used is another case: the
        driver's error is raised (`psycopg.OperationalError`: unreachable, exit 69; no such
        database or role, authentication refused, exit 78, see `supervision.unavailable`)."""
        if self.is_sqlite:
            return self.sqlite_path().exists()
        import psycopg

        conninfo = with_scheme(self.database_url, "postgresql")
        with psycopg.connect(conninfo, connect_timeout=5, autocommit=True) as conn:
            found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (POSTGRES_EVENTS_TABLE,)).fetchone()
        return bool(found and found[0])

    def store_location(self) -> str:
        """Where the event store is, for messages: the SQLite file, or the PostgreSQL database as
        `postgresql://user@host:port/dbname` (never its password)."""
        if self.is_sqlite:
            return str(self.sqlite_path())
        env = self.store_env()
        host = env["POSTGRES_HOST"]
        host = f"[{host}]" if ":" in host else host  # an IPv6 address
        return f"postgresql://{env['POSTGRES_USER']}@{host}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"

    def where_looked(self) -> str:
        """For the error of a missing store: which file was read, or where one was searched."""
        if self.config_file:
            return f"configuration {self.config_file}"
        return (f"no {CONFIG_NAME} in the current folder or its parents, in ~/.config/eldercare/ "
                "or beside the installed source; DATABASE_URL and ELDERCARE_CONFIG unset")


def write_default_config(folder: Path) -> Path | None:
    """Written by `eldercare demo` when no configuration exists, so that the CLI finds the demo's
    store from this folder, its subfolders and (beside a source checkout) anywhere."""
    path = folder / CONFIG_NAME
    if path.exists():
        return None
    path.write_text(
        "# eldercare configuration (written by `eldercare demo`): keys are the environment\n"
        "# variables of README.md; relative paths are relative to this file. The environment wins.\n"
        'ELDERCARE_VAR_DIR = "var"\n',
        encoding="utf-8",
    )
    return path


def find_config(environ: Mapping[str, str], cwd: Path) -> Path | None:
    """`ELDERCARE_CONFIG`, else the nearest `eldercare.toml` from `cwd` upwards, else the user's,
    else the one beside the source checkout this package runs from (a `./dev.sh demo` writes it)."""
    named = environ.get("ELDERCARE_CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"ELDERCARE_CONFIG={named!r}: no such file")
        return path.resolve()
    for folder in (cwd, *cwd.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate.resolve()
    user = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "eldercare" / CONFIG_NAME
    if user.is_file():
        return user.resolve()
    source = Path(__file__).resolve().parents[1] / CONFIG_NAME
    if source.is_file():
        return source
    return None


def read_config(path: Path) -> dict[str, str]:
    """The file's keys are the environment variables' names (`DATABASE_URL = "..."`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: not a readable TOML file: {exc}") from None
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str | int | float | bool) or not key.isupper():
            raise SettingsError(f"{path}: {key!r} must be an upper-case variable name with a value")
        # TOML's booleans as the environment spells them (str(True) is 'True', echoed back as such)
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number of bytes") from None
    if value < 64 * 1024:  # below this the relay's headroom leaves no room for an event
        raise SettingsError(f"{name}={raw!r}: at least 65536 bytes")
    return value


def read_switch(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    """An on/off variable: on/1/true/yes or off/0/false/no, any case; anything else is a
    `SettingsError` (a `ValueError`) naming it."""
    raw = env.get(name)
    if not raw:
        return default
    value = raw.strip().lower()
    if value in ("on", "1", "true", "yes"):
        return True
    if value in ("off", "0", "false", "no"):
        return False
    raise SettingsError(f"{name}={raw!r}: on or off")


def _count(env: Mapping[str, str], name: str, default: int, most: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) > most:
        raise SettingsError(f"{name}={raw!r} must be a whole number from 0 to {most}")
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: float, most: float = 60,
             least: float = 0) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if not least <= value <= most:  # also refuses nan
        raise SettingsError(f"{name}={raw!r} must be between {least:g} and {most:g} seconds")
    return value


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise SettingsError(f"ELDERCARE_DUTY_REPORTS_FROM={value!r} is not a year (e.g. 2026)")
    return int(value)


def _kafka_client(value: str | None) -> str:
    from consumers.producers import CLIENTS, KAFKA_PYTHON

    if not value:
        return KAFKA_PYTHON
    if value not in CLIENTS:
        raise SettingsError(f"ELDERCARE_KAFKA_CLIENT={value!r} is not one of {', '.join(CLIENTS)}")
    return value


#: a Kafka topic name is at most 249 of `[A-Za-z0-9._-]`; the longest name here adds 33 to the prefix
_TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]{0,200}")


def _topic_prefix(value: str) -> str:
    """ELDERCARE_TOPIC_PREFIX: what every topic name starts with (`<prefix>.facilities`); empty for
    bare names. Refused at start rather than by the broker at the relay's first send."""
    if not _TOPIC_PREFIX.fullmatch(value) or value in (".", ".."):
        raise SettingsError(f"ELDERCARE_TOPIC_PREFIX={value[:60]!r}: a topic name prefix is up to 200 "
                            "of A-Z a-z 0-9 . _ - (Kafka's topic name characters), e.g. jc.eldercare")
    return value


def with_scheme(url: str, scheme: str) -> str:
    """`url` under another scheme, the rest kept byte for byte (`urlsplit(...).geturl()` turns
    `postgresql:///db?host=/run/postgresql`, an empty host, into `postgresql:/db?...`)."""
    return scheme + url[url.index(":"):]


def _masked(url: str) -> str:
    """`url` for a message: a password between `:` and `@` is shown as `***`."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user, colon, _ = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{tail}"


def check_database_url(name: str, url: str) -> None:
    """Refuse a database URL no driver could use, as a setting error (exit 78) naming `name` and
    showing the URL without its password: spaces or control characters (percent-encode them), a
    port that is not a number in 1-65535, a bracketed IPv6 host left open, a SQLite URL with a host
    part (`sqlite://file.sqlite`: SQLite paths are `sqlite:///relative` or `sqlite:////absolute`)
    or without a file, a scheme other than sqlite or postgresql, a PostgreSQL URL naming no database.
    A URL that parses is not checked against the server here: the driver's refusal is classified
    where it connects (`supervision.unavailable`)."""
    shown = _masked(url)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise SettingsError(f"{name}={shown!r} holds spaces or control characters: percent-encode them "
                            "(a space is %20)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SettingsError(f"{name}={shown!r} is malformed: {exc}") from None
    if port == 0:
        raise SettingsError(f"{name}={shown!r} is malformed: port 0")
    if parts.scheme.split("+")[0] == "sqlite":
        if parts.netloc:
            raise SettingsError(f"{name}={shown!r}: a SQLite URL has no host part; write "
                                "sqlite:///relative/path.sqlite or sqlite:////absolute/path.sqlite")
        if not parts.path.strip("/"):
            raise SettingsError(f"{name}={shown!r} names no SQLite file")
    elif parts.scheme in POSTGRES_SCHEMES:
        if not parts.path.strip("/"):
            raise SettingsError(f"{name} must name a database: postgresql://user@host/dbname")
    else:
        raise SettingsError(f"{name} scheme {parts.scheme!r} is not supported: use sqlite:///path or "
                            "postgresql://user[:password]@host[:port]/dbname")
