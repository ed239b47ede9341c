"""The protobuf wire format, read without a schema: fields, wire types, raw values.

Enough of https://protobuf.dev/programming-guides/encoding/ to read what Kubernetes'
gogo-protobuf writes: varints (wire type 0), length-delimited bytes (2), and the
fixed 64- and 32-bit types (1, 5) skipped over. Malformed input raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5
Field = tuple[int, int, int | bytes]  # (number, wire type, value)


def fields(data: bytes) -> Iterator[Field]:
    """Every field of one message, in the order written."""
    i, end = 0, len(data)
    while i < end:
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        value: int | bytes
        if wire == VARINT:
            value, i = varint(data, i)
        elif wire == BYTES:
            length, i = varint(data, i)
            if i + length > end:
                raise ValueError("truncated field")
            value, i = data[i:i + length], i + length
        elif wire == FIXED64:
            value, i = data[i:i + 8], i + 8
        elif wire == FIXED32:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if i > end:
            raise ValueError("truncated field")
        yield number, wire, value


def varint(data: bytes, i: int) -> tuple[int, int]:
    """The varint at ``i`` and the index after it."""
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def signed(value: int) -> int:
    """A varint read as a (64-bit two's complement) signed integer."""
    return value - (1 << 64) if value >= 1 << 63 else value
