"""Strategic merge patch against Kubernetes' own results.

Two sources of truth: the test cases of apimachinery's ``strategicpatch/patch_test.go``
(run on the same ``MergeItem`` schema they use), and the patches the real ``kubectl``
sends (``/work/shared/reference/kubectl-surface.md`` §4) applied to real objects.
"""

from __future__ import annotations

import copy
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from tinykube.api import kinds
from tinykube.api.schema import Node, Struct
from tinykube.api.schema.nodes import INT, STR, STR_MAP, atomic, keyed, scalar_set
from tinykube.errors import BadRequest, Invalid
from tinykube.wire.patch import strategic_merge_patch
from tinykube.wire.patch.strategic import merge_map

# --------------------------------------------------------------------------- Go's test schema

_ITEM_FIELDS: dict[str, Node] = {}
MERGE_ITEM = Struct(MappingProxyType(_ITEM_FIELDS))
_RETAIN_FIELDS: dict[str, Node] = {}
_ITEM_FIELDS.update(
    name=STR,
    value=STR,
    other=STR,
    mergingList=keyed(MERGE_ITEM, "name"),
    nonMergingList=atomic(MERGE_ITEM),
    mergingIntList=scalar_set(INT),
    nonMergingIntList=atomic(INT),
    simpleMap=STR_MAP,
    retainKeysMap=Struct(MappingProxyType(_RETAIN_FIELDS), retain_keys=True),
    retainKeysMergingList=keyed(MERGE_ITEM, "name", retain_keys=True),
)
_RETAIN_FIELDS.update(
    name=STR,
    value=STR,
    other=STR,
    simpleMap=STR_MAP,
    mergingIntList=scalar_set(INT),
    mergingList=keyed(MERGE_ITEM, "name"),
    nonMergingList=atomic(MERGE_ITEM),
)


def go_case(original: str, patch: str) -> Any:
    return merge_map(yaml.safe_load(original) or {}, yaml.safe_load(patch) or {}, MERGE_ITEM)


