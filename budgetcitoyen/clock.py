"""Time: everything is stored in UTC and shown in the collectivité's time zone (Europe/Paris by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PARIS = ZoneInfo("Europe/Paris")
_local_zone = PARIS


def configure_zone(name: str) -> None:
    """Set the local time zone (BUDGETCITOYEN_TIME_ZONE); one collectivité runs in one zone."""
    global _local_zone
    try:
        _local_zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"unknown time zone {name!r} in BUDGETCITOYEN_TIME_ZONE") from exc


def local_zone() -> ZoneInfo:
    """The zone in which dates are entered and shown."""
    return _local_zone


def now_utc() -> datetime:
    """The current instant, aware, in UTC. Services take `now` as a parameter; views call this."""
    return datetime.now(UTC)


def local_midnight(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which `day` begins locally (handles the DST shifts of late March and October)."""
    return datetime.combine(day, time.min, tzinfo=tz or _local_zone).astimezone(UTC)


def local_day_bounds(first: date, last: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering whole local days from `first` to `last` inclusive."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def to_local(instant: datetime, tz: ZoneInfo | None = None) -> datetime:
    """An aware instant seen in the local time zone."""
    return instant.astimezone(tz or _local_zone)
