"""Times as kubectl prints them: ages (``5m3s``, ``44d``) and RFC 1123 timestamps.

``human_duration`` is apimachinery's ``duration.HumanDuration``, the age format of
``describe`` event tables; the AGE column of ``get`` comes from the server already
formatted. ``rfc1123z`` is Go's ``time.RFC1123Z`` in the local zone, which is how
``describe`` shows ``CreationTimestamp`` and ``Start Time`` (metav1.Time decodes into local
time). Pure: the caller passes ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime

UNKNOWN = "<unknown>"


def parse(timestamp: object) -> datetime | None:
    """An RFC 3339 timestamp from an object (``2024-05-01T10:00:00Z``), or None."""
    if not isinstance(timestamp, str) or not timestamp:
        return None
    try:
        parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def since(timestamp: object, now: datetime) -> str:
    """``translateTimestampSince``: the age of ``timestamp`` or ``<unknown>``."""
    at = parse(timestamp)
    if at is None:
        return UNKNOWN
    return human_duration((now - at).total_seconds())


def human_duration(seconds: float) -> str:
    """apimachinery's ``HumanDuration``: two significant units at most, coarser with age."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    return _hours(s // 3600, minutes % 60)


def _hours(hours: int, minutes: int) -> str:
    if hours < 8:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def rfc1123z(timestamp: object, *, local: bool = True) -> str:
    """``Mon, 02 Jan 2006 15:04:05 -0700``; Go's zero time for a missing timestamp."""
    at = parse(timestamp)
    if at is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    if local:
        at = at.astimezone()
    day, month = _DAYS[at.weekday()], _MONTHS[at.month - 1]
    return f"{day}, {at:%d} {month} {at:%Y %H:%M:%S %z}"


# English names whatever the locale, as Go prints them.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
