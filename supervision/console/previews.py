"""What the console tells a regulator before a command is submitted (a preview, a warning).

A preview is advice, never a gate: it reads only a command the dispatcher would accept (role →
schema → jurisdiction, `Dispatcher.prepare`) and whose figures the policy needs are all given. Any
command the preview cannot read is left to the dispatch that follows, whose own refusal (422 beside
the field, 403, 404, 409) is what the regulator sees; a preview never turns it into a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import structlog

from supervision.application import Context
from supervision.domain.errors import DomainError
from supervision.policy.prepaid_caps import MEASURE_INPUTS, CapInput, Violation

log = structlog.get_logger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def advisory(empty: T) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Make a preview answer `empty` when the command is one the dispatch will refuse (a `DomainError`)
    or the policy cannot read (a `ValueError` for a missing figure): the dispatch then speaks."""

    def wrap(preview: Callable[P, T]) -> Callable[P, T]:
        @wraps(preview)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return preview(*args, **kwargs)
            except (DomainError, ValueError) as exc:
                log.info("console_preview_skipped", preview=preview.__name__, error=str(exc))
                return empty

        return guarded

    return wrap


@advisory([])
def cap_warnings(root: Any, payload: dict[str, Any], ctx: Context, today: date) -> list[Violation]:
    """Before a receipt is recorded: the caps (`app.prepaid_caps`, the policy the application applies
    on save) this receipt would exceed, on the resident's balance as the `prepaid` view holds it, on
    the receipt's own date. The receipt may still be recorded (it happened); the regulator confirms
    first. A receipt the command refuses, or one without a figure a binding cap needs, has no
    warning: the command's refusal names what is wrong."""
    args = root.dispatcher.prepare("record_prepayment", payload, ctx)
    row = root.view("facility_list").get(args["uscc"])
    if row is None:
        return []
    on, region, policy = args.get("occurred_on") or today, row["region_code"], root.app.prepaid_caps
    if any(args.get(name) is None for name in policy.required_inputs(region, args["kind"], on)):
        return []
    balances = root.view("prepaid").resident_balances(row["uscc"], args["kind"])
    held = sum(b["held_fen"] for b in balances if b["resident_ref"] == args["resident_ref"])
    figures = {k: args[k] for k in MEASURE_INPUTS.values() if args.get(k) is not None}
    receipt = CapInput(kind=args["kind"], amount_fen=args["amount_fen"],
                       balance_after_fen=held + args["amount_fen"], **figures)
    return list(policy.check(region, receipt, on))
