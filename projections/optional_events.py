"""Event classes of capabilities that may not be installed (yet): resolved once, at import.

Views of the credit capability read spot-check, fire-safety, prepaid and complaint events. Naming
them by topic keeps the tree importable whatever subset of capabilities is present; a missing one
simply contributes no handler (and no topic to read).
"""

from __future__ import annotations

import importlib


def optional_event(path: str) -> tuple[type, ...]:
    """`"module:Outer.Event"` → `(Event,)`, or `()` when the module or class does not exist."""
    module_name, _, qualname = path.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return ()
    return (obj,) if isinstance(obj, type) else ()


SPOT_CHECK_RESULT = optional_event("supervision.domain.spot_check:Inspection.ResultRecorded")
FIRE_HAZARD_FOUND = optional_event("supervision.domain.fire_safety:FireSafetyCase.HazardFound")
FIRE_RECTIFICATION_OVERDUE = optional_event(
    "supervision.domain.fire_safety:FireSafetyCase.RectificationOverdue"
)
PREPAID_CAP_EXCEEDED = optional_event("supervision.domain.prepaid:PrepaidLedger.CapExceeded")
COMPLAINT_RECEIVED = optional_event("supervision.domain.complaint:Complaint.Received")
COMPLAINT_CONCLUDED = optional_event("supervision.domain.complaint:Complaint.Concluded")
