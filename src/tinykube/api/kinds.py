"""The kinds tinykube serves, and the names Kubernetes knows them by.

One ``Kind`` per resource: group, version, kind, plural, scope, short names, categories and
subresources. Discovery, REST routing, storage keys, the client and the CLI all read this
table, so a new kind is one entry here plus its defaults, validation and table columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykube.errors import NotFound


@dataclass(frozen=True)
class Kind:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # "status", "scale", "log", "exec", "attach"
    verbs: tuple[str, ...] = (
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``services`` or ``deployments.apps``: how Kubernetes names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of the collection, or of one object when ``name`` is given."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base

    def key(self, namespace: str, name: str) -> str:
        """Storage key of one object: ``/<group-resource>/<namespace>/<name>``.

        Cluster-scoped objects have an empty namespace segment: ``/namespaces//default``.
        """
        return f"/{self.group_resource}/{namespace if self.namespaced else ''}/{name}"

    def prefix(self, namespace: str | None = None) -> str:
        """Storage key prefix of the collection, in one namespace or in all of them."""
        if self.namespaced and namespace:
            return f"/{self.group_resource}/{namespace}/"
        return f"/{self.group_resource}/"


_ALL = ("all",)

NAMESPACE = Kind("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",), (), ("status",))
NODE = Kind("", "v1", "Node", "nodes", "node", False, ("no",), (), ("status",))
POD = Kind(
    "", "v1", "Pod", "pods", "pod", True, ("po",), _ALL, ("status", "log", "exec", "attach")
)
SERVICE = Kind("", "v1", "Service", "services", "service", True, ("svc",), _ALL, ("status",))
ENDPOINTS = Kind("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",))
EVENT = Kind("", "v1", "Event", "events", "event", True, ("ev",))
ENDPOINT_SLICE = Kind(
    "discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", True
)
DEPLOYMENT = Kind(
    "apps", "v1", "Deployment", "deployments", "deployment", True, ("deploy",), _ALL,
    ("status", "scale"),
)
REPLICA_SET = Kind(
    "apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ("rs",), _ALL,
    ("status", "scale"),
)
STATEFUL_SET = Kind(
    "apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ("sts",), _ALL,
    ("status", "scale"),
)

KINDS: tuple[Kind, ...] = (
    NAMESPACE,
    NODE,
    POD,
    SERVICE,
    ENDPOINTS,
    EVENT,
    ENDPOINT_SLICE,
    DEPLOYMENT,
    REPLICA_SET,
    STATEFUL_SET,
)

_BY_RESOURCE = {(k.group, k.version, k.plural): k for k in KINDS}
_BY_GVK = {(k.api_version, k.kind): k for k in KINDS}


def group_versions() -> list[tuple[str, str]]:
    """Every (group, version) served, core first, in a stable order."""
    seen: list[tuple[str, str]] = []
    for k in KINDS:
        if (k.group, k.version) not in seen:
            seen.append((k.group, k.version))
    return seen


def by_resource(group: str, version: str, plural: str) -> Kind:
    try:
        return _BY_RESOURCE[(group, version, plural)]
    except KeyError:
        gv = f"{group}/{version}" if group else version
        msg = f"the server could not find the requested resource ({gv} {plural})"
        raise NotFound(msg) from None


def by_gvk(api_version: str, kind: str) -> Kind:
    try:
        return _BY_GVK[(api_version, kind)]
    except KeyError:
        raise NotFound(
            f'no matches for kind "{kind}" in version "{api_version}"'
        ) from None


def lookup(word: str) -> Kind:
    """A kind by any name a user types: plural, singular, short name, Kind, ``plural.group``."""
    w = word.lower()
    for k in KINDS:
        names = {k.plural, k.singular, k.kind.lower(), *k.short_names}
        if k.group:
            names |= {f"{k.plural}.{k.group}", f"{k.singular}.{k.group}"}
        if w in names:
            return k
    raise NotFound(f'the server doesn\'t have a resource type "{word}"')


def of(obj: dict[str, object]) -> Kind:
    """The kind of an object from its ``apiVersion`` and ``kind``."""
    return by_gvk(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