# (description, original or current, patch, result) from patch_test.go.
GO_CASES = [
    (
        "unique scalars when merging lists",
        "mergingIntList: [1, 2]",
        "mergingIntList: [2, 3]",
        "mergingIntList: [1, 2, 3]",
    ),
    (
        "delete map from nested map",
        "simpleMap: {key1: 1, key2: 1}",
        "simpleMap: {$patch: delete}",
        "simpleMap: {}",
    ),
    (
        "delete all items from merging list",
        "mergingList: [{name: 1}, {name: 2}]",
        "mergingList: [{$patch: replace}]",
        "mergingList: []",
    ),
    ("merge empty merging lists", "mergingList: []", "mergingList: []", "mergingList: []"),
    ("delete all keys from map", "{name: 1, value: 1}", "{$patch: replace}", "{}"),
    (
        "add key and delete all keys from map",
        "{name: 1, value: 1}",
        "{other: a, $patch: replace}",
        "{other: a}",
    ),
    (
        "delete all duplicate entries in a merging list",
        "mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]",
        "mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]",
        "mergingList: [{name: 2, value: a}]",
    ),
    (
        "retainKeys list can delete a field without a directive",
        "retainKeysMergingList: [{name: bar}, {name: foo, value: a}]",
        "retainKeysMergingList: [{name: foo, value: null}]",
        "retainKeysMergingList: [{name: bar}, {name: foo}]",
    ),
    (
        "preserve the order from the patch in a merging list",
        "mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]",
    ),
    (
        "preserve the order from the patch in a merging list 2",
        "mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        "mergingList: [{name: 3, value: c}, {name: 1, value: a}]",
        "mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]",
    ),
    (
        "preserve the order from the patch in a merging int list",
        "mergingIntList: [1, 2, 3]",
        "mergingIntList: [3, 1, 2]",
        "mergingIntList: [3, 1, 2]",
    ),
    (
        "preserve the order from the patch in a merging int list 2",
        "mergingIntList: [1, 2, 3]",
        "mergingIntList: [3, 1]",
        "mergingIntList: [2, 3, 1]",
    ),
    (
        "$setElementOrder contains item that is not present in the list to be merged",
        "mergingList: [{name: 1}, {name: 3}]",
        "{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}],"
        " mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}",
        "mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]",
    ),
    (
        "$setElementOrder of an int list that is not in the patch",
        "mergingIntList: [1, 3]",
        "$setElementOrder/mergingIntList: [3, 2, 1]",
        "mergingIntList: [3, 1]",
    ),
    (
        "$deleteFromPrimitiveList of a nonexistent item",
        "mergingIntList: [1, 2]",
        "$deleteFromPrimitiveList/mergingIntList: [3]",
        "mergingIntList: [1, 2]",
    ),
    (
        "$deleteFromPrimitiveList on an empty list",
        "mergingIntList:",
        "$deleteFromPrimitiveList/mergingIntList: [3]",
        "mergingIntList:",
    ),
    (
        "$deleteFromPrimitiveList on a missing list",
        "foo: [bar]",
        "$deleteFromPrimitiveList/mergingIntList: [3]",
        "foo: [bar]",
    ),
    (
        "$deleteFromPrimitiveList from a merging list",
        "mergingIntList: [1, 2, 3]",
        "$deleteFromPrimitiveList/mergingIntList: [2]",
        "mergingIntList: [1, 3]",
    ),
    (
        "$deleteFromPrimitiveList from a non-merging list",
        "nonMergingIntList: [1, 2, 3]",
        "$deleteFromPrimitiveList/nonMergingIntList: [2]",
        "nonMergingIntList: [1, 3]",
    ),
    (
        "add field and delete all fields from map with conflict",
        "{name: 1, value: 1, other: b}",
        "{name: null, value: null, other: a}",
        "{other: a}",
    ),
    (
        "delete field from nested map with conflict",
        "simpleMap: {key1: a, key2: 1, other: a}",
        "simpleMap: {key1: 1, key2: null}",
        "simpleMap: {key1: 1, other: a}",
    ),
    (
        "delete all maps from merging list with conflict",
        "mergingList: [{name: 1, other: a}, {name: 2, other: b}]",
        "mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]",
        "mergingList: []",
    ),
    (
        "nested patch merge with empty list",
        "{name: hi, mergingList: [{name: hello2}]}",
        "{$setElementOrder/mergingList: [{name: hello}, {name: doesntexist}],"
        " mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]}",
        "{name: hi, mergingList: [{name: hello}, {name: hello2}]}",
    ),
    (
        "delete items in lists of scalars",
        "mergingIntList: [1, 2, 3, 4]",
        "{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}",
        "mergingIntList: [1, 2, 4]",
    ),
    (
        "delete all duplicate items in lists of scalars",
        "mergingIntList: [1, 2, 3, 3, 4]",
        "{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}",
        "mergingIntList: [1, 2, 4]",
    ),
    (
        "merge lists of maps",
        "mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]",
        "{$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}],"
        " mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}",
        "mergingList: [{name: 4, value: 4}, {name: 1, other: a},"
        " {name: 2, value: 2, other: b}, {name: 3, value: 3}]",
    ),
    (
        "add field to map in merging list with conflict",
        "mergingList: [{name: 1, other: a}, {name: 3, value: 2, other: b}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}],"
        " mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]}",
        "mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2},"
        " {name: 3, value: 2, other: b}]",
    ),
    (
        "delete missing map from merging list with conflict",
        "mergingList: [{name: 3, other: a}]",
        "{$setElementOrder/mergingList: [{name: 2}],"
        " mergingList: [{name: 2}, {name: 1, $patch: delete}]}",
        "mergingList: [{name: 2}, {name: 3, other: a}]",
    ),
    (
        "add map and delete map from merging list",
        "mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]",
        "{$setElementOrder/mergingList: [{name: 2}, {name: 3}],"
        " mergingList: [{name: 3}, {name: 1, $patch: delete}]}",
        "mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]",
    ),
    (
        "add map and delete map from merging list with conflict",
        "mergingList: [{name: 1, other: a}, {name: 4, other: c}]",
        "{$setElementOrder/mergingList: [{name: 2}, {name: 3}],"
        " mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]}",
        "mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]",
    ),
    (
        "replace non merging list nested in merging list",
        "mergingList: [{name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]},"
        " {name: 2, other: b}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}],"
        " mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]}",
        "mergingList: [{name: 1, other: a, nonMergingList: [{name: 1, value: 1}]},"
        " {name: 2, other: b}]",
    ),
    (
        "set elements order in a list with server-only items",
        "mergingList: [{name: 1, other: a}, {name: 3, value: 3}, {name: 4, value: 4},"
        " {name: 2, value: 2}, {name: 9}]",
        "$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]",
        "mergingList: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3},"
        " {name: 1, other: a}, {name: 9}]",
    ),
    (
        "set elements order in a list with server-only items 2",
        "mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 9}, {name: 3, value: 3},"
        " {name: 4, value: 4}]",
        "$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]",
        "mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 9}, {name: 4, value: 4},"
        " {name: 3, value: 3}]",
    ),
    (
        "set elements order in a list with server-only items 3",
        "mergingList: [{name: 1, other: a}, {name: 2}, {name: 7}, {name: 9}, {name: 8},"
        " {name: 3}, {name: 4}]",
        "$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]",
        "mergingList: [{name: 2}, {name: 1, other: a}, {name: 7}, {name: 9}, {name: 8},"
        " {name: 4}, {name: 3}]",
    ),
    (
        "add multiple items in a int list and preserve order",
        "mergingIntList: [1, 2]",
        "{$setElementOrder/mergingIntList: [1, 4, 2, 3], mergingIntList: [4, 3]}",
        "mergingIntList: [1, 4, 2, 3]",
    ),
    (
        "add and delete an item in a int list and preserve order",
        "mergingIntList: [1, 2, 3]",
        "{$setElementOrder/mergingIntList: [4, 2, 1], mergingIntList: [4],"
        " $deleteFromPrimitiveList/mergingIntList: [3]}",
        "mergingIntList: [4, 2, 1]",
    ),
    (
        "set elements order in a int list with server-only items 3",
        "mergingIntList: [1, 2, 7, 9, 8, 3, 4]",
        "$setElementOrder/mergingIntList: [2, 1, 4, 3]",
        "mergingIntList: [2, 1, 7, 9, 8, 4, 3]",
    ),
    (
        "set element order for a merging list with duplicates",
        "mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2},"
        " {name: 4}]",
        "$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]",
        "mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4},"
        " {name: 3}]",
    ),
    (
        "set element order for a merging int list with duplicates",
        "mergingIntList: [1, 2, 3, 2, 4]",
        "$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]",
        "mergingIntList: [2, 2, 1, 4, 3]",
    ),
    (
        "retainKeys map should clear defaulted field",
        "retainKeysMap: {value: foo}",
        "retainKeysMap: {$retainKeys: [other], other: bar}",
        "retainKeysMap: {other: bar}",
    ),
    (
        "retainKeys map clears a field in a discriminated union",
        "retainKeysMap: {name: type1, value: foo}",
        "retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}",
        "retainKeysMap: {name: type2, other: bar}",
    ),
    (
        "retainKeys map deletes a field and clears a field",
        "retainKeysMap: {name: foo, value: bar, other: a}",
        "retainKeysMap: {$retainKeys: [name], value: null}",
        "retainKeysMap: {name: foo}",
    ),
    (
        "retainKeys map adds a field in a nested map",
        "retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}",
        "retainKeysMap: {$retainKeys: [name, simpleMap, value], simpleMap: {key2: b}}",
        "retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}",
    ),
]


