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

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from consumers.envelope import SPECVERSION, header
from consumers.topics import Catalogue, Topic
from projections.failures import is_transient
from projections.parked import ParkedStore, record_key
from supervision import strict_json
from supervision.application import Context
from supervision.authority import AttributionRefused, OutsideJurisdiction
from supervision.domain.errors import (
    ConcurrentModification,
    Conflict,
    DomainError,
    InvalidCommand,
    PermissionDenied,
)

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
    """Turn one inbound record into a command, or say precisely why not.

    Whatever the record holds, the answer is a `Decoded` or a `Rejected`: a failure that is the
    record's (undecodable text, nesting too deep, a schema that raises on it) is a rejection for the
    dead-letter topic; only a transient failure (the store unreachable) is raised, to be retried.
    """
    try:
        return _decode(topic, headers, value, dispatcher)
    except Exception as exc:
        if is_transient(exc):
            raise
        return Rejected(f"record cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}",
                        {"_record": [type(exc).__name__]})


def _decode(topic: Topic, headers: Iterable[tuple[str, bytes]] | None, value: bytes | None,
            dispatcher: Any) -> Decoded | Rejected:
    headers = list(headers or [])
    bad_names = [k for k, _ in headers if not isinstance(k, str) or _not_utf8(k)]
    if bad_names:
        return Rejected("a header name is not UTF-8", {"_headers": ["header names must be UTF-8"]})
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
        body = strict_json.loads(value.decode("utf-8"))
    except strict_json.DuplicateKey as exc:
        return Rejected(f"body is ambiguous: {exc}", {exc.key: ["given more than once in one object"]})
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Rejected(f"body is not UTF-8 JSON: {exc}", {"_body": ["not valid JSON"]})
    except RecursionError:
        return Rejected("body nests too deeply to decode", {"_body": ["nesting too deep"]})
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


def _not_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes of another encoding (GBK, ...)
        return True
    return False


def handle(decoded: Decoded, dispatcher: Any, ctx: Context) -> Outcome:
    """Run the command as the consumer's actor; redelivery (a 409) is success.

    A domain refusal is a rejection; so is any other failure the command can never get past
    (a value the store cannot hold, a bug on this input): retrying it would stop the topic. A
    transient failure (store unreachable) is raised, and the record is retried.
    """
    try:
        accepted = dispatcher.dispatch(decoded.command, decoded.payload, ctx)
    except ConcurrentModification:
        raise  # a race with another command, not a redelivery: retried
    except Conflict as exc:
        return Outcome("duplicate", exc.message)
    except (OutsideJurisdiction, AttributionRefused) as exc:
        # this record names a facility or authority the consumer's agency may not act on: only this
        # record can never succeed, so it is dead-lettered and the topic goes on
        return Outcome("rejected", exc.message, Rejected(exc.message, exc.fields))
    except PermissionDenied:
        raise  # a misconfigured consumer actor: every record would fail; stop, do not dead-letter
    except DomainError as exc:
        return Outcome("rejected", exc.message, Rejected(exc.message, exc.fields))
    except Exception as exc:
        if is_transient(exc):
            raise
        reason = f"command failed permanently: {type(exc).__name__}: {str(exc)[:200]}"
        return Outcome("rejected", reason, Rejected(reason, {"_record": [type(exc).__name__]}))
    return Outcome("accepted", accepted.id)


