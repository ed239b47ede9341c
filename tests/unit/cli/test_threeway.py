from __future__ import annotations

import copy
from typing import Any

from tinykube.api import kinds
from tinykube.cli.threeway import three_way
from tinykube.wire import patch as wire_patch


def _svc(ports: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", **meta},
            "spec": {"ports": ports, "selector": {"app": "x"}}}


LIVE = _svc([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80},
             {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}],
            labels={"a": "1", "b": "2"}, uid="u1")


def test_unchanged_manifest_gives_an_empty_patch() -> None:
    applied = _svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                   labels={"a": "1"})
    assert three_way(kinds.SERVICE, applied, applied, LIVE) == {}


def test_removed_port_and_label_are_deleted_and_changes_sent() -> None:
    original = _svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                    labels={"a": "1"})
    modified = _svc([{"port": 80, "targetPort": 8080}])
    patch = three_way(kinds.SERVICE, original, modified, LIVE)
    assert patch == {
        "metadata": {"labels": None},
        "spec": {"ports": [{"name": None, "port": 80, "targetPort": 8080},
                           {"$patch": "delete", "port": 443}],
                 "$setElementOrder/ports": [{"port": 80}]},
    }


def test_fields_others_set_are_kept() -> None:
    original = _svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}])
    patch = three_way(kinds.SERVICE, original, copy.deepcopy(original), LIVE)
    assert patch == {}  # labels b, uid, protocol, targetPort: not ours to remove


def test_first_apply_over_a_created_object_sends_only_differences() -> None:
    modified = _svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                    labels={"a": "1", "c": "3"})
    assert three_way(kinds.SERVICE, None, modified, LIVE) == {"metadata": {"labels": {"c": "3"}}}


def _deploy(strategy: dict[str, Any], image: str, env: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": image}
    if env:
        container["env"] = [{"name": "A", "value": "1"}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"strategy": strategy,
                     "template": {"spec": {"containers": [container]}}}}


def test_retain_keys_and_container_merge_like_kubectl() -> None:
    before = _deploy({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "n:1", True)
    after = _deploy({"type": "Recreate"}, "n:2", False)
    assert three_way(kinds.DEPLOYMENT, before, after, before) == {"spec": {
        "strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"},
        "template": {"spec": {"$setElementOrder/containers": [{"name": "c"}],
                              "containers": [{"env": None, "image": "n:2", "name": "c"}]}}}}


def test_scalar_sets_use_delete_from_primitive_list() -> None:
    def pod(finalizers: list[str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "finalizers": finalizers}}

    patch = three_way(kinds.POD, pod(["a", "b"]), pod(["b", "c"]), pod(["a", "b"]))
    assert patch == {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"],
                                  "$setElementOrder/finalizers": ["b", "c"],
                                  "finalizers": ["c"]}}


def test_atomic_lists_are_replaced_whole() -> None:
    def svc(ips: list[str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                "spec": {"externalIPs": ips}}

    assert three_way(kinds.SERVICE, svc(["1.1.1.1"]), svc(["2.2.2.2"]), svc(["1.1.1.1"])) == \
        {"spec": {"externalIPs": ["2.2.2.2"]}}


def test_the_server_applying_the_patch_reaches_the_manifest() -> None:
    original = _svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                    labels={"a": "1"})
    modified = _svc([{"port": 80, "targetPort": 8080}, {"name": "dns", "port": 53}])
    patch = three_way(kinds.SERVICE, original, modified, LIVE)
    result = wire_patch.strategic_merge_patch(kinds.SERVICE, LIVE, patch)
    assert [(p["port"], p.get("name"), p.get("targetPort")) for p in result["spec"]["ports"]] \
        == [(80, None, 8080), (53, "dns", None)]
    assert "labels" not in result["metadata"]  # the manifest dropped the whole map, as kubectl
