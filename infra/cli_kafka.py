"""`eldercare relay run|status`, `eldercare consume fire|hotline`, `eldercare mirror joint-punishment`.

Thin: each command builds its piece from settings, installs a SIGTERM handler that sets the stop
flag, and runs the loop until then.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

import click

from infra.cli_support import EXIT_CONFIG, EXIT_INVALID, State, command, echo_json, fail

#: consumer-group timing: production defaults; tests pass shorter ones (the dev broker answers a
#: JoinGroup after about session_timeout_ms / 2)
GROUP_DEFAULTS: dict[str, int] = {
    "session_timeout_ms": 10_000,
    "heartbeat_interval_ms": 3_000,
    "max_poll_interval_ms": 300_000,
}
INBOUND = {
    "fire": ("inbound.fire-safety-findings", "fire", "XFJY", "kafka-fire-authority"),
    "hotline": ("inbound.hotline-complaints", "system", "12345", "kafka-hotline-12345"),
}


def _bootstrap(state: State) -> str:
    bootstrap = state.container.settings.kafka_bootstrap_servers
    if not bootstrap:
        fail("KAFKA_BOOTSTRAP_SERVERS is not set", EXIT_INVALID)
    assert bootstrap is not None
    return bootstrap


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def _group_settings(session_timeout_ms: int | None) -> dict[str, int]:
    if session_timeout_ms is None:
        return dict(GROUP_DEFAULTS)
    return {"session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": max(session_timeout_ms // 4, 100),
            "max_poll_interval_ms": max(session_timeout_ms * 5, 10_000)}


# -- relay -----------------------------------------------------------------------------------
@click.group()
def relay() -> None:
    """Relay the event log to Kafka topics (CloudEvents, key = USCC)."""


@relay.command("run")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500)
@click.option("--request-timeout-ms", type=click.IntRange(100), default=30_000)
@click.option("--poll-interval", type=float, default=0.1, help="seconds between looks at the log")
@command
def relay_run(state: State, batch_size: int, request_timeout_ms: int, poll_interval: float) -> None:
    """Publish every event in order; resume from the recorded position (until SIGTERM)."""
    from infra.kafka_relay import build_relay

    bootstrap = _bootstrap(state)
    stop = _stop_on_signals()
    relay_ = build_relay(state.container, bootstrap, page_size=batch_size,
                         request_timeout_ms=request_timeout_ms,
                         delivery_timeout_ms=max(4 * request_timeout_ms, 30_000),
                         ack_timeout=max(request_timeout_ms / 1000 * 2, 5.0))
    click.echo(f"relay: {bootstrap} from position {relay_.position()} of {relay_.head()}", err=True)
    from consumers.relay import REFUSALS

    try:
        relay_.run_forever(stop, poll_interval=poll_interval)
    except REFUSALS as exc:
        fail(str(exc), EXIT_CONFIG)
    finally:
        relay_.reset_producer()


@relay.command("reset")
@click.option("--yes", is_flag=True, help="do it (without it, only say what would happen)")
@command
def relay_reset(state: State, yes: bool) -> None:
    """Publish the whole log again, from notification 1, under the configured topic prefix.

    For a deliberate change of ELDERCARE_TOPIC_PREFIX (the relay refuses to go on under a new prefix
    without this: the new topics would miss everything published before). Forgets the relay's
    position and the list state it published, and records the configured prefix, in one
    transaction. Stop every running relay (`serve`, `worker`, `relay run`) first; one left running
    under the old prefix stops at its next page. Consumers de-duplicate the records on `ce_id`.
    """
    from infra.kafka_relay import relay_view

    view = relay_view(state.container)
    name = state.container.app.name
    configured = state.container.settings.topic_prefix
    recorded, position = view.destination(name), view.max_tracking_id(name) or 0
    plan = (f"the relay's position {position} (topic prefix {recorded!r}) is forgotten; the whole log "
            f"is published again under {configured!r}")
    if not yes:
        fail(f"nothing done: {plan}. Run again with --yes to do it", EXIT_INVALID)
    forgotten = view.start_over(name, configured)
    echo_json({"reset": True, "forgotten_position": forgotten, "previous_topic_prefix": recorded,
               "topic_prefix": configured,
               "next": "restart `serve` or `worker`, or start `relay run`: it publishes from notification 1"})


@relay.command("status")
@command
def relay_status(state: State) -> None:
    """Position, head and lag of the relay (from its tracking table; no broker needed)."""
    from infra.kafka_relay import catalogue, relay_view

    view = relay_view(state.container)
    position = view.max_tracking_id(state.container.app.name) or 0
    head = state.container.app.recorder.max_notification_id() or 0
    from projections.parked import parked_store

    store = parked_store(view.engine)
    recorded, configured = view.destination(state.container.app.name), state.container.settings.topic_prefix
    from consumers.relay import destination_refusal

    refused = destination_refusal(view, state.container.app.name, configured)
    if refused is None and position > head:
        from consumers.relay import RESET_CURE
        from projections.failures import AheadOfStore

        refused = AheadOfStore("the relay", position, head, RESET_CURE)
    echo_json({"position": position, "head": head, "lag": max(head - position, 0),
               "topic_prefix": configured, "published_under": recorded,
               "refused": str(refused) if refused else None,
               "parked": store.count("relay"),
               "parked_inbound": {s.pipeline: s.count for s in store.summary()
                                  if s.pipeline.startswith("inbound.")},
               "bootstrap_servers": state.container.settings.kafka_bootstrap_servers,
               "topics": catalogue(state.container).outbound_names()})


# -- inbound ---------------------------------------------------------------------------------
@click.command("consume")
@click.argument("which", type=click.Choice(sorted(INBOUND)))
@click.option("--agency", help="agency code recorded as the actor of the commands")
@click.option("--user", help="user id recorded as the actor of the commands")
@click.option("--group", "group_id", help="consumer group (default <prefix>.eldercare.<topic>)")
@click.option("--session-timeout-ms", type=click.IntRange(1000), default=None)
@command
def consume(state: State, which: str, agency: str | None, user: str | None, group_id: str | None,
            session_timeout_ms: int | None) -> None:
    """Turn inbound records into commands (fire findings, 12345 work orders); DLQ the refused."""
    from kafka import KafkaConsumer, KafkaProducer

    from consumers.inbound import InboundConsumer
    from infra.kafka_relay import catalogue
    from supervision.application import Context
    from supervision.domain.values import Actor

    bootstrap = _bootstrap(state)
    name, role, default_agency, default_user = INBOUND[which]
    cat = catalogue(state.container)
    topic = cat.get(name)
    full = cat.full(name)
    group = group_id or f"{full}.eldercare"
    ctx = Context(Actor(user or default_user, agency or default_agency, role), source=f"kafka:{full}")
    group_settings = _group_settings(session_timeout_ms)

    def new_consumer(topic_name: str) -> Any:
        return KafkaConsumer(topic_name, bootstrap_servers=bootstrap, group_id=group,
                             client_id=f"eldercare-consume-{which}", enable_auto_commit=False,
                             auto_offset_reset="earliest", **group_settings)

    def new_producer() -> Any:
        return KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             client_id=f"eldercare-dlq-{which}")

    stop = _stop_on_signals()
    click.echo(f"consume {which}: {full} as {ctx.actor.user} ({ctx.actor.role}), group {group}", err=True)
    from projections.parked import parked_store

    parked = parked_store(state.container.datastore.engine)  # dead letters the DLQ refuses
    InboundConsumer(topic, cat, state.container.dispatcher, ctx, new_consumer, new_producer,
                    parked=parked).run(stop)


# -- reference consumer ----------------------------------------------------------------------
@click.group()
def mirror() -> None:
    """Reference downstream consumers (what market supervision would run)."""


@mirror.command("joint-punishment")
@click.option("--database", "database_url", default=None,
              help="SQLAlchemy URL of the mirror's own database (default sqlite:///<var>/mirror.sqlite)")
@click.option("--once", is_flag=True, help="stop once nothing new arrived for --quiet seconds")
@click.option("--quiet", type=float, default=3.0)
@command
def mirror_joint_punishment(state: State, database_url: str | None, once: bool, quiet: float) -> None:
    """Keep a local table equal to the joint-punishment list (upsert, tombstone = delete)."""
    from kafka import KafkaConsumer

    from consumers.mirror import Mirror, MirrorStore
    from infra.kafka_relay import catalogue

    bootstrap = _bootstrap(state)
    settings = state.container.settings
    url = database_url or f"sqlite:///{settings.var_dir / 'mirror.sqlite'}"
    if database_url is None:  # the default mirror lives in var/ (0700, as the composition root makes it)
        settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = MirrorStore(url)
    topic = catalogue(state.container).full("joint-punishment")
    new_consumer: Callable[[], Any] = lambda: KafkaConsumer(  # noqa: E731
        bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="eldercare-mirror")
    counts = Mirror(store, topic, new_consumer).run(_stop_on_signals(), quiet_s=quiet if once else None)
    echo_json({"topic": topic, **counts, "facilities": len(store.current())})
