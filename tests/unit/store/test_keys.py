from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tinykube.store.keys import key_range, successor


def test_successor_bumps_the_last_character() -> None:
    assert successor("/services/default/") == "/services/default0"
    assert successor("a") == "b"


def test_successor_skips_what_cannot_be_bumped() -> None:
    assert successor("") is None
    assert successor("\U0010ffff") is None
    assert successor("a\U0010ffff\U0010ffff") == "b"
    assert successor("a\ud7ff") == "a\ue000"  # surrogates are never in a key


keys = st.text(st.characters(exclude_categories=["Cs"]), max_size=6)


@given(keys, keys)
def test_range_holds_exactly_the_keys_with_the_prefix(prefix: str, key: str) -> None:
    low, high = key_range(prefix)
    inside = low <= key and (high is None or key < high)
    assert inside == key.startswith(prefix)
    utf8 = key.encode()  # SQLite compares UTF-8 bytes: the same order
    assert inside == (low.encode() <= utf8 and (high is None or utf8 < high.encode()))
