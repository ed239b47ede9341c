"""The invalid Services of service-semantics.md §1-§2: 422 Invalid with the right causes,
and nothing stored afterwards.

Each case is a Service spec (merged over a valid one), the causes expected as (field,
cause reason, a substring of the message Kubernetes writes), and whether another Service
must first hold a clusterIP or nodePort for the conflict cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from e2e_helpers import body_of
from e2e_samples import unique
from kubernetes import client

pytestmark = pytest.mark.e2e

DNS1035 = (
    'Invalid value: "1abc": a DNS-1035 label must consist of lower case alphanumeric '
    "characters or '-', start with an alphabetic character, and end with an alphanumeric "
    "character"
)


@dataclass(frozen=True)
class Case:
    id: str
    spec: dict[str, Any]
    causes: list[tuple[str, str, str]]  # (field, reason, message substring)
    name: str = ""
    holder: dict[str, Any] = field(default_factory=dict)  # spec of a Service created first


def _port(**kw: Any) -> dict[str, Any]:
    return {"port": 80, **kw}


CASES = [
    Case("name-starts-with-digit", {}, [("metadata.name", "FieldValueInvalid", DNS1035)],
         name="1abc"),
    Case("no-ports", {"ports": []}, [("spec.ports", "FieldValueRequired", "Required value")]),
    Case("port-0", {"ports": [_port(port=0)]},
         [("spec.ports[0].port", "FieldValueInvalid",
           "Invalid value: 0: must be between 1 and 65535, inclusive")]),
    Case("port-too-big", {"ports": [_port(port=65536)]},
         [("spec.ports[0].port", "FieldValueInvalid", "must be between 1 and 65535, inclusive")]),
    Case("two-ports-without-names", {"ports": [_port(), _port(port=443)]},
         [("spec.ports[0].name", "FieldValueRequired", "Required value"),
          ("spec.ports[1].name", "FieldValueRequired", "Required value")]),
    Case("duplicate-port-names",
         {"ports": [_port(name="http"), _port(name="http", port=81)]},
         [("spec.ports[1].name", "FieldValueDuplicate", 'Duplicate value: "http"')]),
    Case("duplicate-protocol-and-port",
         {"ports": [_port(name="a"), _port(name="b")]},
         [("spec.ports[1]", "FieldValueDuplicate", "Duplicate value")]),
    Case("bad-protocol", {"ports": [_port(protocol="HTTP")]},
         [("spec.ports[0].protocol", "FieldValueNotSupported",
           'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"')]),
    Case("bad-target-port-name", {"ports": [_port(targetPort="this-name-is-too-long")]},
         [("spec.ports[0].targetPort", "FieldValueInvalid", "this-name-is-too-long")]),
    Case("bad-type", {"type": "Public"},
         [("spec.type", "FieldValueNotSupported",
           'Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", '
           '"LoadBalancer", "NodePort"')]),
    Case("node-port-on-cluster-ip", {"ports": [_port(nodePort=30090)]},
         [("spec.ports[0].nodePort", "FieldValueForbidden",
           "may not be used when `type` is 'ClusterIP'")]),
    Case("headless-node-port", {"type": "NodePort", "clusterIP": "None"},
         [("spec.clusterIPs[0]", "FieldValueInvalid",
           "Invalid value: \"None\": may not be set to 'None' for NodePort services")]),
    Case("headless-load-balancer", {"type": "LoadBalancer", "clusterIP": "None"},
         [("spec.clusterIPs[0]", "FieldValueInvalid",
           "may not be set to 'None' for LoadBalancer services")]),
    Case("bad-session-affinity", {"sessionAffinity": "Sticky"},
         [("spec.sessionAffinity", "FieldValueNotSupported",
           'Unsupported value: "Sticky": supported values: "ClientIP", "None"')]),
    Case("affinity-timeout-0",
         {"sessionAffinity": "ClientIP",
          "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 0}}},
         [("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "FieldValueInvalid",
           "Invalid value: 0: must be greater than 0 and less than 86400")]),
    Case("affinity-timeout-too-long",
         {"sessionAffinity": "ClientIP",
          "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 86401}}},
         [("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "FieldValueInvalid",
           "must be greater than 0 and less than 86400")]),
    Case("external-traffic-policy-on-cluster-ip", {"externalTrafficPolicy": "Local"},
         [("spec.externalTrafficPolicy", "FieldValueInvalid",
           'Invalid value: "Local": may only be set for externally-accessible services')]),
    Case("health-check-node-port-on-cluster-ip", {"healthCheckNodePort": 30091},
         [("spec.healthCheckNodePort", "FieldValueInvalid",
           "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is "
           "'Local'")]),
    # Kubernetes spells this field with a capital L (Child("LoadBalancerSourceRanges"))
    Case("source-ranges-on-cluster-ip", {"loadBalancerSourceRanges": ["10.0.0.0/8"]},
         [("spec.LoadBalancerSourceRanges", "FieldValueForbidden",
           "may only be used when `type` is 'LoadBalancer'")]),
    Case("loopback-external-ip", {"externalIPs": ["127.0.0.1"]},
         [("spec.externalIPs[0]", "FieldValueInvalid",
           "may not be in the loopback range (127.0.0.0/8, ::1/128)")]),
    Case("external-name-missing", {"type": "ExternalName", "ports": []},
         [("spec.externalName", "FieldValueRequired", "Required value")]),
    Case("cluster-ip-outside-cidr", {"clusterIP": "192.168.1.1"},
         [("spec.clusterIPs", "FieldValueInvalid", "is not in the valid range")]),
    Case("cluster-ip-in-use", {"clusterIP": "10.96.0.77"},
         [("spec.clusterIPs", "FieldValueInvalid",
           "failed to allocate IP 10.96.0.77: provided IP is already allocated")],
         holder={"clusterIP": "10.96.0.77"}),
    Case("node-port-in-use", {"type": "NodePort", "ports": [_port(nodePort=30081)]},
         [("spec.ports[0].nodePort", "FieldValueInvalid",
           "Invalid value: 30081: provided port is already allocated")],
         holder={"type": "NodePort", "ports": [_port(nodePort=30081)]}),
    Case("node-port-out-of-range", {"type": "NodePort", "ports": [_port(nodePort=80)]},
         [("spec.ports[0].nodePort", "FieldValueInvalid",
           "Invalid value: 80: provided port is not in the valid range. "
           "The range of valid ports is 30000-32767")]),
]


def _service(name: str, ns: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"app": "x"}, "ports": [_port()], **spec},
    }


@pytest.fixture
def holder(request: pytest.FixtureRequest, core: Any, ns: str) -> Iterator[None]:
    case: Case = request.getfixturevalue("case")
    if not case.holder:
        yield
        return
    name = unique("holder")
    core.create_namespaced_service(ns, _service(name, ns, case.holder))
    yield
    core.delete_namespaced_service(name, ns)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.usefixtures("holder")
def test_invalid_service_is_422_and_not_stored(case: Case, core: Any, ns: str) -> None:
    name = case.name or unique("invalid")
    with pytest.raises(client.ApiException) as e:
        core.create_namespaced_service(ns, _service(name, ns, case.spec))
    assert (e.value.status, e.value.reason) == (422, "Unprocessable Entity"), e.value.body
    status = body_of(e.value)
    assert (status["kind"], status["status"], status["reason"], status["code"]) == (
        "Status", "Failure", "Invalid", 422
    )
    assert status["message"].startswith(f'Service "{name}" is invalid: ')
    details = status["details"]
    assert (details["kind"], details["name"]) == ("Service", name)
    got = {c["field"]: c for c in details["causes"]}
    for field_path, reason, text in case.causes:
        assert field_path in got, f"no cause for {field_path} in {details['causes']}"
        assert got[field_path]["reason"] == reason, got[field_path]
        assert text in got[field_path]["message"], got[field_path]

    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_service(name, ns)
    assert missing.value.status == 404
    after = core.list_namespaced_service(ns, field_selector=f"metadata.name={name}")
    assert after.items == []


def test_rejected_allocation_leaks_nothing(core: Any, ns: str) -> None:
    """A Service rejected for a bad port keeps no nodePort: the same port works afterwards."""
    spec = {"type": "NodePort", "ports": [_port(name="a", nodePort=30095), _port(name="b",
                                                                                  port=0)]}
    with pytest.raises(client.ApiException) as e:
        core.create_namespaced_service(ns, _service(unique("leak"), ns, spec))
    assert e.value.status == 422
    ok = _service(unique("noleak"), ns, {"type": "NodePort", "ports": [_port(nodePort=30095)]})
    created = core.create_namespaced_service(ns, ok)
    assert created.spec.ports[0].node_port == 30095
    core.delete_namespaced_service(created.metadata.name, ns)
