"""Kubernetes defaulting for every kind tinykube serves.

``apply(obj)`` changes ``obj`` in place, the way the kube-apiserver's ``SetDefaults_*``
functions do (``pkg/apis/core/v1/defaults.go``, ``pkg/apis/apps/v1/defaults.go``,
``pkg/apis/discovery/v1/defaults.go``), before validation, on create and again after every
update and patch. It is idempotent. It fills only what those functions fill: ClusterIPs,
IP families and node ports are the allocator's, uid, timestamps and status the API
server's. Like Kubernetes, a few defaults belong to Pods only and not to pod templates
(``enableServiceLinks``, host ports on the host network).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinykube.api.meta import Obj

DEFAULT_AFFINITY_TIMEOUT = 10800
DEFAULT_TERMINATION_GRACE = 30
DEFAULT_VOLUME_MODE = 420  # 0644


def _sub(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` as a dict, created when absent or null."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = {}
        parent[key] = value
    return value


def _dicts(parent: Any, key: str) -> list[dict[str, Any]]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _default(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` when absent, null or the Go zero value of its type (``""``, ``0``)."""
    current = target.get(key)
    if current is None or current == "" or (type(current) is int and current == 0):
        target[key] = value


# --------------------------------------------------------------------------- Service


def externally_accessible(spec: dict[str, Any]) -> bool:
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )


