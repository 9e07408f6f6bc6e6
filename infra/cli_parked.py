"""`eldercare parked list|show|retry|resolve`: what the pipelines stepped over, and putting it right.

Every pipeline parks an item it can never process (see `projections/parked.py`): the projections and
policy processes (pipeline = view name), the relay (`relay`), the inbound consumers
(`inbound.<topic>`, when even the dead-letter topic refused the record). After a fix (a code change,
a corrected event), `retry` applies the item again and resolves it on success; `resolve` records that
an operator dealt with it by other means (e.g. replayed an inbound record from its source).
"""

from __future__ import annotations

import click

from infra.cli_support import EXIT_INVALID, EXIT_NOT_FOUND, State, command, echo_json, fail
from projections.parked import ParkedItem, ParkedStore, parked_store


@click.group()
def parked() -> None:
    """Items a pipeline could not process and stepped over: list, show, retry after a fix."""


def _store(state: State) -> ParkedStore:
    return parked_store(state.container.datastore.engine)


def _item(state: State, item_id: int) -> ParkedItem:
    item = _store(state).get(item_id)
    if item is None:
        fail(f"no parked item {item_id}", EXIT_NOT_FOUND)
    assert item is not None
    return item


@parked.command("list")
@click.option("--pipeline", help="one pipeline (a view name, relay, inbound.<topic>)")
@click.option("--all", "include_resolved", is_flag=True, help="include resolved items")
@command
def list_(state: State, pipeline: str | None, include_resolved: bool) -> None:
    """Parked items, by pipeline and position (JSON)."""
    echo_json([i.as_dict() for i in _store(state).list(pipeline, include_resolved=include_resolved)])


@parked.command("show")
@click.argument("item_id", type=int)
@command
def show(state: State, item_id: int) -> None:
    """One parked item with its full error."""
    echo_json(_item(state, item_id).as_dict())


@parked.command("retry")
@click.argument("item_id", type=int)
@command
def retry(state: State, item_id: int) -> None:
    """Apply (or publish) a parked item again; resolved on success, otherwise its new error kept."""
    item = _item(state, item_id)
    if item.resolved_at is not None:
        fail(f"parked item {item_id} is already resolved", EXIT_INVALID)
    container = state.container
    if item.pipeline in container.projections:
        done = container.runner(item.pipeline).retry_parked(item)
    elif item.pipeline == "relay":
        from infra.kafka_relay import build_relay

        relay = build_relay(container)
        try:
            done = relay.retry_parked(item)
        finally:
            relay.reset_producer()
    else:
        fail(f"{item.pipeline} items are replayed from their source topic (partition {item.partition}, "
             f"offset {item.offset}); then `eldercare parked resolve {item_id}`", EXIT_INVALID)
        return
    after = _store(state).get(item_id)
    assert after is not None
    echo_json({"resolved": done, **after.as_dict()})
    if not done:
        raise SystemExit(1)


@parked.command("resolve")
@click.argument("item_id", type=int)
@command
def resolve(state: State, item_id: int) -> None:
    """Record that an operator dealt with the item by other means."""
    item = _item(state, item_id)
    _store(state).mark_retried(item, resolved=True)
    after = _store(state).get(item_id)
    assert after is not None
    echo_json(after.as_dict())
