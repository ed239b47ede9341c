"""NamespaceLifecycle: the one admission rule tinykube enforces.

As in Kubernetes' ``plugin/pkg/admission/namespace/lifecycle``: a namespaced object may
only be created in a namespace that exists (404 ``namespaces "x" not found``) and is not
being terminated (403), and the namespaces the system itself lives in may not be deleted.
"""

from __future__ import annotations

from tinykube.api.kinds import NAMESPACE, Kind
from tinykube.store.storage import Storage

from . import failures

IMMORTAL = frozenset({"default", "kube-system", "kube-public"})


async def check_create(store: Storage, kind: Kind, namespace: str, name: str) -> None:
    if not kind.namespaced:
        return
    ns = await store.get(NAMESPACE.key("", namespace))
    if ns is None:
        raise failures.not_found(NAMESPACE, namespace)
    terminating = (ns.get("metadata") or {}).get("deletionTimestamp") or \
        (ns.get("status") or {}).get("phase") == "Terminating"
    if terminating:
        raise failures.forbidden(
            kind, name,
            f"unable to create new content in namespace {namespace} because it is being "
            "terminated",
        )


def check_delete(kind: Kind, name: str) -> None:
    if kind is NAMESPACE and name in IMMORTAL:
        raise failures.forbidden(NAMESPACE, name, "this namespace may not be deleted")
