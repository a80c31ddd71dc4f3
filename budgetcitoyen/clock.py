"""Time: everything is stored in UTC and shown in the collectivité's time zone (Europe/Paris by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now_utc() -> datetime:
    """The current instant, aware, in UTC. Services take `now` as a parameter; views call this."""
    return datetime.now(UTC)


def local_midnight(day: date, tz: ZoneInfo = PARIS) -> datetime:
    """The UTC instant at which `day` begins in `tz` (handles the DST shifts of late March and October)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def local_day_bounds(first: date, last: date, tz: ZoneInfo = PARIS) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering whole local days from `first` to `last` inclusive."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def to_local(instant: datetime, tz: ZoneInfo = PARIS) -> datetime:
    """An aware instant seen in the local time zone."""
    return instant.astimezone(tz)
