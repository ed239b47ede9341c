"""Service networking kinds: Service, Endpoints and EndpointSlice.

ServiceSpec and ServiceStatus are complete: they are what tinykube is about. Note the two
merge rules for ports: a strategic merge patch matches them on ``port`` alone (what
``kubectl apply`` relies on to add and remove ports), apply keys them by ``port`` and
``protocol`` with ``protocol`` defaulting to TCP.
"""

from __future__ import annotations

from tinykube.api.schema.common import OBJECT_META, OBJECT_REFERENCE, conditions
from tinykube.api.schema.nodes import (
    BOOL,
    INT,
    INT_OR_STR,
    STR,
    STR_MAP,
    ListOf,
    MapOf,
    atomic,
    keyed,
    struct,
)

SERVICE_PORT = struct(
    name=STR, protocol=STR, appProtocol=STR, port=INT, targetPort=INT_OR_STR, nodePort=INT
)

SERVICE_SPEC = struct(
    ports=keyed(SERVICE_PORT, "port", keys=("port", "protocol"), defaults={"protocol": "TCP"}),
    selector=MapOf(STR, atomic=True),
    clusterIP=STR,
    clusterIPs=atomic(STR),
    type=STR,
    externalIPs=atomic(STR),
    sessionAffinity=STR,
    loadBalancerIP=STR,
    loadBalancerSourceRanges=atomic(STR),
    externalName=STR,
    externalTrafficPolicy=STR,
    healthCheckNodePort=INT,
    publishNotReadyAddresses=BOOL,
    sessionAffinityConfig=struct(clientIP=struct(timeoutSeconds=INT)),
    ipFamilies=atomic(STR),
    ipFamilyPolicy=STR,
    allocateLoadBalancerNodePorts=BOOL,
    loadBalancerClass=STR,
    internalTrafficPolicy=STR,
    trafficDistribution=STR,
)

PORT_STATUS = struct(port=INT, protocol=STR, error=STR)

SERVICE_STATUS = struct(
    loadBalancer=struct(
        ingress=atomic(struct(ip=STR, hostname=STR, ipMode=STR, ports=atomic(PORT_STATUS)))
    ),
    conditions=conditions(observedGeneration=INT),
)

SERVICE = struct(
    apiVersion=STR, kind=STR, metadata=OBJECT_META, spec=SERVICE_SPEC, status=SERVICE_STATUS
)

ENDPOINT_ADDRESS = struct(ip=STR, hostname=STR, nodeName=STR, targetRef=OBJECT_REFERENCE)

ENDPOINT_PORT = struct(name=STR, port=INT, protocol=STR, appProtocol=STR)

ENDPOINTS = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    subsets=atomic(
        struct(
            addresses=atomic(ENDPOINT_ADDRESS),
            notReadyAddresses=atomic(ENDPOINT_ADDRESS),
            ports=atomic(ENDPOINT_PORT),
        )
    ),
)

_FOR_NAME = atomic(struct(name=STR))

ENDPOINT = struct(
    addresses=ListOf(STR, ssa="set"),  # no patch tag: a patch replaces it
    conditions=struct(ready=BOOL, serving=BOOL, terminating=BOOL),
    hostname=STR,
    targetRef=OBJECT_REFERENCE,
    deprecatedTopology=STR_MAP,
    nodeName=STR,
    zone=STR,
    hints=struct(forZones=_FOR_NAME, forNodes=_FOR_NAME),
)

ENDPOINT_SLICE = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    addressType=STR,
    endpoints=atomic(ENDPOINT),
    ports=atomic(ENDPOINT_PORT),
)
