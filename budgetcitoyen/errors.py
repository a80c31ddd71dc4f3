"""Domain errors carry a French message; the web layer turns them into form errors or error pages."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a message that can be shown to the person as it is."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor may not do this."""

    status_code = 403


class PhaseClosed(DomainError):
    """The action belongs to a phase of the calendar that is not open."""

    status_code = 409


class Conflict(DomainError):
    """The action clashes with the current state (duplicate, already done)."""

    status_code = 409
