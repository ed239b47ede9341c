"""Pods: Container, PodSpec, PodTemplateSpec and PodStatus (``k8s.io/api/core/v1``).

The whole PodSpec top level and every Container field are spelled out, because that is
where manifests live (ports, env, probes, resources, volumeMounts). Deep structures that
tinykube never reads and manifests rarely carry (affinity, security contexts, volume
sources, DNS options) are ``OPEN``: any content passes, patches merge their maps and
replace their lists.
"""

from __future__ import annotations

from tinykube.api.schema.common import LOCAL_OBJECT_REFERENCE, OBJECT_META, conditions
from tinykube.api.schema.nodes import (
    BOOL,
    INT,
    INT_OR_STR,
    OPEN,
    QUANTITY,
    QUANTITY_MAP,
    STR,
    TIME,
    ListOf,
    MapOf,
    atomic,
    atomic_struct,
    extend,
    keyed,
    struct,
)

TCP = {"protocol": "TCP"}

CONTAINER_PORT = struct(name=STR, hostPort=INT, containerPort=INT, protocol=STR, hostIP=STR)

_KEY_SELECTOR = atomic_struct(name=STR, key=STR, optional=BOOL)

ENV_VAR = struct(
    name=STR,
    value=STR,
    valueFrom=struct(
        fieldRef=atomic_struct(apiVersion=STR, fieldPath=STR),
        resourceFieldRef=atomic_struct(containerName=STR, resource=STR, divisor=QUANTITY),
        configMapKeyRef=_KEY_SELECTOR,
        secretKeyRef=_KEY_SELECTOR,
        fileKeyRef=atomic_struct(volumeName=STR, path=STR, key=STR, optional=BOOL),
    ),
)

_ENV_SOURCE_REF = struct(name=STR, optional=BOOL)

ENV_FROM_SOURCE = struct(prefix=STR, configMapRef=_ENV_SOURCE_REF, secretRef=_ENV_SOURCE_REF)

RESOURCE_REQUIREMENTS = struct(
    limits=QUANTITY_MAP,
    requests=QUANTITY_MAP,
    claims=ListOf(struct(name=STR, request=STR), ssa="map", keys=("name",)),
)

VOLUME_MOUNT = struct(
    name=STR,
    readOnly=BOOL,
    recursiveReadOnly=STR,
    mountPath=STR,
    subPath=STR,
    mountPropagation=STR,
    subPathExpr=STR,
    bindMountOptions=atomic(STR),
)

_HTTP_GET = struct(
    path=STR,
    port=INT_OR_STR,
    host=STR,
    scheme=STR,
    httpHeaders=atomic(struct(name=STR, value=STR)),
    protocol=STR,
)
_EXEC = struct(command=atomic(STR))
_TCP_SOCKET = struct(port=INT_OR_STR, host=STR)

PROBE = struct(
    exec=_EXEC,
    httpGet=_HTTP_GET,
    tcpSocket=_TCP_SOCKET,
    grpc=struct(port=INT, service=STR, mode=STR),
    initialDelaySeconds=INT,
    timeoutSeconds=INT,
    periodSeconds=INT,
    successThreshold=INT,
    failureThreshold=INT,
    terminationGracePeriodSeconds=INT,
)

LIFECYCLE_HANDLER = struct(
    exec=_EXEC, httpGet=_HTTP_GET, tcpSocket=_TCP_SOCKET, sleep=struct(seconds=INT)
)

LIFECYCLE = struct(postStart=LIFECYCLE_HANDLER, preStop=LIFECYCLE_HANDLER, stopSignal=STR)

CONTAINER = struct(
    name=STR,
    image=STR,
    command=atomic(STR),
    args=atomic(STR),
    workingDir=STR,
    ports=keyed(CONTAINER_PORT, "containerPort", keys=("containerPort", "protocol"), defaults=TCP),
    envFrom=atomic(ENV_FROM_SOURCE),
    env=keyed(ENV_VAR, "name"),
    resources=RESOURCE_REQUIREMENTS,
    resizePolicy=atomic(struct(resourceName=STR, restartPolicy=STR)),
    restartPolicy=STR,
    restartPolicyRules=atomic(OPEN),
    volumeMounts=keyed(VOLUME_MOUNT, "mountPath"),
    volumeDevices=keyed(struct(name=STR, devicePath=STR), "devicePath"),
    livenessProbe=PROBE,
    readinessProbe=PROBE,
    startupProbe=PROBE,
    lifecycle=LIFECYCLE,
    terminationMessagePath=STR,
    terminationMessagePolicy=STR,
    imagePullPolicy=STR,
    securityContext=OPEN,
    stdin=BOOL,
    stdinOnce=BOOL,
    tty=BOOL,
)

