"""Prefix ranges over an ordered key space.

Both backends keep keys in code-point order (a sorted Python list; SQLite's BINARY
collation compares UTF-8 bytes, which orders the same way), so "every key under a prefix"
is one half-open range ``[prefix, successor(prefix))`` — a bisect in memory, an index range
scan in SQLite, never a ``LIKE`` (which would treat ``_`` and ``%`` in a key as wildcards).
"""

from __future__ import annotations

_MAX_CHAR = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)  # not encodable in UTF-8, so never in a stored key


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``.

    None when there is no such string (an empty prefix, or one made only of U+10FFFF):
    the range is then unbounded above.
    """
    end = len(prefix)
    while end and ord(prefix[end - 1]) == _MAX_CHAR:
        end -= 1
    if not end:
        return None
    nxt = ord(prefix[end - 1]) + 1
    if nxt in _SURROGATES:
        nxt = _SURROGATES.stop
    return prefix[: end - 1] + chr(nxt)


def key_range(prefix: str) -> tuple[str, str | None]:
    """``(low, high)``: a key starts with ``prefix`` iff ``low <= key < high``.

    A high of None means no upper bound.
    """
    return prefix, successor(prefix)
