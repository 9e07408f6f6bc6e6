"""The event store's connection pool (PostgreSQL): ping a pooled connection only when it sat idle.

`eventsourcing.postgres` offers one switch, `POSTGRES_PRE_PING`: a ``SELECT 1`` round trip on every
checkout, so one more round trip for every save and every read of the store (issue 15: a command's
append is three round trips with it, two without). A connection in steady use has just proved
itself; one that sat idle for `IDLE_PING_S` (a database restart meanwhile, a firewall's timeout) is
still checked before it is handed out, and a dead one is replaced by the pool before anyone sees
it — the rule the views' SQLAlchemy pool follows (`infra.bootstrap.ping_when_idle`). When one is
found dead, every idle one is checked at once (`ConnectionPool.check`): after a restart of the
server all of them are, and the pool alone would try them one by one with its back-off between
(1, 2, 4 s: measured, a request then waited 5 s for a `PoolTimeout`). A connection
that dies while in use fails that statement; the recorder retries it on a fresh connection
(`eventsourcing`'s retry on `OperationalError`), as before.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

#: a pooled connection unused for longer than this is pinged before it is handed out, seconds
IDLE_PING_S = 5.0


def ping_when_idle(pool: Any, idle_s: float = IDLE_PING_S) -> bool:
    """Make a `psycopg_pool.ConnectionPool` that pings on every checkout (its `check`) ping only
    connections idle for `idle_s` seconds. Returns False, changing nothing, when the pool does not
    ping on checkout or is not a pool of the shape this knows (its `check` and `reset` hooks)."""
    check = getattr(pool, "_check", None)
    if check is None or not hasattr(pool, "_reset") or pool._reset is not None:
        return False
    returned: WeakKeyDictionary[Any, float] = WeakKeyDictionary()

    def on_return(conn: Any) -> None:
        returned[conn] = time.monotonic()

    def check_if_idle(conn: Any) -> None:
        since = returned.get(conn)
        if since is None or time.monotonic() - since > idle_s:
            try:
                check(conn)
            except Exception:
                # one dead: after a restart of the server they all are. Replace every idle one now,
                # or each would cost the pool's back-off (1, 2, 4 s ...) and the caller a timeout
                pool.check()
                raise

    pool._reset = on_return
    pool._check = check_if_idle
    return True
