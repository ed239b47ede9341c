"""The shapes every kind shares: ObjectMeta, references, selectors, conditions.

Copied from ``k8s.io/apimachinery/pkg/apis/meta/v1`` and ``k8s.io/api/core/v1``, with
their patch tags and apply markers.
"""

from __future__ import annotations

from tinykube.api.schema.nodes import (
    BOOL,
    INT,
    OPEN,
    STR,
    STR_MAP,
    TIME,
    ListOf,
    Node,
    Struct,
    atomic,
    atomic_struct,
    keyed,
    scalar_set,
    struct,
)

OWNER_REFERENCE = atomic_struct(
    apiVersion=STR,
    kind=STR,
    name=STR,
    uid=STR,
    controller=BOOL,
    blockOwnerDeletion=BOOL,
)

MANAGED_FIELDS_ENTRY = struct(
    manager=STR,
    operation=STR,
    apiVersion=STR,
    time=TIME,
    fieldsType=STR,
    fieldsV1=OPEN,
    subresource=STR,
)

OBJECT_META = struct(
    name=STR,
    generateName=STR,
    namespace=STR,
    selfLink=STR,
    uid=STR,
    resourceVersion=STR,
    generation=INT,
    creationTimestamp=TIME,
    deletionTimestamp=TIME,
    deletionGracePeriodSeconds=INT,
    labels=STR_MAP,
    annotations=STR_MAP,
    ownerReferences=keyed(OWNER_REFERENCE, "uid"),
    finalizers=scalar_set(),
    managedFields=atomic(MANAGED_FIELDS_ENTRY),
)

OBJECT_REFERENCE = atomic_struct(
    kind=STR,
    namespace=STR,
    name=STR,
    uid=STR,
    apiVersion=STR,
    resourceVersion=STR,
    fieldPath=STR,
)

LOCAL_OBJECT_REFERENCE = atomic_struct(name=STR)

LABEL_SELECTOR = atomic_struct(
    matchLabels=STR_MAP,
    matchExpressions=atomic(struct(key=STR, operator=STR, values=atomic(STR))),
)


def condition(**extra: Node) -> Struct:
    """A status condition: type, status, reason, message, lastTransitionTime, plus ``extra``."""
    return struct(type=STR, status=STR, reason=STR, message=STR, lastTransitionTime=TIME, **extra)


def conditions(**extra: Node) -> ListOf:
    """A status ``conditions`` list: merged by ``type`` in patches, a map keyed by type in apply."""
    return keyed(condition(**extra), "type")