def service(svc: Obj) -> None:
    spec = _sub(svc, "spec")
    _default(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig")
        client_ip = config.get("clientIP") if isinstance(config, dict) else None
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_AFFINITY_TIMEOUT}
            }
    _default(spec, "type", "ClusterIP")
    for port in _dicts(spec, "ports"):
        _default(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    if externally_accessible(spec):
        _default(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("internalTrafficPolicy") is None and spec["type"] in (
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
    ):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer":
        if spec.get("allocateLoadBalancerNodePorts") is None:
            spec["allocateLoadBalancerNodePorts"] = True
        status = svc.get("status")
        load_balancer = status.get("loadBalancer") if isinstance(status, dict) else None
        for ingress in _dicts(load_balancer, "ingress"):
            if ingress.get("ip") and ingress.get("ipMode") is None:
                ingress["ipMode"] = "VIP"


# --------------------------------------------------------------------------- Pod


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or no tag (and no digest), else ``IfNotPresent``."""
    if not image.strip():
        return "IfNotPresent"  # Kubernetes cannot parse it, so it finds no tag
    name, at, _digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if not tag and not at:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _probe(probe: dict[str, Any]) -> None:
    _default(probe, "timeoutSeconds", 1)
    _default(probe, "periodSeconds", 10)
    _default(probe, "successThreshold", 1)
    _default(probe, "failureThreshold", 3)
    _handler(probe)


def _handler(handler: dict[str, Any]) -> None:
    http_get = handler.get("httpGet")
    if isinstance(http_get, dict):
        _default(http_get, "path", "/")
        _default(http_get, "scheme", "HTTP")


def _container(ctr: dict[str, Any]) -> None:
    if not ctr.get("imagePullPolicy"):
        image = ctr.get("image")
        ctr["imagePullPolicy"] = image_pull_policy(image if isinstance(image, str) else "")
    _default(ctr, "terminationMessagePath", "/dev/termination-log")
    _default(ctr, "terminationMessagePolicy", "File")
    for port in _dicts(ctr, "ports"):
        _default(port, "protocol", "TCP")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = ctr.get(key)
        if isinstance(probe, dict):
            _probe(probe)
    lifecycle = ctr.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict):
                _handler(handler)
    for var in _dicts(ctr, "env"):
        value_from = var.get("valueFrom")
        field_ref = value_from.get("fieldRef") if isinstance(value_from, dict) else None
        if isinstance(field_ref, dict):
            _default(field_ref, "apiVersion", "v1")


def _volume(vol: dict[str, Any]) -> None:
    sources = [k for k, v in vol.items() if k != "name" and v is not None]
    if not sources:
        vol["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        source = vol.get(key)
        if isinstance(source, dict):
            _default(source, "defaultMode", DEFAULT_VOLUME_MODE)


def pod_spec(spec: dict[str, Any]) -> None:
    """``SetDefaults_PodSpec`` plus its containers, volumes and probes."""
    _default(spec, "dnsPolicy", "ClusterFirst")
    _default(spec, "restartPolicy", "Always")
    if not isinstance(spec.get("securityContext"), dict):
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE
    _default(spec, "schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for ctr in _dicts(spec, key):
            _container(ctr)
    for vol in _dicts(spec, "volumes"):
        _volume(vol)


def pod(p: Obj) -> None:
    """``SetDefaults_Pod``: the pod spec's defaults plus three that templates do not get."""
    spec = _sub(p, "spec")
    pod_spec(spec)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    host_network = spec.get("hostNetwork") is True
    for key in ("containers", "initContainers"):
        for ctr in _dicts(spec, key):
            _requests_from_limits(ctr)
            if host_network:
                for port in _dicts(ctr, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)


def _requests_from_limits(ctr: dict[str, Any]) -> None:
    resources = ctr.get("resources")
    limits = resources.get("limits") if isinstance(resources, dict) else None
    if not isinstance(resources, dict) or not isinstance(limits, dict) or not limits:
        return
    requests = _sub(resources, "requests")
    for name, quantity in limits.items():
        requests.setdefault(name, quantity)


def _template(spec: dict[str, Any]) -> None:
    pod_spec(_sub(_sub(spec, "template"), "spec"))


# --------------------------------------------------------------------------- apps/v1


def deployment(d: Obj) -> None:
    spec = _sub(d, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _sub(spec, "strategy")
    _default(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _sub(strategy, "rollingUpdate")
        for key in ("maxUnavailable", "maxSurge"):
            if rolling.get(key) is None:
                rolling[key] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _template(spec)


def replica_set(rs: Obj) -> None:
    spec = _sub(rs, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _template(spec)


def stateful_set(sts: Obj) -> None:
    spec = _sub(sts, "spec")
    _default(spec, "podManagementPolicy", "OrderedReady")
    strategy = _sub(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if not isinstance(strategy.get("rollingUpdate"), dict):
            strategy["rollingUpdate"] = {}
    rolling = strategy.get("rollingUpdate")
    rolling_update = strategy["type"] == "RollingUpdate" and isinstance(rolling, dict)
    if rolling_update and isinstance(rolling, dict) and rolling.get("partition") is None:
        rolling["partition"] = 0
    policy = _sub(spec, "persistentVolumeClaimRetentionPolicy")
    _default(policy, "whenDeleted", "Retain")
    _default(policy, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for claim in _dicts(spec, "volumeClaimTemplates"):
        _default(_sub(claim, "spec"), "volumeMode", "Filesystem")
    _template(spec)


# --------------------------------------------------------------------------- the rest


def endpoints(ep: Obj) -> None:
    for subset in _dicts(ep, "subsets"):
        for port in _dicts(subset, "ports"):
            _default(port, "protocol", "TCP")


def endpoint_slice(eps: Obj) -> None:
    for port in _dicts(eps, "ports"):
        if port.get("name") is None:
            port["name"] = ""
        if port.get("protocol") is None:
            port["protocol"] = "TCP"


def namespace(ns: Obj) -> None:
    """The name label, ``spec.finalizers: [kubernetes]`` and ``status.phase: Active``.

    The finalizer is only added to a namespace that is not being deleted: the namespace
    controller removes it as its last step, and defaulting that update must not bring it
    back (Kubernetes adds it on create only, for the same reason).
    """
    metadata = _sub(ns, "metadata")
    name = metadata.get("name")
    if isinstance(name, str) and name:
        _sub(metadata, "labels")["kubernetes.io/metadata.name"] = name
    spec = _sub(ns, "spec")
    if spec.get("finalizers") is None and not metadata.get("deletionTimestamp"):
        spec["finalizers"] = ["kubernetes"]
    _default(_sub(ns, "status"), "phase", "Active")


def node(n: Obj) -> None:
    status = n.get("status")
    if isinstance(status, dict) and status.get("allocatable") is None and status.get("capacity"):
        status["allocatable"] = dict(status["capacity"])


_BY_KIND: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("v1", "Service"): service,
    ("v1", "Pod"): pod,
    ("v1", "Endpoints"): endpoints,
    ("v1", "Namespace"): namespace,
    ("v1", "Node"): node,
    ("discovery.k8s.io/v1", "EndpointSlice"): endpoint_slice,
    ("apps/v1", "Deployment"): deployment,
    ("apps/v1", "ReplicaSet"): replica_set,
    ("apps/v1", "StatefulSet"): stateful_set,
}


def apply(obj: Obj) -> None:
    """Fill in the defaults of ``obj`` (dispatching on its kind)."""
    fill = _BY_KIND.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
    if fill is not None:
        fill(obj)
