"""Cluster-scoped kinds: Namespace and Node.

Node status is reported by tinykube's own agent and read by few; its deep parts (images,
node info, config) are ``OPEN``, but every top-level field is named.
"""

from __future__ import annotations

from tinykube.api.schema.common import OBJECT_META, conditions
from tinykube.api.schema.nodes import (
    BOOL,
    OPEN,
    QUANTITY_MAP,
    STR,
    TIME,
    atomic,
    keyed,
    scalar_set,
    struct,
)

NAMESPACE = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    spec=struct(finalizers=atomic(STR)),
    status=struct(phase=STR, conditions=conditions()),
)

TAINT = struct(key=STR, value=STR, effect=STR, timeAdded=TIME)

NODE_SPEC = struct(
    podCIDR=STR,
    podCIDRs=scalar_set(),
    providerID=STR,
    unschedulable=BOOL,
    taints=atomic(TAINT),
    configSource=OPEN,
    externalID=STR,
    podPreemptionPolicy=OPEN,
)

NODE_STATUS = struct(
    capacity=QUANTITY_MAP,
    allocatable=QUANTITY_MAP,
    phase=STR,
    conditions=conditions(lastHeartbeatTime=TIME),
    addresses=keyed(struct(type=STR, address=STR), "type", ssa="atomic"),
    daemonEndpoints=OPEN,
    nodeInfo=OPEN,
    images=atomic(OPEN),
    volumesInUse=atomic(STR),
    volumesAttached=atomic(OPEN),
    config=OPEN,
    runtimeHandlers=atomic(OPEN),
    features=OPEN,
    declaredFeatures=atomic(STR),
)

NODE = struct(apiVersion=STR, kind=STR, metadata=OBJECT_META, spec=NODE_SPEC, status=NODE_STATUS)
