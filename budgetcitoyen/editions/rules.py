"""Pure rules of an edition's calendar and settings (no Flask, no database)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal


class Phase(enum.StrEnum):
    """The phases of a campaign, in calendar order."""

    IDEAS = "ideas"
    DOSSIERS = "dossiers"
    LABELLING = "labelling"
    VOTE = "vote"
    RESULTS = "results"
    FOLLOW_UP = "follow_up"


PHASE_ORDER: tuple[Phase, ...] = tuple(Phase)

PHASE_LABELS = {
    Phase.IDEAS: "Idées et comptoirs à initiatives citoyennes",
    Phase.DOSSIERS: "Dépôt des dossiers",
    Phase.LABELLING: "Labellisation",
    Phase.VOTE: "Vote des habitants",
    Phase.RESULTS: "Résultats",
    Phase.FOLLOW_UP: "Conventions et suivi",
}

# Ideas and dossiers overlap in practice (holders keep attending comptoirs while filing);
# every later phase must start once the previous one has ended.
MAY_OVERLAP_PREVIOUS = frozenset({Phase.DOSSIERS})


@dataclass(frozen=True)
class PhaseWindow:
    """A phase's window: open from `starts_at` (inclusive) to `ends_at` (exclusive), aware datetimes."""

    phase: Phase
    starts_at: datetime
    ends_at: datetime

    def is_open(self, now: datetime) -> bool:
        """Whether `now` falls inside the window."""
        return self.starts_at <= now < self.ends_at


class CalendarError(ValueError):
    """A calendar that cannot be saved; the message is French, for the admin."""


def validate_calendar(windows: Iterable[PhaseWindow]) -> None:
    """Raise CalendarError unless every phase is present once, well-formed and in order."""
    by_phase: dict[Phase, PhaseWindow] = {}
    for window in windows:
        if window.phase in by_phase:
            raise CalendarError(f"La phase « {PHASE_LABELS[window.phase]} » apparaît deux fois.")
        by_phase[window.phase] = window
    missing = [PHASE_LABELS[p] for p in PHASE_ORDER if p not in by_phase]
    if missing:
        raise CalendarError("Dates manquantes pour : " + ", ".join(missing) + ".")
    for phase in PHASE_ORDER:
        window = by_phase[phase]
        if window.ends_at <= window.starts_at:
            raise CalendarError(f"La phase « {PHASE_LABELS[phase]} » doit se terminer après son ouverture.")
    for index, phase in enumerate(PHASE_ORDER[1:], start=1):
        after = by_phase[phase]
        previous = PHASE_ORDER[index - 1]
        if after.starts_at < by_phase[previous].starts_at:
            raise CalendarError(
                f"La phase « {PHASE_LABELS[phase]} » ne peut pas commencer avant "
                f"« {PHASE_LABELS[previous]} »."
            )
        # Every earlier phase must be over, not only the one just before (ideas running into
        # the vote would be accepted otherwise); only dossiers may overlap ideas.
        for earlier in PHASE_ORDER[:index]:
            if phase in MAY_OVERLAP_PREVIOUS and earlier == previous:
                continue
            if after.starts_at < by_phase[earlier].ends_at:
                raise CalendarError(
                    f"La phase « {PHASE_LABELS[phase]} » doit commencer après la fin de "
                    f"« {PHASE_LABELS[earlier]} »."
                )


def open_phases(windows: Iterable[PhaseWindow], now: datetime) -> list[Phase]:
    """Every phase open at `now`, in calendar order."""
    open_now = {w.phase for w in windows if w.is_open(now)}
    return [p for p in PHASE_ORDER if p in open_now]


def current_phase(windows: Iterable[PhaseWindow], now: datetime) -> Phase | None:
    """The latest phase open at `now` (the one the public page highlights), or None between phases."""
    phases = open_phases(windows, now)
    return phases[-1] if phases else None


