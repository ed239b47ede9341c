"""Ages as kubectl prints them: ``26s``, ``5m3s``, ``45m``, ``3h4m``, ``20h``, ``2d5h``, ``2y30d``.

A port of apimachinery's ``duration.HumanDuration`` (about two significant figures) and of
the printers' ``translateTimestampSince``, which turns a stored RFC 3339 timestamp into an
age relative to ``now``. Every table column that shows a time goes through here, so the
server's cells match what a real kube-apiserver would send byte for byte.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

UNKNOWN = "<unknown>"

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_YEAR_DAYS = 365


def human_duration(d: timedelta) -> str:
    """``duration.HumanDuration``: a succinct age with limited precision."""
    total = d.total_seconds()
    seconds = int(total)  # Go truncates towards zero
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 2 * _MINUTE:
        return f"{seconds}s"
    minutes = seconds // _MINUTE
    if minutes < 10:
        s = seconds % _MINUTE
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = seconds // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        h = hours % 24
        return f"{days}d" if h == 0 else f"{days}d{h}h"
    if hours < 24 * _YEAR_DAYS * 2:
        return f"{days}d"
    years = days // _YEAR_DAYS
    if hours < 24 * _YEAR_DAYS * 8:
        dy = days % _YEAR_DAYS
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{years}y"


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 ``Time`` or ``MicroTime`` as an aware datetime; None when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:  # Go's zero time serialised
        return None
    return parsed


def since(value: object, now: datetime) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when it is unset."""
    when = parse_timestamp(value)
    if when is None:
        return UNKNOWN
    return human_duration(now - when)
