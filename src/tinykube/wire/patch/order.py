"""The order of a merged list, as Kubernetes' strategic merge patch decides it.

After a merge, the items named by the patch keep the patch's order (or the order of
``$setElementOrder``), the items only the server had keep theirs, and the two runs are
interleaved using the server's order wherever both sides know an item. A new item
therefore lands right after the last patch item it followed, not at the end. This is
``normalizeElementOrder`` and ``mergeSortedSlice`` of apimachinery's ``strategicpatch``.

One Go detail shapes the result: merging a list edits the original slice in place
(deleting shifts items left, appending writes past them while capacity lasts), and the
``$setElementOrder`` step then reads the server's order from that edited slice.
``SharedArray`` replays those edits so tinykube orders lists exactly as Kubernetes does.
"""

from __future__ import annotations

from typing import Any

from tinykube.wire.patch.jsonpatch import json_equal


def identity(item: Any, key: str) -> Any:
    """What identifies ``item`` in its list: its merge key's value, or itself for scalars."""
    if key:
        return item.get(key) if isinstance(item, dict) else None
    return item


def index(items: list[Any], item: Any, key: str) -> int:
    """Position of the first element of ``items`` with ``item``'s identity, or -1."""
    wanted = identity(item, key)
    for i, candidate in enumerate(items):
        if json_equal(identity(candidate, key), wanted):
            return i
    return -1


def partition(merged: list[Any], named: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Split ``merged`` into the items ``named`` mentions and the others, keeping order."""
    mentioned: list[Any] = []
    others: list[Any] = []
    for item in merged:
        (mentioned if index(named, item, key) >= 0 else others).append(item)
    return mentioned, others


def sort_like(items: list[Any], order: list[Any], key: str) -> list[Any]:
    """``items`` stably sorted by their position in ``order``; unknown ones go last."""

    def position(item: Any) -> int:
        i = index(order, item, key)
        return i if i >= 0 else len(order)

    return sorted(items, key=position)


def normalize(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    key: str,
) -> list[Any]:
    """Interleave the patch's items (in patch order) with the server-only ones."""
    right = sort_like(patch_items, patch_order, key)
    left = sort_like(server_only, server_order, key)
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left) or not _before(left[i], right[j], server_order, key):
            out.append(right[j])
            j += 1
        else:
            out.append(left[i])
            i += 1
    return out


def _before(left: Any, right: Any, server_order: list[Any], key: str) -> bool:
    """Whether the server had ``left`` before ``right`` (False unless it had both)."""
    li = index(server_order, left, key)
    ri = index(server_order, right, key)
    return li >= 0 and ri >= 0 and li < ri


class SharedArray:
    """A Go slice of maps being merged, and what its caller still sees of the array.

    ``items`` is the slice as the merge knows it. ``seen`` is the caller's view: the same
    length as the original, showing in-place edits until an append outgrows the capacity
    (the original length) and Go moves the slice to a new array the caller never sees.
    """

    def __init__(self, items: list[Any]) -> None:
        self.items = list(items)
        self.seen = list(items)
        self._moved = False

    def delete(self, at: int) -> None:
        """``append(s[:at], s[at+1:]...)``: shift left, the last slot keeps its old value."""
        del self.items[at]
        if not self._moved:
            self.seen[: len(self.items)] = self.items

    def set(self, at: int, value: Any) -> None:
        self.items[at] = value
        if not self._moved:
            self.seen[at] = value

    def append(self, value: Any) -> None:
        if not self._moved and len(self.items) < len(self.seen):
            self.seen[len(self.items)] = value
        else:
            self._moved = True
        self.items.append(value)
