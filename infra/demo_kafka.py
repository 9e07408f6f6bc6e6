"""The demo's Kafka: a local broker (unless KAFKA_BOOTSTRAP_SERVERS is set) and the relay.

The local broker keeps its data in memory, so the relay starts from position 0 with it: every demo
event is on the topics. It is stopped when the demo process exits (and killed by the kernel if the
process dies, see infra/broker.py).
"""

from __future__ import annotations

import atexit
from dataclasses import replace

from infra.bootstrap import Container
from infra.kafka_relay import build_relay, relay_view


def start(container: Container) -> str:
    """Start what is needed, publish the demo data, and say where to look."""
    settings = container.settings
    origin = "KAFKA_BOOTSTRAP_SERVERS"
    if not settings.kafka_bootstrap_servers:
        from infra.broker import LocalBroker

        broker = LocalBroker(log_dir=settings.var_dir / "broker").start()
        atexit.register(broker.stop)
        container.settings = replace(settings, kafka_bootstrap_servers=broker.bootstrap_servers)
        view = relay_view(container)  # a new, empty broker: publish everything again
        view.drop_tables()
        view.create_table()
        origin = f"local broker, in memory, log {broker.log_path}"
    relay = build_relay(container)
    try:
        relay.catch_up()
        published = relay.published
    finally:
        relay.close()
    topics = ", ".join(relay.catalogue.outbound_names())
    return (f"kafka: {container.settings.kafka_bootstrap_servers} ({origin}); relayed {published} records; "
            f"topics: {topics}")
