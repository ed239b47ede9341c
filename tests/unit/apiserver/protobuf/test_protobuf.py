"""Protobuf request bodies: what kubectl 1.32's typed ``create`` subcommands really sent."""

from __future__ import annotations

import pytest

from tinykube.apiserver import protobuf
from tinykube.errors import BadRequest, UnsupportedMediaType

# Captured from `kubectl create ns capns` and
# `kubectl create service clusterip caps --tcp=80:8080 --tcp=443:https`.
CREATE_NS = bytes.fromhex(
    "6b3873000a0f0a02763112094e616d657370616365121d0a150a056361706e7312001a0022002a0032003800"
    "420012001a020a001a002200")
CREATE_SVC = bytes.fromhex(
    "6b3873000a0d0a0276311207536572766963651290010a210a046361707312001a0022002a003200380042005a"
    "0b0a0361707012046361707312670a1b0a0738302d38303830120354435018502207080010903f1a0028000a22"
    "0a093434332d6874747073120354435018bb03220b080110001a0568747470732800120b0a0361707012046361"
    "70731a002209436c757374657249503a00420052005a00600068001a020a001a002200")


def test_kubectl_create_namespace() -> None:
    assert protobuf.decode(CREATE_NS) == {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "capns"}}


def test_kubectl_create_service() -> None:
    assert protobuf.decode(CREATE_SVC) == {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "caps", "labels": {"app": "caps"}},
        "spec": {
            "ports": [
                {"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080},
                {"name": "443-https", "protocol": "TCP", "port": 443, "targetPort": "https"},
            ],
            "selector": {"app": "caps"},
            "type": "ClusterIP",
        },
    }


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, value: int | bytes | str) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    meta = _field(1, api_version) + _field(2, kind)
    return protobuf.MAGIC + _field(1, meta) + _field(2, raw)


def test_pointer_zeros_are_kept_and_value_zeros_dropped() -> None:
    template = _field(2, _field(2, _field(1, "c") + _field(2, "nginx") + _field(16, 0)))
    spec = _field(1, 0) + _field(3, template) + _field(5, 0) + _field(6, 2)
    raw = _field(1, _field(1, "d") + _field(7, 0)) + _field(2, spec)
    out = protobuf.decode(_envelope("apps/v1", "Deployment", raw))
    assert out["spec"] == {"replicas": 0, "revisionHistoryLimit": 2, "template": {
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    assert out["metadata"] == {"name": "d"}


def test_negative_numbers_times_and_quantities() -> None:
    resources = _field(1, _field(1, "cpu") + _field(2, _field(1, "500m")))
    container = _field(1, "c") + _field(8, resources)
    pod_spec = _field(2, container) + _field(4, -1)
    meta = _field(1, "d") + _field(8, _field(1, 1_700_000_000))
    raw = _field(1, meta) + _field(2, _field(3, _field(2, pod_spec)))
    out = protobuf.decode(_envelope("apps/v1", "Deployment", raw))
    assert out["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"
    spec = out["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] == -1
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "500m"}}


def test_unknown_fields_are_skipped() -> None:
    raw = _field(1, _field(1, "n") + _field(99, "x")) + _field(7, 5)
    assert protobuf.decode(_envelope("v1", "Namespace", raw))["metadata"] == {"name": "n"}


def test_kinds_without_a_schema_are_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        protobuf.decode(_envelope("v1", "ConfigMap", b""))


@pytest.mark.parametrize("data", [b"nope", protobuf.MAGIC + b"\x0a\x05ab",
                                  protobuf.MAGIC + b"\x0f"])
def test_malformed_bodies_are_400(data: bytes) -> None:
    with pytest.raises(BadRequest):
        protobuf.decode(data)
