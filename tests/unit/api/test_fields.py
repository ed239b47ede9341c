"""Field selectors: grammar, escapes and the fields each kind supports."""

from __future__ import annotations

import pytest

from tinykube.api import fields, kinds
from tinykube.errors import BadRequest


def test_empty_selector_matches_everything() -> None:
    sel = fields.parse(kinds.SERVICE, "")
    assert sel.empty()
    assert sel.matches({})


def test_equality_double_equals_and_not_equals() -> None:
    svc = {"metadata": {"name": "web", "namespace": "default"}, "spec": {"type": "NodePort"}}
    assert fields.parse(kinds.SERVICE, "metadata.name=web").matches(svc)
    assert fields.parse(kinds.SERVICE, "metadata.name==web").matches(svc)
    assert not fields.parse(kinds.SERVICE, "metadata.name!=web").matches(svc)
    assert fields.parse(kinds.SERVICE, "metadata.name!=kubernetes,spec.type=NodePort").matches(svc)
    assert not fields.parse(kinds.SERVICE, "metadata.name=web,spec.type=ClusterIP").matches(svc)


def test_kubectl_describe_event_selector_in_any_order() -> None:
    event = {
        "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Service", "namespace": "default", "name": "web", "uid": "u1"},
        "reason": "Created",
        "type": "Normal",
        "source": {"component": "kubelet"},
        "reportingComponent": "kubelet",
    }
    terms = [
        "involvedObject.namespace=default",
        "involvedObject.kind=Service",
        "involvedObject.uid=u1",
        "involvedObject.name=web",
    ]
    assert fields.parse(kinds.EVENT, ",".join(terms)).matches(event)
    assert fields.parse(kinds.EVENT, ",".join(reversed(terms))).matches(event)
    assert not fields.parse(kinds.EVENT, "involvedObject.uid=u2").matches(event)
    assert fields.parse(kinds.EVENT, "source=kubelet,type=Normal,reason=Created").matches(event)
    assert fields.parse(kinds.EVENT, "reportingComponent=kubelet").matches(event)


def test_pod_fields() -> None:
    pod = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler"},
        "status": {"phase": "Running", "podIP": "10.244.0.5"},
    }
    text = "spec.nodeName=n1,status.phase!=Succeeded,status.podIP=10.244.0.5"
    sel = fields.parse(kinds.POD, text)
    assert sel.matches(pod)
    assert fields.parse(kinds.POD, "spec.serviceAccountName=").matches(pod)
    assert fields.parse(kinds.POD, "status.nominatedNodeName=").matches(pod)
    assert fields.parse(kinds.POD, "spec.hostNetwork=false").matches(pod)
    assert fields.parse(kinds.POD, "spec.schedulerName=default-scheduler").matches(pod)
    assert fields.parse(kinds.POD, "spec.restartPolicy=Always").matches(pod)


def test_other_kinds_fields() -> None:
    active = {"status": {"phase": "Active"}}
    assert fields.parse(kinds.NAMESPACE, "status.phase=Active").matches(active)
    assert fields.parse(kinds.NODE, "spec.unschedulable=false").matches({"spec": {}})
    assert fields.parse(kinds.NODE, "spec.unschedulable=true").matches(
        {"spec": {"unschedulable": True}}
    )
    headless = {"spec": {"clusterIP": "None"}}
    assert fields.parse(kinds.SERVICE, "spec.clusterIP=None").matches(headless)
    assert fields.parse(kinds.ENDPOINT_SLICE, "addressType=IPv4").matches({"addressType": "IPv4"})
    assert fields.parse(kinds.REPLICA_SET, "status.replicas=0").matches({})
    assert fields.parse(kinds.REPLICA_SET, "status.replicas=3").matches({"status": {"replicas": 3}})
    assert fields.parse(kinds.DEPLOYMENT, "metadata.namespace=default").matches(
        {"metadata": {"namespace": "default"}}
    )


@pytest.mark.parametrize(
    ("kind", "text", "label"),
    [
        (kinds.SERVICE, "foo=bar", "foo"),
        (kinds.SERVICE, "spec.nodeName=x", "spec.nodeName"),
        (kinds.DEPLOYMENT, "status.replicas=1", "status.replicas"),
        (kinds.STATEFUL_SET, "spec.replicas=1", "spec.replicas"),
        (kinds.POD, "metadata.labels=x", "metadata.labels"),
    ],
)
def test_unsupported_fields_are_bad_requests(kind: kinds.Kind, text: str, label: str) -> None:
    with pytest.raises(BadRequest) as err:
        fields.parse(kind, text)
    assert err.value.message == f"field label not supported: {label}"


def test_malformed_terms_are_bad_requests() -> None:
    with pytest.raises(BadRequest, match="invalid selector: 'abc'"):
        fields.parse(kinds.POD, "abc")
    with pytest.raises(BadRequest, match="invalid escape sequence"):
        fields.parse(kinds.POD, r"metadata.name=a\x")
    with pytest.raises(BadRequest, match="unescaped = in value"):
        fields.parse(kinds.POD, "metadata.name=a=b")


def test_escaped_values() -> None:
    sel = fields.parse(kinds.POD, r"metadata.name=a\,b\=c\\d")
    assert sel.matches({"metadata": {"name": "a,b=c\\d"}})
    assert str(sel) == r"metadata.name=a\,b\=c\\d"
    assert fields.escape("a,b=c\\d") == r"a\,b\=c\\d"
    assert fields.unescape(fields.escape("x,=\\y")) == "x,=\\y"


def test_exact_and_equality() -> None:
    sel = fields.parse(kinds.SERVICE, "metadata.name=web,spec.type!=NodePort")
    assert sel.exact("metadata.name") == "web"
    assert sel.exact("spec.type") is None
    assert sel == fields.parse(kinds.SERVICE, "metadata.name==web,spec.type!=NodePort")
    assert hash(sel) == hash(fields.parse(kinds.SERVICE, "metadata.name==web,spec.type!=NodePort"))
