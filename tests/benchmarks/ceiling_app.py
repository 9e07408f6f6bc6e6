"""The ceiling the command and read benchmarks compare against: a trivial Flask app under the same
gunicorn options as `eldercare api`, doing the least a command or a read can do.

- `GET /ping`: a constant JSON object (the trivial endpoint: Flask + gunicorn + client cost).
- `POST /append`: one event appended with `eventsourcing` (PostgreSQL, the same store options as the
  product) and read back through a view-like row: an append + a read, nothing else.

The store is `CEILING_DATABASE_URL` (a PostgreSQL database of its own); built lazily in each worker,
after gunicorn's fork, like the product's container.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from flask import Flask, jsonify, request


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


class Notes(Application[Any]):
    """One aggregate per request: append its event, then read it back."""


_lock = threading.Lock()
_notes: Notes | None = None


def notes() -> Notes:
    global _notes
    with _lock:
        if _notes is None:
            parts = urlsplit(os.environ["CEILING_DATABASE_URL"])
            _notes = Notes(env={
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": parts.path.strip("/"),
                "POSTGRES_HOST": parts.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": parts.username or "postgres",
                "POSTGRES_PASSWORD": parts.password or "",
                "POSTGRES_POOL_SIZE": "4",
                "POSTGRES_MAX_OVERFLOW": "8",
                "POSTGRES_PRE_PING": "y",
                "CREATE_TABLE": "y",
            })
        return _notes


app = Flask(__name__)


@app.get("/ping")
def ping() -> Any:
    return jsonify({"ok": True})


@app.post("/append")
def append() -> Any:
    store = notes()
    note = Note(text=str((request.get_json(silent=True) or {}).get("text", ""))[:200])
    recordings = store.save(note)
    again = store.repository.get(note.id)
    return jsonify({"id": str(note.id), "version": again.version,
                    "notification_id": recordings[-1].notification.id}), 201