def next_phase(windows: Iterable[PhaseWindow], now: datetime) -> PhaseWindow | None:
    """The next phase to open after `now`, if any."""
    upcoming = sorted((w for w in windows if w.starts_at > now), key=lambda w: w.starts_at)
    return upcoming[0] if upcoming else None


def public_phase(
    windows: Iterable[PhaseWindow], now: datetime, results_published_at: datetime | None
) -> Phase | None:
    """The phase the public pages present. Results published before their planned window (the vote
    closed early) make it the results phase at once: nobody waits for the calendar's date any more."""
    phase = current_phase(windows, now)
    published = results_published_at is not None and results_published_at <= now
    if published and (phase is None or PHASE_ORDER.index(phase) < PHASE_ORDER.index(Phase.RESULTS)):
        return Phase.RESULTS
    return phase


def next_phase_after(
    windows: Iterable[PhaseWindow], now: datetime, phase: Phase | None
) -> PhaseWindow | None:
    """The next phase to open after `now` that comes after `phase` in the campaign (results already
    published are not announced again)."""
    rank = PHASE_ORDER.index(phase) if phase is not None else -1
    later = [w for w in windows if w.starts_at > now and PHASE_ORDER.index(w.phase) > rank]
    return min(later, key=lambda w: w.starts_at) if later else None


class PhaseStatus(enum.StrEnum):
    """Where a phase stands relative to now."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def phase_status(window: PhaseWindow, now: datetime) -> PhaseStatus:
    """Upcoming, open or closed."""
    if now < window.starts_at:
        return PhaseStatus.UPCOMING
    if window.is_open(now):
        return PhaseStatus.OPEN
    return PhaseStatus.CLOSED


@dataclass(frozen=True)
class EditionSettings:
    """The per-edition settings that other rules read."""

    voting_min_age: int
    min_choices: int
    max_choices: int
    envelope: Decimal


class SettingsError(ValueError):
    """Settings that cannot be saved; the message is French."""


def validate_settings(settings: EditionSettings) -> None:
    """Raise SettingsError on incoherent settings."""
    if not 0 <= settings.voting_min_age <= 120:
        raise SettingsError("L'âge minimal de vote doit être compris entre 0 et 120 ans.")
    if settings.min_choices < 1:
        raise SettingsError("Le nombre minimal de choix doit être au moins 1.")
    if settings.max_choices < settings.min_choices:
        raise SettingsError("Le nombre maximal de choix ne peut pas être inférieur au nombre minimal.")
    if settings.max_choices > 50:
        raise SettingsError("Le nombre maximal de choix ne peut pas dépasser 50.")
    if settings.envelope < 0:
        raise SettingsError("L'enveloppe ne peut pas être négative.")


def validate_ceilings(ceilings: Mapping[str, Decimal]) -> None:
    """Each category's grant ceiling must be positive."""
    for name, ceiling in ceilings.items():
        if ceiling <= 0:
            raise SettingsError(f"Le plafond de la catégorie « {name} » doit être positif.")


# A typical calendar as (first day, length in days) from the opening of ideas; ideas and
# dossiers overlap by a month, as they do in the département's real calendar.
PHASE_OFFSETS = {
    Phase.IDEAS: (0, 60), Phase.DOSSIERS: (30, 60), Phase.LABELLING: (90, 45), Phase.VOTE: (135, 30),
    Phase.RESULTS: (165, 30), Phase.FOLLOW_UP: (195, 540),
}


def calendar_around(today: date, open_phase: Phase) -> dict[Phase, tuple[date, date]]:
    """A coherent calendar in which `open_phase` opened a week ago (the demo, imports, tests)."""
    origin = today - timedelta(days=7 + PHASE_OFFSETS[open_phase][0])
    return {
        phase: (origin + timedelta(days=offset), origin + timedelta(days=offset + length - 1))
        for phase, (offset, length) in PHASE_OFFSETS.items()
    }
