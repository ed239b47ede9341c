"""Server-side apply: create, merge, remove what was dropped, conflicts, force, ownership."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.errors import BadRequest, Conflict
from tinykube.wire.patch import record_update, server_side_apply
from tinykube.wire.patch.fieldset import from_fields_v1

T0, T1, T2 = "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"
PORT_80 = 'k:{"port":80,"protocol":"TCP"}'
PORT_443 = 'k:{"port":443,"protocol":"TCP"}'


def service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "namespace": "default", "labels": {"run": "my-nginx"}},
        "spec": {
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"run": "my-nginx"},
            **spec,
        },
    }


def deployment(replicas: int = 2, image: str = "nginx:1.26") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "my-nginx", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"run": "my-nginx"}},
            "template": {
                "metadata": {"labels": {"run": "my-nginx"}},
                "spec": {"containers": [{"name": "my-nginx", "image": image}]},
            },
        },
    }


def entries(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def owned(obj: dict[str, Any], manager: str, operation: str = "Apply") -> frozenset[Any]:
    entry = entries(obj).get((manager, operation))
    return from_fields_v1(entry["fieldsV1"]) if entry else frozenset()


def apply(
    live: Any,
    applied: Any,
    manager: str = "kubectl",
    force: bool = False,
    kind: kinds.Kind = kinds.SERVICE,
    now: str = T1,
) -> dict[str, Any]:
    return server_side_apply(kind, live, applied, manager, force, now=now)


# --------------------------------------------------------------------------- create and merge


def test_create_returns_the_manifest_with_one_apply_entry() -> None:
    out = apply(None, service(), now=T0)
    assert {k: v for k, v in out.items()} == {
        **service(),
        "metadata": {**service()["metadata"], "managedFields": out["metadata"]["managedFields"]},
    }
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:run": {}}},
                "f:spec": {
                    "f:ports": {
                        PORT_80: {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}}
                    },
                    "f:selector": {},
                },
            },
        }
    ]


def test_reapplying_the_same_manifest_changes_nothing_not_even_the_time() -> None:
    first = apply(None, service(), now=T0)
    again = apply(first, service(), now=T1)
    assert again == first


def test_applied_fields_merge_into_fields_set_by_others() -> None:
    live = apply(None, service(), now=T0)
    live["spec"]["clusterIP"] = "10.96.0.11"  # set by the server
    live["spec"]["ports"][0]["name"] = "http"  # set by nobody in particular
    out = apply(live, service(type="NodePort"))
    assert out["spec"]["clusterIP"] == "10.96.0.11"
    assert out["spec"]["type"] == "NodePort"
    assert out["spec"]["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80, "name": "http"}
    ]


def test_keyed_lists_merge_by_their_apply_keys() -> None:
    live = apply(None, service(), now=T0)
    applied = service()
    applied["spec"]["ports"] = [
        {"port": 80, "protocol": "UDP", "targetPort": 53},
        {"port": 80, "targetPort": 8080},  # TCP by default: the existing port
    ]
    out = apply(live, applied)
    # protocol: TCP is no longer applied, but a key field stays with its item
    assert out["spec"]["ports"] == [
        {"port": 80, "protocol": "UDP", "targetPort": 53},
        {"port": 80, "protocol": "TCP", "targetPort": 8080},
    ]


def test_items_only_the_server_has_keep_their_place() -> None:
    live = apply(None, service(), manager="a", now=T0)
    live["spec"]["ports"] = [{"port": p, "protocol": "TCP"} for p in (1, 2, 3)]
    applied = service()
    applied["spec"]["ports"] = [{"port": 3}, {"port": 9}, {"port": 1}]
    out = apply(live, applied, manager="b")
    assert [p["port"] for p in out["spec"]["ports"]] == [2, 3, 9, 1]


def test_sets_merge_and_atomic_lists_are_replaced() -> None:
    live = apply(None, {**service(externalIPs=["1.1.1.1"])}, manager="a", now=T0)
    live["metadata"]["finalizers"] = ["x"]
    applied = service(externalIPs=["2.2.2.2"])
    applied["metadata"]["finalizers"] = ["y"]
    out = apply(live, applied, manager="b", force=True)
    assert out["metadata"]["finalizers"] == ["x", "y"]
    assert out["spec"]["externalIPs"] == ["2.2.2.2"]


# --------------------------------------------------------------------------- removal


def test_a_field_left_out_is_removed_when_nobody_else_owns_it() -> None:
    live = apply(None, service(sessionAffinity="ClientIP", type="NodePort"), now=T0)
    live["metadata"]["labels"]["team"] = "web"  # someone else's label, unowned
    applied = service(type="NodePort")
    applied["metadata"]["labels"] = {}
    out = apply(live, applied)
    assert "sessionAffinity" not in out["spec"]
    assert out["metadata"]["labels"] == {"team": "web"}
    assert ("f:spec", "f:sessionAffinity") not in owned(out, "kubectl")


def test_a_map_emptied_by_removal_disappears() -> None:
    live = apply(None, service(), now=T0)
    applied = service()
    del applied["metadata"]["labels"]
    out = apply(live, applied)
    assert "labels" not in out["metadata"]


def test_a_removed_list_item_goes_with_its_defaulted_fields() -> None:
    applied = service()
    applied["spec"]["ports"].append({"port": 443, "targetPort": 443})
    live = apply(None, applied, now=T0)
    live["spec"]["ports"][1]["protocol"] = "TCP"  # defaulting
    live["spec"]["ports"][1]["name"] = "https"  # unowned
    out = apply(live, service())
    assert out["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]


def test_a_field_another_manager_owns_stays() -> None:
    live = apply(None, service(sessionAffinity="ClientIP"), manager="a", now=T0)
    live = apply(live, service(sessionAffinity="ClientIP"), manager="b", now=T0)
    out = apply(live, service(), manager="a")
    assert out["spec"]["sessionAffinity"] == "ClientIP"
    assert ("f:spec", "f:sessionAffinity") in owned(out, "b")


def test_an_item_stays_while_another_manager_owns_a_field_in_it() -> None:
    applied = service()
    applied["spec"]["ports"].append({"port": 443, "targetPort": 443})
    live = apply(None, applied, manager="a", now=T0)
    live = apply(
        live,
        {**service(), "spec": {"ports": [{"port": 443, "name": "https"}]}},
        manager="b",
        now=T0,
    )
    out = apply(live, service(), manager="a")
    assert out["spec"]["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80},
        {"port": 443, "name": "https"},
    ]


# --------------------------------------------------------------------------- conflicts


def test_changing_a_field_owned_by_an_update_manager_conflicts() -> None:
    live = record_update(kinds.DEPLOYMENT, None, deployment(), "kubectl-create", now=T0)
    with pytest.raises(Conflict) as err:
        apply(live, deployment(replicas=3), kind=kinds.DEPLOYMENT)
    assert err.value.code == 409
    assert str(err.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas'
    )
    assert [c.to_dict() for c in err.value.causes] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-create" using apps/v1',
            "field": ".spec.replicas",
        }
    ]


def test_the_same_value_is_shared_without_conflict() -> None:
    live = record_update(kinds.DEPLOYMENT, None, deployment(), "kubectl-create", now=T0)
    out = apply(live, deployment(), kind=kinds.DEPLOYMENT)
    assert ("f:spec", "f:replicas") in owned(out, "kubectl")
    assert ("f:spec", "f:replicas") in owned(out, "kubectl-create", "Update")


def test_several_conflicts_are_grouped_by_manager() -> None:
    live = apply(None, deployment(), manager="alpha", kind=kinds.DEPLOYMENT, now=T0)
    live = record_update(kinds.DEPLOYMENT, live, deployment(image="nginx:1.27"), "beta", now=T0)
    with pytest.raises(Conflict) as err:
        apply(live, deployment(replicas=5, image="nginx:1.28"), kind=kinds.DEPLOYMENT)
    image = '.spec.template.spec.containers[name="my-nginx"].image'
    assert str(err.value) == (
        'Apply failed with 2 conflicts: conflicts with "alpha":\n- .spec.replicas\n'
        f'conflicts with "beta" using apps/v1:\n- {image}'
    )
    assert [c.field for c in err.value.causes] == [".spec.replicas", image]


def test_force_takes_the_fields_over() -> None:
    live = record_update(kinds.DEPLOYMENT, None, deployment(), "kubectl-create", now=T0)
    out = apply(live, deployment(replicas=3), kind=kinds.DEPLOYMENT, force=True)
    assert out["spec"]["replicas"] == 3
    assert ("f:spec", "f:replicas") in owned(out, "kubectl")
    assert ("f:spec", "f:replicas") not in owned(out, "kubectl-create", "Update")
    # the image is still shared: it did not change
    image = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"my-nginx"}', "f:image")
    assert image in owned(out, "kubectl-create", "Update")


def test_an_object_without_managed_fields_belongs_to_before_first_apply() -> None:
    with pytest.raises(Conflict, match='conflict with "before-first-apply" using apps/v1'):
        apply(deployment(), deployment(replicas=3), kind=kinds.DEPLOYMENT)
    out = apply(deployment(), deployment(), kind=kinds.DEPLOYMENT)
    assert set(entries(out)) == {("kubectl", "Apply"), ("before-first-apply", "Update")}


# --------------------------------------------------------------------------- scope and errors


def test_status_is_ignored_by_the_main_resource_and_applied_by_status() -> None:
    live = apply(None, deployment(), kind=kinds.DEPLOYMENT, now=T0)
    live["status"] = {"replicas": 2}
    with_status = {**deployment(replicas=4), "status": {"replicas": 9}}
    out = apply(live, with_status, kind=kinds.DEPLOYMENT)
    assert (out["spec"]["replicas"], out["status"]) == (4, {"replicas": 2})
    out = server_side_apply(
        kinds.DEPLOYMENT, out, with_status, "ctrl", False, subresource="status", now=T2
    )
    assert (out["spec"]["replicas"], out["status"]) == (4, {"replicas": 9})
    status_entry = entries(out)[("ctrl", "Apply")]
    assert status_entry["subresource"] == "status"
    assert from_fields_v1(status_entry["fieldsV1"]) == {("f:status", "f:replicas")}


def test_kinds_without_spec_apply_their_top_level_fields() -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e"},
        "reason": "Created",
        "message": "hello",
        "count": 1,
    }
    live = apply(None, event, kind=kinds.EVENT, now=T0)
    out = apply(live, {**event, "message": None, "count": 2}, kind=kinds.EVENT)
    assert "message" not in out
    assert out["count"] == 2


@pytest.mark.parametrize(
    ("applied", "manager", "message"),
    [
        (service(), "", "fieldManager is required"),
        ({**service(), "apiVersion": "v2"}, "m", "Specified patch version: v2, expected: v1"),
        ({**service(), "kind": "Pod"}, "m", "Specified patch kind: Pod, expected: Service"),
        (
            {**service(), "metadata": {"name": "x", "managedFields": [{"manager": "m"}]}},
            "m",
            "managedFields must be nil",
        ),
        ({**service(), "spec": {"ports": [{"name": "http"}]}}, "m", 'omits key field "port"'),
        ([service()], "m", "must be an object"),
    ],
)
def test_bad_apply_requests(applied: Any, manager: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        apply(None, applied, manager=manager)


def test_inputs_are_untouched() -> None:
    live = apply(None, service(sessionAffinity="ClientIP"), now=T0)
    applied = service(type="NodePort")
    before = (copy.deepcopy(live), copy.deepcopy(applied))
    out = apply(live, applied)
    out["spec"]["ports"][0]["port"] = 1
    out["metadata"]["labels"]["x"] = "y"
    assert (live, applied) == before


# --------------------------------------------------------------------------- record_update


def test_create_records_every_field_with_dot_markers_for_added_containers() -> None:
    out = record_update(kinds.SERVICE, None, service(type="ClusterIP"), "kubectl-create", now=T0)
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:run": {}}},
                "f:spec": {
                    "f:ports": {
                        ".": {},
                        PORT_80: {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}},
                    },
                    "f:selector": {},
                    "f:type": {},
                },
            },
        }
    ]


def test_an_update_takes_only_what_it_changed() -> None:
    created = record_update(kinds.SERVICE, None, service(), "kubectl-create", now=T0)
    edited = copy.deepcopy(created)
    edited["spec"]["ports"].append({"port": 443, "protocol": "TCP"})
    edited["metadata"]["labels"]["run"] = "other"
    out = record_update(kinds.SERVICE, created, edited, "kubectl-edit", now=T1)
    assert owned(out, "kubectl-edit", "Update") == {
        ("f:metadata", "f:labels", "f:run"),
        ("f:spec", "f:ports", PORT_443),
        ("f:spec", "f:ports", PORT_443, "f:port"),
        ("f:spec", "f:ports", PORT_443, "f:protocol"),
    }
    create_fields = owned(out, "kubectl-create", "Update")
    assert ("f:metadata", "f:labels", "f:run") not in create_fields
    assert ("f:spec", "f:selector") in create_fields
    assert entries(out)[("kubectl-create", "Update")]["time"] == T0


def test_an_update_that_removes_fields_drops_them_from_every_entry() -> None:
    created = record_update(kinds.SERVICE, None, service(sessionAffinity="None"), "a", now=T0)
    edited = copy.deepcopy(created)
    del edited["spec"]["sessionAffinity"]
    out = record_update(kinds.SERVICE, created, edited, "b", now=T1)
    assert ("f:spec", "f:sessionAffinity") not in owned(out, "a", "Update")
    assert ("b", "Update") not in entries(out)  # b changed nothing it could own


def test_managed_fields_are_ordered_like_kubernetes() -> None:
    live = record_update(kinds.SERVICE, None, service(), "zeta", now=T1)
    live = apply(live, service(), manager="omega", now=T2)
    edited = copy.deepcopy(live)
    edited["spec"]["type"] = "NodePort"
    live = record_update(kinds.SERVICE, live, edited, "alpha", now=T0)
    assert [(e["manager"], e["operation"]) for e in live["metadata"]["managedFields"]] == [
        ("omega", "Apply"),
        ("alpha", "Update"),
        ("zeta", "Update"),
    ]


def test_status_writes_are_recorded_apart() -> None:
    created = record_update(kinds.DEPLOYMENT, None, deployment(), "kubectl-create", now=T0)
    with_status = {**created, "status": {"replicas": 2}}
    out = record_update(
        kinds.DEPLOYMENT,
        created,
        with_status,
        "kube-controller-manager",
        subresource="status",
        now=T1,
    )
    entry = entries(out)[("kube-controller-manager", "Update")]
    assert entry["subresource"] == "status"
    assert from_fields_v1(entry["fieldsV1"]) == {("f:status", "f:replicas")}


def test_set_values_and_atomic_fields_a_manager_drops_are_removed() -> None:
    applied = service()
    applied["metadata"]["finalizers"] = ["example.com/a", "example.com/b"]
    live = apply(None, applied, now=T0)
    assert ("f:spec", "f:selector") in owned(live, "kubectl")  # atomic: one leaf
    applied["metadata"]["finalizers"] = ["example.com/b"]
    del applied["spec"]["selector"]
    out = apply(live, applied)
    assert out["metadata"]["finalizers"] == ["example.com/b"]
    assert "selector" not in out["spec"]


def test_an_atomic_map_is_replaced_not_merged() -> None:
    live = apply(None, service(), manager="a", now=T0)
    applied = service()
    applied["spec"]["selector"] = {"app": "other"}
    out = apply(live, applied, manager="a")
    assert out["spec"]["selector"] == {"app": "other"}
