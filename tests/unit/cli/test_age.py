from __future__ import annotations

from datetime import datetime

import pytest

from tinykube.cli import age


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
    (600, "10m"), (10799, "179m"), (10800, "3h"), (7 * 3600 + 60, "7h1m"), (8 * 3600, "8h"),
    (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"), (9 * 86400, "9d"),
    (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration_matches_apimachinery(seconds: int, text: str) -> None:
    assert age.human_duration(seconds) == text


def test_since_and_unknown() -> None:
    now = datetime.fromisoformat("2024-01-01T00:10:00+00:00")
    assert age.since("2024-01-01T00:00:00Z", now) == "10m"
    assert age.since(None, now) == "<unknown>"
    assert age.since("garbage", now) == "<unknown>"


def test_rfc1123z_in_english_whatever_the_locale() -> None:
    assert age.rfc1123z("2026-11-22T08:44:15Z", local=False) == "Sun, 22 Nov 2026 08:44:15 +0000"
    assert age.rfc1123z(None) == "Mon, 01 Jan 0001 00:00:00 +0000"
