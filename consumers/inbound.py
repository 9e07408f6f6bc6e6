"""Inbound consumers: fire-safety findings and 12345 work orders become the API's own commands.

Three layers, so the interesting parts are tested without a broker:
- `decode`: record → CloudEvents headers → JSON → the topic's marshmallow schema → the command's
  schema (via the dispatcher). Anything wrong becomes a `Rejected` with a reason and field errors.
- `handle`: a decoded command → dispatcher. A `Conflict` is a redelivery of something already
  recorded (the commands are idempotent by natural key: finding number, work-order number), so it
  counts as done. A domain refusal (unknown facility, ...) is a rejection for the dead-letter topic.
- `InboundConsumer.run`: the loop. Poll with a timeout, stop on a flag (SIGTERM), dead-letter the
  refused records (original bytes, key and headers, plus the reason), commit offsets only after
  every record up to them was handled, close in `finally`. A failure that is not the record's fault
  (database down) leaves the offset uncommitted and retries the same record after a backoff.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from consumers.envelope import SPECVERSION, header
from consumers.topics import Catalogue, Topic
from supervision.application import Context
from supervision.domain.errors import Conflict, DomainError, InvalidCommand, PermissionDenied

log = structlog.get_logger(__name__)

#: what an inbound topic's records turn into, beyond their own fields
FIXED_FIELDS: dict[str, dict[str, Any]] = {
    "inbound.hotline-complaints": {"channel": "hotline_12345"},
    "inbound.fire-safety-findings": {"origin": "fire_authority"},
}


@dataclass(frozen=True)
class Decoded:
    command: str
    payload: dict[str, Any]
    ce_id: str


@dataclass(frozen=True)
class Rejected:
    reason: str
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str  # accepted | duplicate | rejected
    detail: str = ""
    rejected: Rejected | None = None


def _schema_errors(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}


def decode(topic: Topic, headers: Iterable[tuple[str, bytes]] | None, value: bytes | None,
           dispatcher: Any) -> Decoded | Rejected:
    """Turn one inbound record into a command, or say precisely why not."""
    headers = list(headers or [])
    if header(headers, "ce_specversion") != SPECVERSION:
        return Rejected("not a CloudEvents 1.0 binary-mode record", {"ce_specversion": ["must be 1.0"]})
    ce_id = header(headers, "ce_id")
    if not ce_id:
        return Rejected("missing ce_id", {"ce_id": ["required"]})
    if header(headers, "ce_type") != topic.ce_type:
        expected = f"must be {topic.ce_type}"
        return Rejected(f"unexpected ce_type, expected {topic.ce_type}", {"ce_type": [expected]})
    if value is None:
        return Rejected("empty record (tombstone)", {"_body": ["required"]})
    try:
        body = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Rejected(f"body is not UTF-8 JSON: {exc}", {"_body": ["not valid JSON"]})
    if not isinstance(body, dict):
        return Rejected("body must be a JSON object", {"_body": ["must be an object"]})
    errors = topic.schema().validate(body)
    if errors:
        return Rejected("body fails the topic schema", _schema_errors(errors))
    payload = {k: v for k, v in body.items() if k != "schema_version"}
    payload.update(FIXED_FIELDS.get(topic.name, {}))
    assert topic.command is not None
    try:
        dispatcher.load(topic.command, payload)
    except InvalidCommand as exc:
        return Rejected(f"invalid {topic.command}", exc.fields)
    return Decoded(topic.command, payload, ce_id)


def handle(decoded: Decoded, dispatcher: Any, ctx: Context) -> Outcome:
    """Run the command as the consumer's actor; redelivery (a 409) is success."""
    try:
        accepted = dispatcher.dispatch(decoded.command, decoded.payload, ctx)
    except Conflict as exc:
        return Outcome("duplicate", exc.message)
    except PermissionDenied:
        raise  # a misconfigured consumer actor: every record would fail; stop, do not dead-letter
    except DomainError as exc:
        return Outcome("rejected", exc.message, Rejected(exc.message, exc.fields))
    return Outcome("accepted", accepted.id)