def dead_letter_headers(record: Any, rejected: Rejected, now: datetime,
                        original_headers: list[tuple[str, bytes]] | None = None) -> list[tuple[str, bytes]]:
    """Original headers, then why and where from: the value stays the original bytes, so an
    operator can fix the producer and replay the record unchanged. Header names that are not
    UTF-8 are left out (the producer could not send them again); the reason says so."""
    if original_headers is None:
        original_headers = [(k, v) for k, v in (record.headers or [])
                            if isinstance(k, str) and not _not_utf8(k)]
    extra = {
        "dlq_reason": rejected.reason[:1000],
        "dlq_fields": json.dumps(rejected.fields, ensure_ascii=False)[:4000],
        "dlq_source_topic": record.topic,
        "dlq_source_partition": str(record.partition),
        "dlq_source_offset": str(record.offset),
        "dlq_failed_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    return [*original_headers, *((k, v.encode()) for k, v in extra.items())]


def describe(record: Any) -> dict[str, Any]:
    """Log context of a record: never its body nor its key in clear (a 12345 work order's body or
    key may hold a complainant's identity); the key as a digest, to correlate log lines."""
    try:
        ce_id = header(record.headers, "ce_id")
    except Exception:  # headers that cannot even be read
        ce_id = None
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset,
            "ce_id": ce_id[:100] if ce_id else None,
            "key_sha256": hashlib.sha256(record.key).hexdigest()[:16] if record.key else None}


#: a dead letter's value is cut to this when the full record exceeds the DLQ producer's limit
TRUNCATED_VALUE_BYTES = 64 * 1024


