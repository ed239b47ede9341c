"""Workload kinds of ``apps/v1``: Deployment, ReplicaSet and StatefulSet, spec and status.

A Deployment's ``spec.strategy`` carries the ``retainKeys`` patch strategy: switching to
``Recreate`` must drop ``rollingUpdate``, which is why ``kubectl apply`` sends
``$retainKeys`` for it.
"""

from __future__ import annotations

from tinykube.api.schema.common import LABEL_SELECTOR, OBJECT_META, conditions
from tinykube.api.schema.nodes import (
    BOOL,
    INT,
    INT_OR_STR,
    OPEN,
    STR,
    TIME,
    atomic,
    retaining_struct,
    struct,
)
from tinykube.api.schema.pod import POD_TEMPLATE_SPEC

DEPLOYMENT_SPEC = struct(
    replicas=INT,
    selector=LABEL_SELECTOR,
    template=POD_TEMPLATE_SPEC,
    strategy=retaining_struct(
        type=STR,
        rollingUpdate=struct(maxUnavailable=INT_OR_STR, maxSurge=INT_OR_STR),
    ),
    minReadySeconds=INT,
    revisionHistoryLimit=INT,
    paused=BOOL,
    progressDeadlineSeconds=INT,
)

DEPLOYMENT_STATUS = struct(
    observedGeneration=INT,
    replicas=INT,
    updatedReplicas=INT,
    readyReplicas=INT,
    availableReplicas=INT,
    unavailableReplicas=INT,
    terminatingReplicas=INT,
    conditions=conditions(lastUpdateTime=TIME),
    collisionCount=INT,
)

DEPLOYMENT = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    spec=DEPLOYMENT_SPEC,
    status=DEPLOYMENT_STATUS,
)

REPLICA_SET_SPEC = struct(
    replicas=INT, minReadySeconds=INT, selector=LABEL_SELECTOR, template=POD_TEMPLATE_SPEC
)

REPLICA_SET_STATUS = struct(
    replicas=INT,
    fullyLabeledReplicas=INT,
    readyReplicas=INT,
    availableReplicas=INT,
    terminatingReplicas=INT,
    observedGeneration=INT,
    conditions=conditions(),
)

REPLICA_SET = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    spec=REPLICA_SET_SPEC,
    status=REPLICA_SET_STATUS,
)

# PersistentVolumeClaim templates: only the envelope is checked, the claim itself is open.
PVC_TEMPLATE = struct(apiVersion=STR, kind=STR, metadata=OBJECT_META, spec=OPEN, status=OPEN)

STATEFUL_SET_SPEC = struct(
    replicas=INT,
    selector=LABEL_SELECTOR,
    template=POD_TEMPLATE_SPEC,
    volumeClaimTemplates=atomic(PVC_TEMPLATE),
    serviceName=STR,
    podManagementPolicy=STR,
    updateStrategy=struct(type=STR, rollingUpdate=struct(partition=INT, maxUnavailable=INT_OR_STR)),
    revisionHistoryLimit=INT,
    minReadySeconds=INT,
    persistentVolumeClaimRetentionPolicy=struct(whenDeleted=STR, whenScaled=STR),
    ordinals=struct(start=INT),
)

STATEFUL_SET_STATUS = struct(
    observedGeneration=INT,
    replicas=INT,
    readyReplicas=INT,
    currentReplicas=INT,
    updatedReplicas=INT,
    currentRevision=STR,
    updateRevision=STR,
    collisionCount=INT,
    conditions=conditions(),
    availableReplicas=INT,
)

STATEFUL_SET = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    spec=STATEFUL_SET_SPEC,
    status=STATEFUL_SET_STATUS,
)
