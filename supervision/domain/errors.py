"""Domain errors, named for when they are raised.

Each error carries the category an entrypoint needs (invalid → 422, conflict → 409, not found → 404) so
that HTTP, CLI and Kafka consumers translate them in one place without knowing every subclass.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a command can raise on purpose."""

    category = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidValue(DomainError):
    """A value breaks a rule of the domain (bad USCC, nursing beds above total beds, ...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", {field: [message]})
        self.field = field


class InvalidCommand(DomainError):
    """Several field errors at once, as a schema reports them."""


class Conflict(DomainError):
    """The command contradicts the current state (duplicate, already closed, stale version)."""

    category = "conflict"


class NotFound(DomainError):
    """The command names something that does not exist."""

    category = "not_found"


class PermissionDenied(DomainError):
    """The actor's role may not issue this command (or not for this object)."""

    category = "forbidden"


class FacilityNotFound(NotFound):
    def __init__(self, uscc: str) -> None:
        super().__init__(f"facility {uscc} is not registered", {"uscc": ["not registered"]})
        self.uscc = uscc


class FacilityAlreadyRegistered(Conflict):
    def __init__(self, uscc: str) -> None:
        super().__init__(f"facility {uscc} is already registered", {"uscc": ["already registered"]})


class FacilityClosed(Conflict):
    def __init__(self, uscc: str) -> None:
        super().__init__(f"facility {uscc} has exited and is closed", {"uscc": ["facility closed"]})


class ConcurrentModification(Conflict):
    """Another command changed the same aggregate first; the caller should re-read and retry."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was changed by another command at the same time; re-read and retry")


class VersionMismatch(Conflict):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"expected version {expected} but the current version is {actual}",
            {"expected_version": [f"current version is {actual}"]},
        )