EPHEMERAL_CONTAINER = extend(CONTAINER, targetContainerName=STR)

_VOLUME_SOURCES = [
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
]

# Every volume source is OPEN; only the names are checked, so a misspelt source is caught.
VOLUME = struct(name=STR, **dict.fromkeys(_VOLUME_SOURCES, OPEN))

TOPOLOGY_SPREAD_CONSTRAINT = struct(
    maxSkew=INT,
    topologyKey=STR,
    whenUnsatisfiable=STR,
    labelSelector=OPEN,
    minDomains=INT,
    nodeAffinityPolicy=STR,
    nodeTaintsPolicy=STR,
    matchLabelKeys=atomic(STR),
)

TOLERATION = struct(key=STR, operator=STR, value=STR, effect=STR, tolerationSeconds=INT)

POD_SPEC = struct(
    volumes=keyed(VOLUME, "name", retain_keys=True),
    initContainers=keyed(CONTAINER, "name"),
    containers=keyed(CONTAINER, "name"),
    ephemeralContainers=keyed(EPHEMERAL_CONTAINER, "name"),
    restartPolicy=STR,
    terminationGracePeriodSeconds=INT,
    activeDeadlineSeconds=INT,
    dnsPolicy=STR,
    nodeSelector=MapOf(STR, atomic=True),
    serviceAccountName=STR,
    serviceAccount=STR,
    automountServiceAccountToken=BOOL,
    nodeName=STR,
    hostNetwork=BOOL,
    hostPID=BOOL,
    hostIPC=BOOL,
    shareProcessNamespace=BOOL,
    securityContext=OPEN,
    imagePullSecrets=keyed(LOCAL_OBJECT_REFERENCE, "name"),
    hostname=STR,
    hostnameOverride=STR,
    subdomain=STR,
    affinity=OPEN,
    schedulerName=STR,
    tolerations=atomic(TOLERATION),
    hostAliases=keyed(struct(ip=STR, hostnames=atomic(STR)), "ip"),
    priorityClassName=STR,
    priority=INT,
    dnsConfig=OPEN,
    readinessGates=atomic(struct(conditionType=STR)),
    runtimeClassName=STR,
    enableServiceLinks=BOOL,
    preemptionPolicy=STR,
    overhead=QUANTITY_MAP,
    topologySpreadConstraints=keyed(
        TOPOLOGY_SPREAD_CONSTRAINT, "topologyKey", keys=("topologyKey", "whenUnsatisfiable")
    ),
    setHostnameAsFQDN=BOOL,
    os=struct(name=STR),
    hostUsers=BOOL,
    schedulingGates=keyed(struct(name=STR), "name"),
    schedulingGroup=OPEN,
    resourceClaims=keyed(
        struct(name=STR, resourceClaimName=STR, resourceClaimTemplateName=STR),
        "name",
        retain_keys=True,
    ),
    resources=RESOURCE_REQUIREMENTS,
    evictionResponders=atomic(OPEN),
)

POD_TEMPLATE_SPEC = struct(metadata=OBJECT_META, spec=POD_SPEC)

_IP = struct(ip=STR)

CONTAINER_STATUS = struct(
    name=STR,
    state=OPEN,
    lastState=OPEN,
    ready=BOOL,
    restartCount=INT,
    image=STR,
    imageID=STR,
    containerID=STR,
    started=BOOL,
    allocatedResources=QUANTITY_MAP,
    resources=RESOURCE_REQUIREMENTS,
    volumeMounts=atomic(OPEN),
    user=OPEN,
    allocatedResourcesStatus=atomic(OPEN),
    stopSignal=STR,
)

POD_STATUS = struct(
    observedGeneration=INT,
    phase=STR,
    conditions=conditions(lastProbeTime=TIME, observedGeneration=INT),
    message=STR,
    reason=STR,
    nominatedNodeName=STR,
    hostIP=STR,
    hostIPs=keyed(_IP, "ip", ssa="atomic"),
    podIP=STR,
    podIPs=keyed(_IP, "ip"),
    startTime=TIME,
    initContainerStatuses=atomic(CONTAINER_STATUS),
    containerStatuses=atomic(CONTAINER_STATUS),
    qosClass=STR,
    ephemeralContainerStatuses=atomic(CONTAINER_STATUS),
    resize=STR,
    resourceClaimStatuses=keyed(struct(name=STR, resourceClaimName=STR), "name"),
    extendedResourceClaimStatus=OPEN,
    nodeAllocatableResourceClaimStatuses=atomic(OPEN),
    allocatedResources=QUANTITY_MAP,
    resources=RESOURCE_REQUIREMENTS,
    volumeHealth=atomic(OPEN),
)

POD = struct(apiVersion=STR, kind=STR, metadata=OBJECT_META, spec=POD_SPEC, status=POD_STATUS)
