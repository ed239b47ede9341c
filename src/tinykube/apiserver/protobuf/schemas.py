"""Field numbers of the Kubernetes messages tinykube reads from protobuf bodies.

kubectl's typed clients (``kubectl create namespace``, ``create deployment``, ``create
service ...``) send their objects as ``application/vnd.kubernetes.protobuf``. These
tables name the fields of those messages as ``k8s.io/api``'s ``generated.proto`` numbers
them (checked against bodies the real kubectl 1.32 sent). Fields not listed are
skipped: what these commands send is covered, not every field of every message.

Types: ``str``, ``int`` (signed varint), ``bool``, ``msg`` (a nested message),
``strs``/``msgs`` (repeated), ``map`` (string to string), ``qmap`` (string to Quantity),
``time`` (meta/v1 Time), ``ios`` (IntOrString). ``keep`` marks Go pointer fields, whose
zero value was set on purpose; other zero values are Go's empty defaults and omitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["str", "int", "bool", "msg", "strs", "msgs", "map", "qmap", "time", "ios"]


@dataclass(frozen=True)
class F:
    name: str
    type: FieldType
    message: Message | None = None
    keep: bool = False  # a pointer in Go: zero is a value, not absence


Message = dict[int, F]

OWNER_REFERENCE: Message = {
    1: F("kind", "str"), 3: F("name", "str"), 4: F("uid", "str"), 5: F("apiVersion", "str"),
    6: F("controller", "bool", keep=True), 7: F("blockOwnerDeletion", "bool", keep=True),
}
OBJECT_META: Message = {
    1: F("name", "str"), 2: F("generateName", "str"), 3: F("namespace", "str"),
    5: F("uid", "str"), 6: F("resourceVersion", "str"), 7: F("generation", "int"),
    8: F("creationTimestamp", "time"), 9: F("deletionTimestamp", "time"),
    10: F("deletionGracePeriodSeconds", "int", keep=True), 11: F("labels", "map"),
    12: F("annotations", "map"), 13: F("ownerReferences", "msgs", OWNER_REFERENCE),
    14: F("finalizers", "strs"),
}
REQUIREMENT: Message = {1: F("key", "str"), 2: F("operator", "str"), 3: F("values", "strs")}
LABEL_SELECTOR: Message = {1: F("matchLabels", "map"),
                           2: F("matchExpressions", "msgs", REQUIREMENT)}

# ------------------------------------------------------------------ core/v1

NAMESPACE: Message = {
    1: F("metadata", "msg", OBJECT_META),
    2: F("spec", "msg", {1: F("finalizers", "strs")}),
    3: F("status", "msg", {1: F("phase", "str")}),
}
SERVICE_PORT: Message = {
    1: F("name", "str"), 2: F("protocol", "str"), 3: F("port", "int"),
    4: F("targetPort", "ios"), 5: F("nodePort", "int"), 6: F("appProtocol", "str"),
}
CLIENT_IP: Message = {1: F("timeoutSeconds", "int", keep=True)}
SERVICE_SPEC: Message = {
    1: F("ports", "msgs", SERVICE_PORT), 2: F("selector", "map"), 3: F("clusterIP", "str"),
    4: F("type", "str"), 5: F("externalIPs", "strs"), 7: F("sessionAffinity", "str"),
    8: F("loadBalancerIP", "str"), 9: F("loadBalancerSourceRanges", "strs"),
    10: F("externalName", "str"), 11: F("externalTrafficPolicy", "str"),
    12: F("healthCheckNodePort", "int"), 13: F("publishNotReadyAddresses", "bool"),
    14: F("sessionAffinityConfig", "msg", {1: F("clientIP", "msg", CLIENT_IP)}),
    17: F("ipFamilyPolicy", "str"), 18: F("clusterIPs", "strs"), 19: F("ipFamilies", "strs"),
    20: F("allocateLoadBalancerNodePorts", "bool", keep=True),
    21: F("loadBalancerClass", "str"), 22: F("internalTrafficPolicy", "str"),
}
SERVICE: Message = {1: F("metadata", "msg", OBJECT_META), 2: F("spec", "msg", SERVICE_SPEC)}

CONTAINER_PORT: Message = {
    1: F("name", "str"), 2: F("hostPort", "int"), 3: F("containerPort", "int"),
    4: F("protocol", "str"), 5: F("hostIP", "str"),
}
ENV_VAR: Message = {1: F("name", "str"), 2: F("value", "str")}
RESOURCES: Message = {1: F("limits", "qmap"), 2: F("requests", "qmap")}
CONTAINER: Message = {
    1: F("name", "str"), 2: F("image", "str"), 3: F("command", "strs"), 4: F("args", "strs"),
    5: F("workingDir", "str"), 6: F("ports", "msgs", CONTAINER_PORT),
    7: F("env", "msgs", ENV_VAR), 8: F("resources", "msg", RESOURCES),
    13: F("terminationMessagePath", "str"), 14: F("imagePullPolicy", "str"),
    16: F("stdin", "bool"), 17: F("stdinOnce", "bool"), 18: F("tty", "bool"),
    20: F("terminationMessagePolicy", "str"),
}
POD_SPEC: Message = {
    2: F("containers", "msgs", CONTAINER), 3: F("restartPolicy", "str"),
    4: F("terminationGracePeriodSeconds", "int", keep=True), 6: F("dnsPolicy", "str"),
    7: F("nodeSelector", "map"), 8: F("serviceAccountName", "str"), 10: F("nodeName", "str"),
    11: F("hostNetwork", "bool"), 16: F("hostname", "str"), 17: F("subdomain", "str"),
    19: F("schedulerName", "str"), 20: F("initContainers", "msgs", CONTAINER),
    24: F("priorityClassName", "str"),
}
POD_TEMPLATE: Message = {1: F("metadata", "msg", OBJECT_META), 2: F("spec", "msg", POD_SPEC)}

# ------------------------------------------------------------------ apps/v1

ROLLING_UPDATE: Message = {1: F("maxUnavailable", "ios"), 2: F("maxSurge", "ios")}
DEPLOYMENT_SPEC: Message = {
    1: F("replicas", "int", keep=True), 2: F("selector", "msg", LABEL_SELECTOR),
    3: F("template", "msg", POD_TEMPLATE),
    4: F("strategy", "msg", {1: F("type", "str"), 2: F("rollingUpdate", "msg", ROLLING_UPDATE)}),
    5: F("minReadySeconds", "int"), 6: F("revisionHistoryLimit", "int", keep=True),
    7: F("paused", "bool"), 9: F("progressDeadlineSeconds", "int", keep=True),
}
DEPLOYMENT: Message = {1: F("metadata", "msg", OBJECT_META),
                       2: F("spec", "msg", DEPLOYMENT_SPEC)}

BY_KIND: dict[tuple[str, str], Message] = {
    ("v1", "Namespace"): NAMESPACE,
    ("v1", "Service"): SERVICE,
    ("apps/v1", "Deployment"): DEPLOYMENT,
}
