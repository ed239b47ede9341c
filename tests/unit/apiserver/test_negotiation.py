from __future__ import annotations

import pytest

from tinykube.apiserver import negotiation as n
from tinykube.errors import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

KUBECTL_TABLE = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                 "v=v1beta1;g=meta.k8s.io,application/json")
KUBECTL_DISCOVERY = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json;g=apidiscovery.k8s.io;v=v2beta1;"
                     "as=APIGroupDiscoveryList,application/json")


def test_accept_headers() -> None:
    assert n.wants_table(KUBECTL_TABLE)
    assert not n.wants_table("application/json")
    assert n.wants_aggregated(KUBECTL_DISCOVERY)
    assert not n.wants_aggregated(
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
    assert not n.wants_aggregated("application/json, */*")


@pytest.mark.parametrize(("ct", "want"), [
    ("application/merge-patch+json", "merge"),
    ("application/json-patch+json; charset=utf-8", "json"),
    ("application/strategic-merge-patch+json", "strategic"),
    ("application/apply-patch+yaml", "apply"),
])
def test_patch_types(ct: str, want: str) -> None:
    assert n.patch_type(ct) == want


@pytest.mark.parametrize("ct", [None, "application/json", "text/plain"])
def test_other_patch_types_are_415(ct: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as e:
        n.patch_type(ct)
    assert "application/strategic-merge-patch+json" in e.value.message


def test_bodies() -> None:
    assert n.decode_object(b'{"a": 1}', None) == {"a": 1}
    assert n.decode_object(b"a: 1\n", "application/yaml") == {"a": 1}
    assert n.decode_patch(b'{"kind": "Service"}', "apply") == {"kind": "Service"}
    assert n.decode_patch(b"kind: Service\n", "apply") == {"kind": "Service"}
    assert n.decode_patch(b'[{"op": "remove", "path": "/a"}]', "json")[0]["op"] == "remove"
    assert n.decode_options(b"") == {}


@pytest.mark.parametrize(("data", "ct"), [
    (b"{nope", "application/json"), (b"[1]", "application/json"), (b"", None),
    (b"a: [", "application/yaml"),
])
def test_bad_bodies_are_400(data: bytes, ct: str | None) -> None:
    with pytest.raises(BadRequest):
        n.decode_object(data, ct)


def test_json_patch_needs_a_list() -> None:
    with pytest.raises(BadRequest):
        n.decode_patch(b"{}", "json")


def test_protobuf_bodies_must_be_kubernetes_envelopes() -> None:
    with pytest.raises(BadRequest):
        n.decode_object(b"\x00", "application/vnd.kubernetes.protobuf")


def test_other_body_types_are_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        n.decode_object(b"\x00", "application/cbor")


def test_size_limit() -> None:
    n.check_size(n.MAX_BODY)
    with pytest.raises(RequestEntityTooLarge):
        n.check_size(n.MAX_BODY + 1)
