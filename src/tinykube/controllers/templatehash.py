"""Names derived from pod templates: ``my-nginx-6f6bcdf657`` and ``web-7b8d9c6f45``.

Kubernetes hashes a pod template with FNV-32a (``controller.ComputeHash``), mixes in the
collision count as 8 little-endian bytes when there is one, and writes the decimal value
of the hash with ``rand.SafeEncodeString``: each character becomes a letter of the
alphabet ``bcdfghjklmnpqrstvwxz2456789`` (no vowels, no look-alikes), which is why every
``pod-template-hash`` uses only ``4-9 b c d f``. Go hashes its own struct dump; tinykube
hashes the template's canonical JSON (without empty fields, which Go cannot tell from
absent ones), so the values differ from a real cluster's but have the same shape and the
same stability: equal templates, equal names.
"""

from __future__ import annotations

import json
from typing import Any

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
FNV32_OFFSET = 0x811C9DC5
FNV32_PRIME = 0x01000193


def fnv32a(data: bytes, h: int = FNV32_OFFSET) -> int:
    for byte in data:
        h = ((h ^ byte) * FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: each byte mapped into the safe alphabet."""
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in text.encode())


def semantic(value: Any) -> Any:
    """``value`` without null, ``{}`` and ``[]`` fields: what Go's semantic equality (and
    its zero values) cannot tell apart, e.g. ``resources: {}`` or ``creationTimestamp:
    null`` that ``kubectl rollout undo`` sends back. For comparing and hashing only."""
    if isinstance(value, dict):
        out = {k: semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def canonical(template: Any) -> bytes:
    return json.dumps(semantic(template), sort_keys=True, separators=(",", ":")).encode()


def compute_hash(template: Any, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` (and revision hash) of a pod template."""
    h = fnv32a(canonical(template))
    if collision_count is not None:
        h = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4), h)
    return safe_encode(str(h))
