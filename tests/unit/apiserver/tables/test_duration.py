from datetime import UTC, datetime, timedelta

import pytest

from tinykube.apiserver.tables.duration import human_duration, parse_timestamp, since

S, M, H, D = 1, 60, 3600, 86400
Y = 365 * D


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-3, "<invalid>"),
        (-1.5, "0s"),
        (0, "0s"),
        (26, "26s"),
        (119, "119s"),
        (2 * M, "2m"),
        (5 * M + 3, "5m3s"),
        (9 * M + 59, "9m59s"),
        (10 * M + 30, "10m"),
        (45 * M, "45m"),
        (179 * M, "179m"),
        (3 * H, "3h"),
        (3 * H + 4 * M, "3h4m"),
        (7 * H + 59 * M, "7h59m"),
        (8 * H, "8h"),
        (20 * H, "20h"),
        (47 * H + 59 * M, "47h"),
        (2 * D, "2d"),
        (2 * D + 5 * H, "2d5h"),
        (7 * D + 23 * H, "7d23h"),
        (8 * D, "8d"),
        (300 * D, "300d"),
        (2 * Y - 1, "729d"),
        (2 * Y, "2y"),
        (2 * Y + 30 * D, "2y30d"),
        (7 * Y + 364 * D, "7y364d"),
        (8 * Y + 100 * D, "8y"),
        (30 * Y, "30y"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == expected


NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-22T08:09:34Z", "26s"),
        ("2026-11-22T08:09:34.123456Z", "25s"),
        ("2026-11-22T09:09:34+01:00", "26s"),
        (None, "<unknown>"),
        ("", "<unknown>"),
        ("not a time", "<unknown>"),
        ("0001-01-01T00:00:00Z", "<unknown>"),
    ],
)
def test_since(stamp: object, expected: str) -> None:
    assert since(stamp, NOW) == expected


def test_parse_timestamp_without_zone_is_utc() -> None:
    assert parse_timestamp("2026-11-22T08:09:34") == datetime(2026, 11, 22, 8, 9, 34, tzinfo=UTC)
