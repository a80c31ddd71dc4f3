"""Domain errors carry a French message; the web layer turns them into form errors or error pages."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """A refused action, with a message that can be shown to the person as it is."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def problems(self) -> list[tuple[str | None, str]]:
        """Each (field, message) to show on a form; one unless a subclass gathers several."""
        return [(self.field, self.message)]


class InvalidInput(DomainError):
    """Several problems found at once (a dossier, a settings page): each keeps its field."""

    def __init__(self, problems: Sequence[tuple[str | None, str]]) -> None:
        super().__init__(" ".join(message for _, message in problems))
        self._problems = list(problems)

    @property
    def problems(self) -> list[tuple[str | None, str]]:
        return list(self._problems)


class NotAllowed(DomainError):
    """The actor may not do this."""

    status_code = 403


class PhaseClosed(DomainError):
    """The action belongs to a phase of the calendar that is not open."""

    status_code = 409


class Conflict(DomainError):
    """The action clashes with the current state (duplicate, already done)."""

    status_code = 409