def truncated_dead_letter(
    record: Any, rejected: Rejected, now: datetime, max_value: int = TRUNCATED_VALUE_BYTES
) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """A dead letter that fits: the first `max_value` bytes of the value, the `ce_*` headers that
    are short, the reason, and the original's size and SHA-256 (to match it upstream)."""
    value = record.value or b""
    original = [(k, v) for k, v in (record.headers or [])
                if isinstance(k, str) and k.startswith("ce_") and not _not_utf8(k) and v is not None
                and len(v) <= 256]
    extra = {
        "dlq_truncated": "true",
        "dlq_original_bytes": str(len(value) + sum(len(v or b"") for _, v in record.headers or [])),
        "dlq_original_sha256": hashlib.sha256(value).hexdigest(),
    }
    headers = dead_letter_headers(record, rejected, now, original_headers=original)
    return value[:max_value] or None, [*headers, *((k, v.encode()) for k, v in extra.items())]


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
        parked: ParkedStore | None = None,
    ) -> None:
        self.topic = topic
        self.parked = parked
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

    @property
    def pipeline(self) -> str:
        """This consumer's name in `parked_items`."""
        return self.topic.name  # inbound.<topic>

    def _send_dead_letter(self, value: bytes | None, key: bytes | None,
                          headers: list[tuple[str, bytes]]) -> None:
        assert self.topic.dlq is not None
        if self._producer is None:
            self._producer = self.new_producer()
        try:
            self._producer.send(self.catalogue.full(self.topic.dlq), value=value, key=key,
                                headers=headers).get(timeout=30)  # acknowledged before the commit
        except Exception:
            self._close_producer()  # an idempotent producer's state is not trusted after an error
            raise

    def dead_letter(self, record: Any, rejected: Rejected) -> None:
        """The original record plus why, on the dead-letter topic. When it is too large for the
        DLQ producer (or the broker refuses it), a truncated copy with the reason and the
        original's SHA-256 goes instead; when even that is refused, the record is parked locally
        (partition, offset, reason: never the body). Only a transient failure is raised."""
        try:
            headers = dead_letter_headers(record, rejected, self.clock())
            self._send_dead_letter(record.value, record.key, headers)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning("dead_letter_truncated", error=f"{type(exc).__name__}: {str(exc)[:200]}",
                        **describe(record))
        if self._producer is None:
            self._producer = self.new_producer()
        limit = int(getattr(self._producer, "config", {}).get("max_request_size", 1_048_576))
        value, headers = truncated_dead_letter(record, rejected, self.clock(),
                                               max_value=min(TRUNCATED_VALUE_BYTES, limit // 4))
        try:
            self._send_dead_letter(value, None, headers)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            self._park(record, exc, rejected)

    def _park(self, record: Any, exc: BaseException, rejected: Rejected) -> None:
        describe_ = describe(record)
        if self.parked is not None:
            self.parked.park_now(
                pipeline=self.pipeline, item_key=record_key(record.partition, record.offset),
                partition=record.partition, offset=record.offset, item_id=describe_["ce_id"],
                error=(f"{type(exc).__module__}.{type(exc).__qualname__}",
                       f"dead letter refused ({str(exc)[:300]}); rejected because: {rejected.reason[:500]}"))
        log.error("inbound_record_parked", reason=rejected.reason[:300],
                  error=f"{type(exc).__name__}: {str(exc)[:200]}", **describe_)

    def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=0)
            except Exception:
                log.debug("inbound_client_close_failed", exc_info=True)
            self._producer = None

    def skip_unreadable(self, consumer: Any, error: BaseException) -> int:
        """The client could not parse a fetched record (a header name that is not UTF-8, a corrupt
        batch): it would fail at the same offset for ever. Find it — the partition whose next
        offset a fresh reader cannot read either — dead-letter its coordinates and reason (its
        bytes cannot be read), commit past it and go on. Returns how many offsets were skipped."""
        from kafka import KafkaConsumer
        from kafka.structs import OffsetAndMetadata

        probe = KafkaConsumer(bootstrap_servers=consumer.config["bootstrap_servers"], group_id=None,
                              enable_auto_commit=False, client_id="eldercare-inbound-probe")
        skipped = 0
        try:
            for tp in sorted(consumer.assignment()):
                offset = consumer.position(tp)
                while (failure := _unreadable_at(probe, tp, offset)) is not None:
                    reason = f"record cannot be read: {type(failure).__name__}: {str(failure)[:200]}"
                    unreadable = _Unreadable(tp.topic, tp.partition, offset)
                    self.dead_letter(unreadable, Rejected(reason, {"_record": ["unreadable"]}))
                    consumer.commit({tp: OffsetAndMetadata(offset + 1, "", -1)})
                    self.counts["rejected"] += 1
                    log.info("inbound_record_handled", outcome="rejected", reason=reason,
                             **describe(unreadable))
                    offset += 1
                    skipped += 1
                consumer.seek(tp, offset)
        finally:
            probe.close()
        if not skipped:
            raise error  # not a record's fault after all: the caller's retry handles it
        return skipped

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
                except UNREADABLE as exc:  # the client cannot parse a record: skip it, or retry
                    try:
                        self.skip_unreadable(consumer, exc)
                    except Exception as skip_error:
                        attempt += 1
                        delay = min(self.backoff[0] * 2 ** (attempt - 1), self.backoff[1])
                        log.warning("inbound_consumer_retrying", topic=self.topic_name, attempt=attempt,
                                    retry_in_s=delay, error=f"{type(skip_error).__name__}: {skip_error}")
                        consumer = self._discard(consumer)
                        stop.wait(delay)
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


@dataclass(frozen=True)
class _Unreadable:
    """Coordinates of a record the client could not parse (no headers, key or value to show)."""

    topic: str
    partition: int
    offset: int
    headers: tuple[()] = ()
    key: None = None
    value: bytes = b""  # its bytes could not be read; a record needs a key or a value


def _unreadable_errors() -> tuple[type[BaseException], ...]:
    from kafka.errors import CorruptRecordError

    return (UnicodeDecodeError, CorruptRecordError, RecursionError)


UNREADABLE = _unreadable_errors()


def _unreadable_at(probe: Any, tp: Any, offset: int, polls: int = 5) -> BaseException | None:
    """Why the record at `offset` of `tp` cannot be read by this client, or None when it can (or
    there is none). `probe` is a consumer without a group, assigned here to `tp` alone."""
    probe.assign([tp])
    probe.seek(tp, offset)
    for _ in range(polls):
        try:
            polled = probe.poll(timeout_ms=500, max_records=1)
        except UNREADABLE as exc:
            return exc
        if polled:
            return None
    return None