@pytest.mark.parametrize(
    ("name", "original", "patch", "result"), GO_CASES, ids=[c[0] for c in GO_CASES]
)
def test_apimachinery_cases(name: str, original: str, patch: str, result: str) -> None:
    assert go_case(original, patch) == (yaml.safe_load(result) or {})


GO_ERRORS = [
    (
        "order in $setElementOrder and patch list must match",
        "mergingList: [{name: 1}, {name: 3}, {name: 2}]",
        "{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}],"
        " mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}",
        "doesn't match",
    ),
    (
        "order in $setElementOrder and an int patch list must match",
        "mergingIntList: [1, 3, 2]",
        "{$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}",
        "doesn't match",
    ),
    (
        "missing merge key",
        "mergingList: [{name: 1, value: a}]",
        "mergingList: [{value: b}]",
        "does not contain declared merge key: name",
    ),
    (
        "missing merge key in a delete",
        "mergingList: [{name: 1}]",
        "mergingList: [{$patch: delete}]",
        "does not contain declared merge key",
    ),
    (
        "unknown directive in a map",
        "simpleMap: {a: b}",
        "simpleMap: {$patch: frobnicate}",
        "unknown patch type: frobnicate",
    ),
    (
        "unknown directive in a list",
        "mergingList: [{name: 1}]",
        "mergingList: [{name: 1, $patch: frobnicate}]",
        "unknown patch type",
    ),
    (
        "patch key outside $retainKeys",
        "retainKeysMap: {name: a}",
        "retainKeysMap: {$retainKeys: [name], value: b}",
        "invalid patch format of retainKeys",
    ),
    (
        "$retainKeys not a list",
        "retainKeysMap: {name: a}",
        "retainKeysMap: {$retainKeys: name}",
        "invalid patch format of retainKeys",
    ),
    (
        "$setElementOrder without a field",
        "{}",
        "{$setElementOrder: []}",
        "invalid patch format of setElementOrder list",
    ),
    (
        "$deleteFromPrimitiveList not a list",
        "mergingIntList: [1]",
        "$deleteFromPrimitiveList/mergingIntList: 1",
        "invalid patch format of primitive list",
    ),
    (
        "mixed element types",
        "mergingList: [{name: 1}]",
        "mergingList: [2]",
        "list element types are not identical",
    ),
]


