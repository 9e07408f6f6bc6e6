"""A failed statement's message never carries its row values into a parked item (`parked show`) or
a log line: SQLAlchemy's messages end with `[parameters: ...]` (hidden at every engine:
`hide_parameters`) and PostgreSQL's constraint violations quote the key in a `DETAIL:` line (withheld:
`supervision.redact`) — names of persons, resident references. On both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from projections.failures import describe_error
from supervision.redact import redact_log_values


def test_a_failed_statement_names_no_value_it_carried(container):
    engine = container.datastore.engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe_private (name VARCHAR(20) PRIMARY KEY)"))
    try:
        with pytest.raises(IntegrityError) as failed, engine.begin() as conn:
            for _ in range(2):
                conn.execute(text("INSERT INTO probe_private (name) VALUES (:name)"), {"name": "林明 R-0042"})
        error_class, message = describe_error(failed.value)  # what a parked item keeps
        assert "INSERT INTO probe_private" in message and error_class.endswith("IntegrityError")
        assert "林明" not in message and "R-0042" not in message
        line = redact_log_values(None, "error", {"event": "x", "exception": str(failed.value)})
        assert "林明" not in line["exception"] and "INSERT INTO probe_private" in line["exception"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE probe_private"))
