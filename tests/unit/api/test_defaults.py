"""Defaulting as the kube-apiserver's SetDefaults_* functions do it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tinykube.api import defaults

# The Deployment from the seed article "kubernetes: headless service".
SEED_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 1
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        ports:
        - containerPort: 80
"""


def _applied(obj: dict[str, Any]) -> dict[str, Any]:
    defaults.apply(obj)
    return obj


def test_seed_deployment_gains_the_kubernetes_defaults() -> None:
    d = _applied(yaml.safe_load(SEED_DEPLOYMENT))
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Always"
    assert pod["dnsPolicy"] == "ClusterFirst"
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["schedulerName"] == "default-scheduler"
    assert pod["securityContext"] == {}
    assert "enableServiceLinks" not in pod  # a Pod default, not a template one
    ctr = pod["containers"][0]
    assert ctr["imagePullPolicy"] == "Always"
    assert ctr["terminationMessagePath"] == "/dev/termination-log"
    assert ctr["terminationMessagePolicy"] == "File"
    assert ctr["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_defaulting_is_idempotent() -> None:
    once = _applied(yaml.safe_load(SEED_DEPLOYMENT))
    twice = _applied(copy.deepcopy(once))
    assert once == twice


def test_user_values_are_kept() -> None:
    d = _applied(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "spec": {
                "replicas": 0,
                "revisionHistoryLimit": 0,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
                "template": {"spec": {"restartPolicy": "Never", "containers": []}},
            },
        }
    )
    assert d["spec"]["replicas"] == 0
    assert d["spec"]["revisionHistoryLimit"] == 0
    assert d["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "25%"}
    assert d["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_recreate_strategy_gets_no_rolling_update() -> None:
    d = _applied(
        {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": {"type": "Recreate"}}}
    )
    assert d["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.14.2", "IfNotPresent"),
        ("localhost:5000/nginx", "Always"),
        ("localhost:5000/nginx:1.0", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("registry.k8s.io/pause:3.9", "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    assert defaults.image_pull_policy(image) == policy


def test_pod_defaults() -> None:
    p = _applied(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {
                "containers": [
                    {
                        "name": "c",
                        "image": "busybox:1.36",
                        "imagePullPolicy": "Never",
                        "readinessProbe": {"httpGet": {"port": 80}},
                        "livenessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
                        "resources": {"limits": {"cpu": "1"}},
                    }
                ],
                "initContainers": [{"name": "i", "image": "busybox"}],
                "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}],
            },
        }
    )
    spec = p["spec"]
    assert spec["enableServiceLinks"] is True
    ctr = spec["containers"][0]
    assert ctr["imagePullPolicy"] == "Never"
    assert ctr["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert ctr["livenessProbe"]["periodSeconds"] == 5
    assert ctr["resources"]["requests"] == {"cpu": "1"}
    assert spec["initContainers"][0]["imagePullPolicy"] == "Always"
    assert spec["initContainers"][0]["terminationMessagePolicy"] == "File"
    assert spec["volumes"][0] == {"name": "v", "emptyDir": {}}
    assert spec["volumes"][1]["secret"]["defaultMode"] == 420
    assert "status" not in p


def test_pod_service_links_false_is_kept_and_host_network_ports() -> None:
    p = _applied(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "spec": {
                "enableServiceLinks": False,
                "hostNetwork": True,
                "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}],
            },
        }
    )
    assert p["spec"]["enableServiceLinks"] is False
    assert p["spec"]["containers"][0]["ports"][0]["hostPort"] == 8080


def _svc(spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _applied(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec, **extra}
    )


def test_service_defaults_for_cluster_ip() -> None:
    spec = _svc({"ports": [{"port": 80}, {"port": 53, "targetPort": 0, "protocol": "UDP"}]})["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert "allocateLoadBalancerNodePorts" not in spec
    assert "clusterIP" not in spec and "ipFamilies" not in spec  # the allocator's job
    assert spec["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80},
        {"port": 53, "protocol": "UDP", "targetPort": 53},
    ]


def test_service_target_port_empty_string_and_names_kept() -> None:
    spec = _svc({"ports": [{"port": 80, "targetPort": ""}, {"port": 81, "targetPort": "http"}]})[
        "spec"
    ]
    assert spec["ports"][0]["targetPort"] == 80
    assert spec["ports"][1]["targetPort"] == "http"


def test_service_session_affinity_rules() -> None:
    spec = _svc(
        {"sessionAffinity": "None", "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}}
    )["spec"]
    assert "sessionAffinityConfig" not in spec
    spec = _svc({"sessionAffinity": "ClientIP"})["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    spec = _svc(
        {
            "sessionAffinity": "ClientIP",
            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}},
        }
    )["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 60}}


def test_service_external_traffic_policy_only_when_externally_accessible() -> None:
    assert _svc({"type": "NodePort"})["spec"]["externalTrafficPolicy"] == "Cluster"
    assert _svc({"externalIPs": ["1.2.3.4"]})["spec"]["externalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in _svc({"type": "ClusterIP"})["spec"]
    assert (
        _svc({"type": "NodePort", "externalTrafficPolicy": "Local"})["spec"][
            "externalTrafficPolicy"
        ]
        == "Local"
    )


def test_service_external_name_has_no_internal_traffic_policy() -> None:
    spec = _svc({"type": "ExternalName", "externalName": "example.com"})["spec"]
    assert "internalTrafficPolicy" not in spec
    assert "externalTrafficPolicy" not in spec


def test_service_load_balancer_defaults_and_ingress_ip_mode() -> None:
    svc = _svc(
        {"type": "LoadBalancer"},
        status={"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "lb.example"}]}},
    )
    assert svc["spec"]["allocateLoadBalancerNodePorts"] is True
    assert svc["spec"]["externalTrafficPolicy"] == "Cluster"
    assert svc["status"]["loadBalancer"]["ingress"] == [
        {"ip": "1.2.3.4", "ipMode": "VIP"},
        {"hostname": "lb.example"},
    ]
    keep = _svc({"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False})
    assert keep["spec"]["allocateLoadBalancerNodePorts"] is False


def test_replica_set_and_stateful_set_defaults() -> None:
    rs = _applied({"apiVersion": "apps/v1", "kind": "ReplicaSet", "spec": {}})
    assert rs["spec"]["replicas"] == 1
    assert rs["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    sts = _applied(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "spec": {"volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {}}]},
        }
    )
    spec = sts["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert spec["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    on_delete = _applied(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "spec": {"updateStrategy": {"type": "OnDelete"}},
        }
    )
    assert on_delete["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_endpoints_and_slice_port_protocols() -> None:
    ep = _applied({"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"ports": [{"port": 80}]}]})
    assert ep["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]
    eps = _applied(
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "ports": [{"port": 80}]}
    )
    assert eps["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]


def test_namespace_defaults() -> None:
    ns = _applied({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "qa"}})
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "qa"}
    assert ns["status"]["phase"] == "Active"
    finalized = _applied(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "qa", "deletionTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {},
            "status": {"phase": "Terminating"},
        }
    )
    assert "finalizers" not in finalized["spec"]  # the controller removed it: keep it removed
    assert finalized["status"]["phase"] == "Terminating"


def test_unknown_kinds_are_left_alone() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}
    assert _applied(copy.deepcopy(obj)) == obj


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"metadata": None, "spec": None, "status": None},
        {"spec": {"ports": "x", "containers": [1, None], "template": "x", "strategy": 3}},
        {"spec": {"template": {"spec": {"containers": [{"image": 5, "ports": [None]}]}}}},
        {"subsets": [None, {"ports": "x"}], "ports": [3], "status": {"capacity": {"cpu": "1"}}},
    ],
)
def test_mistyped_objects_never_crash(body: dict[str, Any]) -> None:
    from tinykube.api.kinds import KINDS

    for kind in KINDS:
        obj = {"apiVersion": kind.api_version, "kind": kind.kind, **copy.deepcopy(body)}
        defaults.apply(obj)
        assert obj["kind"] == kind.kind
