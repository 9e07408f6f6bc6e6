"""The relay's producer, on either Kafka client: kafka-python (default) or confluent-kafka (librdkafka).

The relay uses a small surface: `send(topic, value=, key=, headers=) -> future`, `flush(timeout)`,
`close(timeout)`, and a future with `is_done`, `succeeded()` and `exception`. kafka-python's
`KafkaProducer` has it; `ConfluentProducer` gives confluent-kafka's `Producer` the same surface and
turns librdkafka's errors into kafka-python's exception classes, so the relay's transient/permanent
classification (`projections.failures`) is the same on both clients.

Settings are written once, in kafka-python's names (`PRODUCER_DEFAULTS` in consumers/relay.py), and
translated here for librdkafka. The guarantees are the same on both: acks=all, idempotence, at most
5 requests in flight, the relay advancing its position only over acknowledged records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

KAFKA_PYTHON, CONFLUENT = "kafka-python", "confluent"
CLIENTS = (KAFKA_PYTHON, CONFLUENT)

#: kafka-python setting → librdkafka property (value converter)
_LIBRDKAFKA: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "acks": ("acks", str),
    "enable_idempotence": ("enable.idempotence", bool),
    "linger_ms": ("linger.ms", int),
    "batch_size": ("batch.size", int),
    "request_timeout_ms": ("request.timeout.ms", int),
    "delivery_timeout_ms": ("delivery.timeout.ms", int),
    "retry_backoff_ms": ("retry.backoff.ms", int),
    "max_in_flight_requests_per_connection": ("max.in.flight.requests.per.connection", int),
    "bootstrap_timeout_ms": ("socket.connection.setup.timeout.ms", int),
    "reconnect_backoff_max_ms": ("reconnect.backoff.max.ms", int),
    "max_request_size": ("message.max.bytes", int),
}


#: kafka-python settings with nothing to translate: librdkafka's `produce` never waits for metadata
#: (it queues the record), so kafka-python's bound on that wait has no counterpart
_NOT_IN_LIBRDKAFKA = frozenset({"max_block_ms"})


def librdkafka_config(bootstrap_servers: str, client_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """librdkafka properties for kafka-python-named `settings`; an unknown name is a `ValueError`."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap_servers, "client.id": client_id}
    for name, value in settings.items():
        if name in _NOT_IN_LIBRDKAFKA:
            continue
        if name not in _LIBRDKAFKA:
            raise ValueError(f"producer setting {name!r} has no confluent-kafka equivalent here")
        prop, convert = _LIBRDKAFKA[name]
        config[prop] = convert(value)
    # one record's limit as kafka-python's `max_request_size` (1 MiB by default; librdkafka's own
    # default is 1,000,000 bytes): the same events are parked as too large on both clients
    config["message.max.bytes"] = max(int(settings.get("max_request_size", 1024 * 1024)), 1000)
    return config


def as_kafka_python_error(err: Any) -> BaseException:
    """A librdkafka `KafkaError` as the kafka-python exception the relay classifies.

    Oversize → `MessageSizeTooLargeError` (permanent); broker unreachable, timed out, or a fatal
    idempotence state (the relay replaces the producer) → transient; a broker error code → its
    kafka-python class (`retriable` decides); anything else → permanent `KafkaError`.
    """
    from confluent_kafka import KafkaError as RdError
    from kafka import errors

    code, text = err.code(), f"{err.name()}: {err.str()}"
    if code in _codes(RdError, "MSG_SIZE_TOO_LARGE", "_MSG_SIZE_TOO_LARGE", "MESSAGE_TOO_LARGE"):
        return errors.MessageSizeTooLargeError(text)
    unreachable = _codes(RdError, "_MSG_TIMED_OUT", "_TIMED_OUT", "_TRANSPORT", "_ALL_BROKERS_DOWN",
                         "_RESOLVE",
                         "_TIMED_OUT_QUEUE", "_DESTROY", "_FATAL", "_WAIT_COORD")
    if code in unreachable or err.fatal():
        return errors.KafkaConnectionError(text)
    if code >= 0:
        error_class = errors.for_code(code)
        return error_class(text)
    if err.retriable():
        return errors.KafkaConnectionError(text)
    return errors.KafkaError(text)


def _codes(error_class: Any, *names: str) -> frozenset[int]:
    """The error codes of these names that this librdkafka build defines (names vary by version)."""
    return frozenset(getattr(error_class, name) for name in names if hasattr(error_class, name))


class DeliveryFuture:
    """One record's delivery: done when librdkafka's delivery report arrived."""

    __slots__ = ("exception", "is_done")

    def __init__(self) -> None:
        self.is_done = False
        self.exception: BaseException | None = None

    def succeeded(self) -> bool:
        return self.is_done and self.exception is None

    def __call__(self, err: Any, _msg: Any) -> None:  # librdkafka's delivery callback
        if err is not None:
            self.exception = as_kafka_python_error(err)
        self.is_done = True


class ConfluentProducer:
    """confluent-kafka's `Producer` behind kafka-python's `send`/`flush`/`close` (see module doc)."""

    def __init__(self, bootstrap_servers: str, client_id: str, **settings: Any) -> None:
        from confluent_kafka import Producer

        # librdkafka's own log lines go through stdlib logging (and so structlog), not raw stderr
        config = {**librdkafka_config(bootstrap_servers, client_id, settings),
                  "logger": logging.getLogger("confluent_kafka")}
        self._producer: Any = Producer(config)
        self._timeout_s = int(settings.get("delivery_timeout_ms", 120_000)) / 1000

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None,
             headers: list[tuple[str, bytes]] | None = None) -> DeliveryFuture:
        """Queue one record; raises kafka-python's errors (oversize, queue full past the timeout)."""
        from confluent_kafka import KafkaException
        from kafka import errors

        future = DeliveryFuture()
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, headers=headers, on_delivery=future)
                self._producer.poll(0)  # serve the delivery reports in: earlier records become done
                return future
            except BufferError:  # the local queue is full: let deliveries drain it
                if time.monotonic() > deadline:
                    raise errors.KafkaTimeoutError("producer queue full") from None
                self._producer.poll(0.05)
            except KafkaException as exc:
                raise as_kafka_python_error(exc.args[0]) from exc

    def flush(self, timeout: float | None = None) -> None:
        """Wait for delivery reports up to `timeout` s; records still undelivered stay not `is_done`."""
        self._producer.flush(-1 if timeout is None else timeout)

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued within `timeout` s, then drop the rest (the relay re-sends it)."""
        if self._producer is None:
            return
        self._producer.flush(0 if timeout is None else timeout)
        self._producer.purge()
        self._producer.poll(0)
        self._producer = None  # librdkafka's threads stop (no reconnecting to a broker gone)


def producer_factory(bootstrap_servers: str, client: str = KAFKA_PYTHON, *,
                     client_id: str = "eldercare-relay",
                     **settings: Any) -> Callable[[], Any]:
    """A maker of the relay's producer on `client`; nothing connects until it is called."""
    if client not in CLIENTS:
        raise ValueError(f"unknown Kafka client {client!r}; one of {', '.join(CLIENTS)}")

    def make() -> Any:
        if client == CONFLUENT:
            return ConfluentProducer(bootstrap_servers, client_id, **settings)
        from kafka import KafkaProducer

        return KafkaProducer(bootstrap_servers=bootstrap_servers, client_id=client_id, **settings)

    return make
