"""Composition of the Kafka pieces: the relay, the topics it needs, its place in `serve`.

`consumers/` knows nothing of settings or the container; this module builds it from them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from consumers.relay import EventTranslator, Relay, RelayView, producer_factory, start_relay_thread
from consumers.relay_pipeline import Pipeline
from consumers.topics import DLQ, INBOUND, LIST, Catalogue
from infra.bootstrap import Container

log = structlog.get_logger(__name__)


def catalogue(container: Container) -> Catalogue:
    return Catalogue(prefix=container.settings.topic_prefix)


def ensure_catalogue_topics(bootstrap_servers: str, cat: Catalogue, *, inbound: bool = True) -> list[str]:
    """Create our topics where they are missing (list topics compacted); existing ones are left alone."""
    from infra.broker import ensure_topics

    created: list[str] = []
    for topic in cat.topics:
        if topic.kind in (INBOUND, DLQ) and not inbound:
            continue
        created += ensure_topics(bootstrap_servers, [cat.full(topic.name)], partitions=topic.partitions,
                                 compacted=topic.kind == LIST)
    if created:
        log.info("topics_created", topics=created)
    return created


def relay_view(container: Container) -> RelayView:
    view = RelayView(container.datastore)
    view.create_table()
    return view


class TranslatorBuilder:
    """Builds the relay's `EventTranslator` in the translator process (consumers/relay_pipeline.py):
    picklable (settings only); the process opens its own store connections."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def __call__(self) -> EventTranslator:
        container = Container(self.settings)
        app = container.app
        return EventTranslator(app, catalogue(container), RelayView(container.datastore),
                               source=f"/eldercare/{app.name}")


def build_relay(container: Container, bootstrap_servers: str | None = None, *, client: str | None = None,
                two_processes: bool = True, **overrides: Any) -> Relay:
    """The relay on the container's store; `overrides` go to the producer (and `page_size`, ...).
    `client` is the Kafka client (`kafka-python`, `confluent`); by default the setting
    ELDERCARE_KAFKA_CLIENT (kafka-python when unset). `two_processes`: a long catch-up translates
    in a second process (consumers/relay_pipeline.py).
    """
    bootstrap = bootstrap_servers or container.settings.kafka_bootstrap_servers
    if not bootstrap:
        raise ValueError("KAFKA_BOOTSTRAP_SERVERS is not set")
    relay_options = {k: overrides.pop(k) for k in ("page_size", "ack_timeout", "backoff") if k in overrides}
    cat = catalogue(container)
    return Relay(
        container.app,
        relay_view(container),
        cat,
        producer_factory(bootstrap, client or container.settings.kafka_client, **overrides),
        prepare=lambda: ensure_catalogue_topics(bootstrap, cat),
        bootstrap_servers=bootstrap,
        pipeline=Pipeline(TranslatorBuilder(container.settings)) if two_processes else None,
        **relay_options,
    )


def start(container: Container) -> Callable[[], None]:
    """For `serve` (infra.server.BACKGROUND): run the relay when KAFKA_BOOTSTRAP_SERVERS is set."""
    if not container.settings.kafka_bootstrap_servers:
        return lambda: None
    relay = build_relay(container)
    log.info("relay_started", bootstrap=container.settings.kafka_bootstrap_servers,
             client=container.settings.kafka_client)
    return start_relay_thread(relay)