@pytest.mark.parametrize(
    ("name", "original", "patch", "message"), GO_ERRORS, ids=[c[0] for c in GO_ERRORS]
)
def test_malformed_patches_are_bad_requests(
    name: str, original: str, patch: str, message: str
) -> None:
    with pytest.raises(BadRequest, match=message.replace("$", r"\$")):
        go_case(original, patch)


def test_lists_of_lists_are_422() -> None:
    with pytest.raises(Invalid, match="lists of lists"):
        go_case("mergingIntList: [1]", "mergingIntList: [[2]]")


def test_directives_and_nulls_never_reach_a_new_subtree() -> None:
    # Go copies a patch value verbatim where the original has nothing; tinykube does not.
    out = go_case(
        "name: a",
        "{retainKeysMap: {$retainKeys: [name], name: x, value: null},"
        " mergingList: [{name: 1, value: null}, {name: 2, $patch: delete},"
        "               {name: 3, mergingList: [{name: 4, $patch: delete}]}],"
        " simpleMap: {$patch: delete}, nonMergingList: [{name: 5, other: null}]}",
    )
    assert out == {
        "name": "a",
        "retainKeysMap": {"name": "x"},
        "mergingList": [{"name": 1}, {"name": 3, "mergingList": []}],
        "simpleMap": {},
        "nonMergingList": [{"name": 5}],
    }


def test_merge_directive_is_the_default() -> None:
    assert go_case("simpleMap: {a: b}", "simpleMap: {$patch: merge, c: d}") == {
        "simpleMap": {"a": "b", "c": "d"}
    }
    assert go_case(
        "mergingList: [{name: 1, value: a}]", "mergingList: [{name: 1, other: b, $patch: merge}]"
    ) == {"mergingList": [{"name": 1, "value": "a", "other": "b"}]}


# --------------------------------------------------------------------------- kubectl's patches

SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {
        "name": "my-nginx",
        "namespace": "default",
        "labels": {"run": "my-nginx"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{old}"},
    },
    "spec": {
        "clusterIP": "10.96.0.11",
        "ports": [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80},
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
        ],
        "selector": {"run": "my-nginx"},
        "type": "ClusterIP",
    },
}


def test_apply_adds_port_names_in_set_element_order() -> None:
    svc = copy.deepcopy(SERVICE)
    for port in svc["spec"]["ports"]:
        del port["name"]
    patch = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{new}"}},
        "spec": {
            "$setElementOrder/ports": [{"port": 80}, {"port": 443}],
            "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
        },
    }
    out = strategic_merge_patch(kinds.SERVICE, svc, patch)
    assert out["spec"]["ports"] == SERVICE["spec"]["ports"]
    assert out["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/last-applied-configuration": "{new}"
    }


def test_apply_removes_a_port_and_a_port_name() -> None:
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 80}],
            "ports": [{"name": None, "port": 80}, {"$patch": "delete", "port": 443}],
        }
    }
    out = strategic_merge_patch(kinds.SERVICE, SERVICE, patch)
    assert out["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert SERVICE["spec"]["ports"][1]["port"] == 443  # the input is untouched


def test_apply_replaces_a_port_keeping_the_manifest_order() -> None:
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 8080}, {"port": 80}],
            "ports": [{"name": "alt", "port": 8080}, {"$patch": "delete", "port": 443}],
        }
    }
    out = strategic_merge_patch(kinds.SERVICE, SERVICE, patch)
    assert [p["port"] for p in out["spec"]["ports"]] == [8080, 80]
    assert out["spec"]["ports"][0] == {"name": "alt", "port": 8080}


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "my-nginx", "namespace": "default"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"run": "my-nginx"}},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "template": {
            "metadata": {"labels": {"run": "my-nginx"}},
            "spec": {
                "containers": [
                    {
                        "name": "my-nginx",
                        "image": "nginx:1.26",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                    },
                    {"name": "sidecar", "image": "busybox"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
                "restartPolicy": "Always",
            },
        },
    },
}