def dead_letter_headers(record: Any, rejected: Rejected, now: datetime) -> list[tuple[str, bytes]]:
    """Original headers, then why and where from: the value stays the original bytes, so an
    operator can fix the producer and replay the record unchanged."""
    extra = {
        "dlq_reason": rejected.reason,
        "dlq_fields": json.dumps(rejected.fields, ensure_ascii=False),
        "dlq_source_topic": record.topic,
        "dlq_source_partition": str(record.partition),
        "dlq_source_offset": str(record.offset),
        "dlq_failed_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    return [*(record.headers or []), *((k, v.encode()) for k, v in extra.items())]


def describe(record: Any) -> dict[str, Any]:
    """Log context of a record: never its body (it may hold a complainant's identity)."""
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset,
            "ce_id": header(record.headers, "ce_id"),
            "key_b64": base64.b64encode(record.key).decode() if record.key else None}


class InboundConsumer:
    """The loop around `decode` and `handle` for one inbound topic (`eldercare consume fire|hotline`)."""

    def __init__(
        self,
        topic: Topic,
        catalogue: Catalogue,
        dispatcher: Any,
        ctx: Context,
        new_consumer: Callable[[str], Any],
        new_producer: Callable[[], Any],
        *,
        poll_timeout_ms: int = 500,
        backoff: tuple[float, float] = (0.5, 30.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.topic = topic
        self.catalogue = catalogue
        self.dispatcher = dispatcher
        self.ctx = ctx
        self.new_consumer = new_consumer
        self.new_producer = new_producer
        self.poll_timeout_ms = poll_timeout_ms
        self.backoff = backoff
        self.clock = clock
        self.counts: dict[str, int] = {"accepted": 0, "duplicate": 0, "rejected": 0}
        self._producer: Any = None

    @property
    def topic_name(self) -> str:
        return self.catalogue.full(self.topic.name)

    def dead_letter(self, record: Any, rejected: Rejected) -> None:
        assert self.topic.dlq is not None
        if self._producer is None:
            self._producer = self.new_producer()
        self._producer.send(
            self.catalogue.full(self.topic.dlq), value=record.value, key=record.key,
            headers=dead_letter_headers(record, rejected, self.clock()),
        ).get(timeout=30)  # acknowledged before the source offset is committed

    def process(self, record: Any) -> str:
        """Decode and handle one record; dead-letter it when refused. Returns the outcome."""
        decoded = decode(self.topic, record.headers, record.value, self.dispatcher)
        if isinstance(decoded, Rejected):
            outcome = Outcome("rejected", decoded.reason, decoded)
        else:
            outcome = handle(decoded, self.dispatcher, self.ctx)
        if outcome.rejected is not None:
            self.dead_letter(record, outcome.rejected)
        self.counts[outcome.status] += 1
        log.info("inbound_record_handled", outcome=outcome.status, reason=outcome.detail if
                 outcome.status == "rejected" else None, **describe(record))
        return outcome.status

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set. Offsets are committed per partition after its records are handled;
        on any other failure the consumer is rebuilt and resumes from the committed offsets."""
        from kafka.structs import OffsetAndMetadata

        attempt = 0
        consumer = None
        try:
            while not stop.is_set():
                try:
                    if consumer is None:
                        consumer = self.new_consumer(self.topic_name)
                        log.info("inbound_consumer_started", topic=self.topic_name)
                    polled = consumer.poll(timeout_ms=self.poll_timeout_ms)
                    for tp, records in polled.items():
                        for record in records:
                            self.process(record)
                        consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)})
                    attempt = 0
                except PermissionDenied:
                    log.error("inbound_actor_not_allowed", topic=self.topic_name, role=self.ctx.actor.role)
                    raise
                except Exception as exc:  # broker or database trouble: nothing committed past it
                    attempt += 1
                    delay = min(self.backoff[0] * 2 ** (attempt - 1), self.backoff[1])
                    log.warning("inbound_consumer_retrying", topic=self.topic_name, attempt=attempt,
                                retry_in_s=delay, error=f"{type(exc).__name__}: {exc}")
                    consumer = self._discard(consumer)
                    stop.wait(delay)
        finally:
            self._discard(consumer)
            log.info("inbound_consumer_stopped", topic=self.topic_name, **self.counts)

    def _discard(self, consumer: Any) -> None:  # returns None to clear the caller's reference
        """Close clients after an error; a new consumer resumes from the committed offsets."""
        for client in (consumer, self._producer):
            if client is not None:
                try:
                    client.close()
                except Exception:
                    log.debug("inbound_client_close_failed", exc_info=True)
        self._producer = None
        return None
