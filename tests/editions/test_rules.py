"""Calendar and settings rules of an edition (pure)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from budgetcitoyen.clock import PARIS, local_day_bounds
from budgetcitoyen.editions.dates import default_calendar, windows_from_dates
from budgetcitoyen.editions.rules import (
    CalendarError,
    EditionSettings,
    Phase,
    PhaseStatus,
    PhaseWindow,
    SettingsError,
    current_phase,
    next_phase,
    open_phases,
    phase_status,
    validate_calendar,
    validate_settings,
)


def calendar(year: int = 2026) -> list[PhaseWindow]:
    return windows_from_dates(default_calendar(year))


def paris(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=PARIS)


def test_default_calendar_is_valid() -> None:
    validate_calendar(calendar())


def test_vote_opens_at_midnight_paris_time_on_1_september() -> None:
    windows = calendar()
    assert Phase.VOTE not in open_phases(windows, paris(2026, 8, 31, 23, 59))
    assert current_phase(windows, paris(2026, 9, 1, 0, 0)) is Phase.VOTE
    # 22:00 UTC on 31 August is already 1 September 00:00 in Paris (summer time).
    assert current_phase(windows, datetime(2026, 8, 31, 22, 0, tzinfo=UTC)) is Phase.VOTE


def test_vote_closes_after_the_last_day() -> None:
    windows = calendar()
    assert current_phase(windows, paris(2026, 9, 30, 23, 59)) is Phase.VOTE
    assert current_phase(windows, paris(2026, 10, 1, 0, 0)) is None


def test_overlapping_ideas_and_dossiers_report_the_later_phase() -> None:
    windows = calendar()
    assert open_phases(windows, paris(2026, 3, 15)) == [Phase.IDEAS, Phase.DOSSIERS]
    assert current_phase(windows, paris(2026, 3, 15)) is Phase.DOSSIERS


def test_next_phase_between_phases() -> None:
    upcoming = next_phase(calendar(), paris(2026, 6, 15))
    assert upcoming is not None and upcoming.phase is Phase.LABELLING


def test_phase_status() -> None:
    vote = next(w for w in calendar() if w.phase is Phase.VOTE)
    assert phase_status(vote, paris(2026, 8, 1)) is PhaseStatus.UPCOMING
    assert phase_status(vote, paris(2026, 9, 10)) is PhaseStatus.OPEN
    assert phase_status(vote, paris(2026, 10, 10)) is PhaseStatus.CLOSED


def test_day_bounds_follow_daylight_saving_changes() -> None:
    # The night of 25 October 2026 has 25 hours in Paris.
    start, end = local_day_bounds(date(2026, 10, 25), date(2026, 10, 25))
    assert end - start == timedelta(hours=25)
    start, end = local_day_bounds(date(2026, 3, 29), date(2026, 3, 29))
    assert end - start == timedelta(hours=23)


def test_calendar_with_a_missing_phase_is_refused() -> None:
    windows = [w for w in calendar() if w.phase is not Phase.RESULTS]
    with pytest.raises(CalendarError, match="Dates manquantes"):
        validate_calendar(windows)


def test_phase_ending_before_it_starts_is_refused() -> None:
    windows = [
        PhaseWindow(w.phase, w.ends_at, w.starts_at) if w.phase is Phase.VOTE else w for w in calendar()
    ]
    with pytest.raises(CalendarError, match="se terminer après"):
        validate_calendar(windows)


def test_vote_overlapping_labelling_is_refused() -> None:
    dates = default_calendar(2026)
    dates[Phase.VOTE] = (date(2026, 8, 25), date(2026, 9, 30))
    with pytest.raises(CalendarError, match="après la fin"):
        validate_calendar(windows_from_dates(dates))


def test_duplicate_phase_is_refused() -> None:
    windows = calendar()
    with pytest.raises(CalendarError, match="deux fois"):
        validate_calendar([*windows, windows[0]])


def test_settings_rules() -> None:
    validate_settings(EditionSettings(11, 3, 3, Decimal("400000")))
    with pytest.raises(SettingsError, match="inférieur"):
        validate_settings(EditionSettings(11, 4, 3, Decimal("1")))
    with pytest.raises(SettingsError, match="négative"):
        validate_settings(EditionSettings(11, 1, 3, Decimal("-1")))
    with pytest.raises(SettingsError, match="âge"):
        validate_settings(EditionSettings(-1, 1, 3, Decimal("1")))