def test_apply_switches_the_strategy_with_retain_keys() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = strategic_merge_patch(kinds.DEPLOYMENT, DEPLOYMENT, patch)
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_apply_changes_a_container_image_and_env() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "my-nginx"}, {"name": "sidecar"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "B"}, {"name": "C"}],
                            "env": [{"name": "C", "value": "3"}, {"$patch": "delete", "name": "A"}],
                            "image": "nginx:1.27",
                            "name": "my-nginx",
                        }
                    ],
                }
            }
        }
    }
    out = strategic_merge_patch(kinds.DEPLOYMENT, DEPLOYMENT, patch)
    nginx, sidecar = out["spec"]["template"]["spec"]["containers"]
    assert nginx["image"] == "nginx:1.27"
    assert nginx["env"] == [{"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    assert nginx["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert sidecar == {"name": "sidecar", "image": "busybox"}


def test_set_image_touches_only_the_image() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "my-nginx"}, {"name": "sidecar"}],
                    "containers": [{"image": "busybox:1.36", "name": "sidecar"}],
                }
            }
        }
    }
    out = strategic_merge_patch(kinds.DEPLOYMENT, DEPLOYMENT, patch)
    expected = copy.deepcopy(DEPLOYMENT)
    expected["spec"]["template"]["spec"]["containers"][1]["image"] = "busybox:1.36"
    assert out == expected


def test_volumes_replace_their_source_with_retain_keys() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "volumes": [
                        {
                            "$retainKeys": ["hostPath", "name"],
                            "name": "data",
                            "hostPath": {"path": "/srv"},
                        }
                    ]
                }
            }
        }
    }
    out = strategic_merge_patch(kinds.DEPLOYMENT, DEPLOYMENT, patch)
    assert out["spec"]["template"]["spec"]["volumes"] == [
        {"name": "data", "hostPath": {"path": "/srv"}}
    ]


def test_lists_without_a_strategy_are_replaced() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "finalizers": ["a", "b"]},
        "spec": {
            "containers": [{"name": "c", "command": ["sleep", "1"]}],
            "tolerations": [{"key": "a", "operator": "Exists"}],
        },
    }
    patch = {
        "metadata": {"finalizers": ["c"]},
        "spec": {
            "containers": [{"name": "c", "command": ["sleep", "2"]}],
            "tolerations": [{"key": "b", "operator": "Exists"}],
        },
    }
    out = strategic_merge_patch(kinds.POD, pod, patch)
    # A set: merged. With no order to go by, Go puts the patch's new items first.
    assert out["metadata"]["finalizers"] == ["c", "a", "b"]
    assert out["spec"]["containers"][0]["command"] == ["sleep", "2"]  # atomic: replaced
    assert out["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]


def test_removing_a_finalizer_from_the_set() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "n", "finalizers": ["a", "b"]},
    }
    out = strategic_merge_patch(
        kinds.NAMESPACE, obj, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    )
    assert out["metadata"]["finalizers"] == ["b"]


def test_replace_directive_on_a_whole_list() -> None:
    patch = {"spec": {"ports": [{"port": 9090}, {"$patch": "replace"}]}}
    out = strategic_merge_patch(kinds.SERVICE, SERVICE, patch)
    assert out["spec"]["ports"] == [{"port": 9090}]


def test_a_patch_must_be_an_object() -> None:
    with pytest.raises(BadRequest, match="invalid JSON document"):
        strategic_merge_patch(kinds.SERVICE, SERVICE, [{"op": "add"}])


def test_inputs_are_never_changed() -> None:
    svc, patch = (
        copy.deepcopy(SERVICE),
        {
            "spec": {
                "$setElementOrder/ports": [{"port": 80}],
                "ports": [{"name": None, "port": 80}, {"$patch": "delete", "port": 443}],
            }
        },
    )
    before = copy.deepcopy(patch)
    out = strategic_merge_patch(kinds.SERVICE, svc, patch)
    out["spec"]["ports"][0]["port"] = 1
    out["metadata"]["labels"]["x"] = "y"
    assert svc == SERVICE
    assert patch == before
