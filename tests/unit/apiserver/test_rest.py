"""Resource verbs over HTTPS: create, get, list, update, patch, delete for every kind."""

from __future__ import annotations

import pytest

from tinykube.api.kinds import DEPLOYMENT, NAMESPACE, POD, SERVICE, Kind
from tinykube.apiserver.negotiation import TABLE
from tinykube.errors import Cause

from .conftest import Api
from .samples import ALL, collection, item, sample

KUBECTL_TABLE = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                 "v=v1beta1;g=meta.k8s.io,application/json")


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.kind)
async def test_crud_of_every_kind(api: Api, kind: Kind) -> None:
    status, _, created = await api.call("POST", collection(kind), sample(kind, "one"))
    assert status == 201, created
    md = created["metadata"]
    assert md["name"] == "one" and md["uid"] and md["creationTimestamp"]
    assert int(md["resourceVersion"]) > 0
    assert created["apiVersion"] == kind.api_version and created["kind"] == kind.kind
    if kind.namespaced:
        assert md["namespace"] == "default"

    status, _, got = await api.call("GET", item(kind, "one"))
    assert status == 200 and got["metadata"]["uid"] == md["uid"]

    status, _, listed = await api.call("GET", collection(kind))
    assert status == 200 and listed["kind"] == f"{kind.kind}List"
    assert "one" in [i["metadata"]["name"] for i in listed["items"]]
    assert int(listed["metadata"]["resourceVersion"]) >= int(md["resourceVersion"])
    if kind.namespaced:
        status, _, everywhere = await api.call("GET", kind.path())
        assert "one" in [i["metadata"]["name"] for i in everywhere["items"]]

    got["metadata"]["labels"] = {"tier": "front"}
    status, _, updated = await api.call("PUT", item(kind, "one"), got)
    assert status == 200, updated
    assert updated["metadata"]["labels"]["tier"] == "front"
    assert int(updated["metadata"]["resourceVersion"]) > int(md["resourceVersion"])

    status, _, patched = await api.call("PATCH", item(kind, "one"),
                                        {"metadata": {"annotations": {"a": "b"}}},
                                        content_type="application/merge-patch+json")
    assert status == 200, patched
    assert patched["metadata"]["annotations"] == {"a": "b"}
    assert patched["metadata"]["labels"]["tier"] == "front"

    if kind is NAMESPACE:
        return  # namespaces terminate; see test_namespace_deletion
    status, _, _ = await api.call("DELETE", item(kind, "one"))
    assert status == 200
    status, _, body = await api.call("GET", item(kind, "one"))
    assert status == 404
    assert body["message"] == f'{kind.group_resource} "one" not found'
    assert body["details"] == ({"name": "one", "kind": kind.plural, "group": kind.group}
                               if kind.group else {"name": "one", "kind": kind.plural})


async def test_create_takes_the_namespace_from_the_url(api: Api) -> None:
    body = sample(SERVICE, "web")
    status, _, out = await api.call("POST", "/api/v1/namespaces/kube-system/services", body)
    assert status == 201 and out["metadata"]["namespace"] == "kube-system"
    body = sample(SERVICE, "web2")
    body["metadata"]["namespace"] = "default"
    status, _, out = await api.call("POST", "/api/v1/namespaces/kube-system/services", body)
    assert status == 400
    assert out["message"] == ("the namespace of the provided object does not match the "
                              "namespace sent on the request")


async def test_create_in_a_missing_namespace_is_404(api: Api) -> None:
    status, _, out = await api.call("POST", "/api/v1/namespaces/nope/services",
                                    sample(SERVICE, "web"))
    assert status == 404 and out["message"] == 'namespaces "nope" not found'
    assert out["details"] == {"name": "nope", "kind": "namespaces"}


async def test_create_twice_is_409_already_exists(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    rev = api.store.revision
    status, _, out = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    assert status == 409 and out["reason"] == "AlreadyExists"
    assert out["message"] == 'services "web" already exists'
    assert api.store.revision == rev


async def test_create_with_generate_name(api: Api) -> None:
    body = sample(POD, "")
    body["metadata"] = {"generateName": "web-"}
    status, _, out = await api.call("POST", collection(POD), body)
    assert status == 201
    name = out["metadata"]["name"]
    assert name.startswith("web-") and len(name) == len("web-") + 5


async def test_create_without_a_name_is_422(api: Api) -> None:
    body = sample(POD, "")
    body["metadata"] = {}
    status, _, out = await api.call("POST", collection(POD), body)
    assert status == 422 and out["reason"] == "Invalid"
    assert out["details"]["causes"][0]["field"] == "metadata.name"


async def test_create_drops_status_and_system_fields(api: Api) -> None:
    body = sample(SERVICE, "web")
    body["metadata"].update(creationTimestamp=None, resourceVersion="77", uid="mine")
    body["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 201
    assert out["status"] == {"loadBalancer": {}}
    assert out["metadata"]["uid"] != "mine" and out["metadata"]["creationTimestamp"]
    assert "generation" not in out["metadata"]  # Services have none in Kubernetes


async def test_body_kind_must_match_the_url(api: Api) -> None:
    status, _, out = await api.call("POST", collection(SERVICE), sample(POD, "p"))
    assert status == 400 and "does not match the expected" in out["message"]
    body = sample(SERVICE, "web")
    del body["apiVersion"], body["kind"]
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 201 and out["kind"] == "Service"


async def test_wrong_json_types_are_400(api: Api) -> None:
    body = sample(SERVICE, "web")
    body["spec"]["ports"] = "80"
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 400
    assert out["message"].startswith('Service in version "v1" cannot be handled as a Service')


async def test_validation_failures_are_422_and_store_nothing(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinykube.apiserver import registry

    cause = Cause("FieldValueInvalid", "spec.ports[0].port",
                  "Invalid value: 0: must be between 1 and 65535, inclusive")
    monkeypatch.setattr(registry.validation, "validate", lambda obj: [cause])
    rev = api.store.revision
    status, _, out = await api.call("POST", collection(SERVICE), sample(SERVICE, "bad"))
    assert status == 422
    assert out["message"] == ('Service "bad" is invalid: spec.ports[0].port: Invalid value: 0: '
                              "must be between 1 and 65535, inclusive")
    assert out["details"] == {"name": "bad", "kind": "Service",
                              "causes": [cause.to_dict()]}
    assert api.store.revision == rev


async def test_field_validation_strict_warn_ignore(api: Api) -> None:
    body = sample(SERVICE, "web")
    body["spec"]["bogus"] = 1
    body["spec"]["ports"][0]["prot"] = "TCP"
    status, _, out = await api.call("POST", collection(SERVICE) + "?fieldValidation=Strict", body)
    assert status == 400
    assert out["message"] == ('strict decoding error: unknown field "spec.bogus", '
                              'unknown field "spec.ports[0].prot"')
    status, headers, out = await api.call("POST", collection(SERVICE), body)
    assert status == 201
    assert headers.getall("Warning") == ['299 - "unknown field \\"spec.bogus\\""',
                                         '299 - "unknown field \\"spec.ports[0].prot\\""']
    assert "bogus" not in out["spec"] and "prot" not in out["spec"]["ports"][0]
    body["metadata"]["name"] = "web2"
    status, headers, out = await api.call("POST", collection(SERVICE) + "?fieldValidation=Ignore",
                                          body)
    assert status == 201 and "Warning" not in headers and "bogus" not in out["spec"]


async def test_update_with_a_stale_resource_version_is_409(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    svc["metadata"]["labels"] = {"a": "1"}
    status, _, _ = await api.call("PUT", item(SERVICE, "web"), svc)
    assert status == 200
    svc["metadata"]["labels"] = {"a": "2"}
    status, _, out = await api.call("PUT", item(SERVICE, "web"), svc)
    assert status == 409 and out["reason"] == "Conflict"
    assert out["message"] == (
        'Operation cannot be fulfilled on services "web": the object has been modified; '
        "please apply your changes to the latest version and try again")
    del svc["metadata"]["resourceVersion"]
    status, _, out = await api.call("PUT", item(SERVICE, "web"), svc)
    assert status == 200 and out["metadata"]["labels"] == {"a": "2"}


async def test_update_keeps_status_and_identity(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    changed = dict(svc, status={"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}})
    changed["metadata"] = dict(svc["metadata"], creationTimestamp="2000-01-01T00:00:00Z")
    status, _, out = await api.call("PUT", item(SERVICE, "web"), changed)
    assert status == 200
    assert out["status"] == {"loadBalancer": {}}
    assert out["metadata"]["creationTimestamp"] == svc["metadata"]["creationTimestamp"]
    changed["metadata"] = dict(svc["metadata"], uid="other")
    changed["metadata"].pop("resourceVersion")
    status, _, out = await api.call("PUT", item(SERVICE, "web"), changed)
    assert status == 422 and out["details"]["causes"][0]["field"] == "metadata.uid"


async def test_update_name_must_match_the_url(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, _, out = await api.call("PUT", item(SERVICE, "other"), svc)
    assert status == 400
    assert out["message"] == ("the name of the object (web) does not match the name on the "
                              "URL (other)")


async def test_update_of_a_missing_object_is_404_except_endpoints(api: Api) -> None:
    status, _, _ = await api.call("PUT", item(SERVICE, "ghost"), sample(SERVICE, "ghost"))
    assert status == 404
    status, _, out = await api.call("PUT", item(samples_kind("Endpoints"), "ghost"),
                                    sample(samples_kind("Endpoints"), "ghost"))
    assert status == 201 and out["metadata"]["uid"]


def samples_kind(name: str) -> Kind:
    return next(k for k in ALL if k.kind == name)


async def test_generation_follows_spec_changes(api: Api) -> None:
    _, _, dep = await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    assert dep["metadata"]["generation"] == 1
    _, _, dep = await api.call("PATCH", item(DEPLOYMENT, "d"), {"spec": {"replicas": 5}},
                               content_type="application/merge-patch+json")
    assert dep["metadata"]["generation"] == 2
    _, _, dep = await api.call("PATCH", item(DEPLOYMENT, "d"),
                               {"metadata": {"labels": {"x": "y"}}},
                               content_type="application/merge-patch+json")
    assert dep["metadata"]["generation"] == 2


async def test_an_update_that_changes_nothing_is_not_written(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    rev = api.store.revision
    status, _, out = await api.call("PUT", item(SERVICE, "web"), svc)
    assert status == 200 and api.store.revision == rev
    assert out["metadata"]["resourceVersion"] == svc["metadata"]["resourceVersion"]


async def test_patch_types(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, _, out = await api.call(
        "PATCH", item(SERVICE, "web"),
        [{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}],
        content_type="application/json-patch+json")
    assert status == 200 and out["metadata"]["labels"] == {"a": "b"}
    status, _, out = await api.call(
        "PATCH", item(SERVICE, "web"),
        {"spec": {"ports": [{"port": 443, "name": "https"}, {"port": 80, "name": "http"}]}},
        content_type="application/strategic-merge-patch+json")
    assert status == 200, out
    assert sorted(p["port"] for p in out["spec"]["ports"]) == [80, 443]
    status, _, out = await api.call("PATCH", item(SERVICE, "web"), {"a": 1},
                                    content_type="application/json")
    assert status == 415 and out["reason"] == "UnsupportedMediaType"
    status, _, out = await api.call("PATCH", item(SERVICE, "ghost"), {"metadata": {}},
                                    content_type="application/merge-patch+json")
    assert status == 404


async def test_patch_with_a_resource_version_is_a_precondition(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    old = svc["metadata"]["resourceVersion"]
    await api.call("PATCH", item(SERVICE, "web"), {"metadata": {"labels": {"a": "1"}}},
                   content_type="application/merge-patch+json")
    status, _, out = await api.call(
        "PATCH", item(SERVICE, "web"),
        {"metadata": {"resourceVersion": old, "labels": {"a": "2"}}},
        content_type="application/merge-patch+json")
    assert status == 409 and out["reason"] == "Conflict"


async def test_a_patch_may_not_rename(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, _, _ = await api.call("PATCH", item(SERVICE, "web"), {"metadata": {"name": "x"}},
                                  content_type="application/merge-patch+json")
    assert status == 400


async def test_apply_patch_needs_a_field_manager(api: Api) -> None:
    status, _, out = await api.call("PATCH", item(SERVICE, "web"), sample(SERVICE, "web"),
                                    content_type="application/apply-patch+yaml")
    assert status == 400 and "fieldManager" in out["message"]


async def test_dry_run_stores_nothing(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    rev = api.store.revision
    status, _, out = await api.call("POST", collection(SERVICE) + "?dryRun=All",
                                    sample(SERVICE, "dry"))
    assert status == 201 and out["metadata"]["name"] == "dry" and out["spec"].get("clusterIP")
    status, _, _ = await api.call("POST", collection(SERVICE) + "?dryRun=All",
                                  sample(SERVICE, "web"))
    assert status == 409
    status, _, out = await api.call("PATCH", item(SERVICE, "web") + "?dryRun=All",
                                    {"metadata": {"labels": {"dry": "yes"}}},
                                    content_type="application/merge-patch+json")
    assert status == 200 and out["metadata"]["labels"] == {"dry": "yes"}
    status, _, out = await api.call("DELETE", item(SERVICE, "web"),
                                    {"propagationPolicy": "Background", "dryRun": ["All"]})
    assert status == 200
    assert api.store.revision == rev
    status, _, out = await api.call("GET", item(SERVICE, "web"))
    assert status == 200 and "labels" not in out["metadata"]
    status, _, _ = await api.call("GET", item(SERVICE, "dry"))
    assert status == 404


async def test_dry_run_create_does_not_keep_the_cluster_ip(api: Api) -> None:
    body = sample(SERVICE, "dry")
    body["spec"]["clusterIP"] = "10.96.0.50"
    status, _, _ = await api.call("POST", collection(SERVICE) + "?dryRun=All", body)
    assert status == 201
    body["metadata"]["name"] = "real"
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 201 and out["spec"]["clusterIP"] == "10.96.0.50"


async def test_a_failed_create_gives_the_cluster_ip_back(api: Api,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "taken"))
    body = sample(SERVICE, "taken")
    body["spec"]["clusterIP"] = "10.96.0.60"
    status, _, _ = await api.call("POST", collection(SERVICE), body)
    assert status == 409
    body["metadata"]["name"] = "free"
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 201 and out["spec"]["clusterIP"] == "10.96.0.60"


async def test_deleting_a_service_releases_its_cluster_ip(api: Api) -> None:
    body = sample(SERVICE, "a")
    body["spec"]["clusterIP"] = "10.96.0.70"
    assert (await api.call("POST", collection(SERVICE), body))[0] == 201
    body["metadata"]["name"] = "b"
    status, _, out = await api.call("POST", collection(SERVICE), body)
    assert status == 422 and out["details"]["causes"][0]["field"] == "spec.clusterIPs"
    assert (await api.call("DELETE", item(SERVICE, "a")))[0] == 200
    assert (await api.call("POST", collection(SERVICE), body))[0] == 201


async def test_delete_returns_the_object_or_a_status(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, _, out = await api.call("DELETE", item(SERVICE, "web"))
    assert status == 200 and out["kind"] == "Service"
    assert out["metadata"]["uid"] == svc["metadata"]["uid"]
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    status, _, out = await api.call("DELETE", item(DEPLOYMENT, "d"),
                                    {"propagationPolicy": "Background"})
    assert status == 200
    assert out["kind"] == "Status" and out["status"] == "Success"
    assert out["details"]["name"] == "d" and out["details"]["group"] == "apps"
    status, _, out = await api.call("DELETE", item(DEPLOYMENT, "d"))
    assert status == 404 and out["message"] == 'deployments.apps "d" not found'


async def test_finalizers_hold_an_object_until_removed(api: Api) -> None:
    body = sample(SERVICE, "web")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await api.call("POST", collection(SERVICE), body)
    status, _, out = await api.call("DELETE", item(SERVICE, "web"))
    assert status == 200
    assert out["metadata"]["deletionTimestamp"]
    assert out["metadata"]["deletionGracePeriodSeconds"] == 0
    status, _, live = await api.call("GET", item(SERVICE, "web"))
    assert status == 200 and live["metadata"]["deletionTimestamp"]
    live["metadata"]["finalizers"].append("example.com/more")
    status, _, out = await api.call("PUT", item(SERVICE, "web"), live)
    assert status == 422 and out["details"]["causes"][0]["field"] == "metadata.finalizers"
    status, _, out = await api.call("PATCH", item(SERVICE, "web"),
                                    {"metadata": {"finalizers": None}},
                                    content_type="application/merge-patch+json")
    assert status == 200
    status, _, _ = await api.call("GET", item(SERVICE, "web"))
    assert status == 404


@pytest.mark.parametrize(("policy", "finalizer"), [("Foreground", "foregroundDeletion"),
                                                  ("Orphan", "orphan")])
async def test_propagation_policies_add_their_finalizer(api: Api, policy: str,
                                                       finalizer: str) -> None:
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    status, _, out = await api.call("DELETE", item(DEPLOYMENT, "d"),
                                    {"propagationPolicy": policy})
    assert status == 200 and out["metadata"]["finalizers"] == [finalizer]
    status, _, out = await api.call("DELETE", item(DEPLOYMENT, "d") +
                                    "?propagationPolicy=Background")
    assert status == 200
    status, _, _ = await api.call("GET", item(DEPLOYMENT, "d"))
    assert status == 404


async def test_delete_preconditions(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, _, out = await api.call("DELETE", item(SERVICE, "web"),
                                    {"preconditions": {"uid": "not-it"}})
    assert status == 409 and "Precondition failed: UID in precondition: not-it" in out["message"]
    status, _, _ = await api.call("DELETE", item(SERVICE, "web"),
                                  {"preconditions": {"uid": svc["metadata"]["uid"]}})
    assert status == 200


async def test_pods_on_a_node_are_deleted_gracefully(api: Api) -> None:
    body = sample(POD, "p")
    body["spec"]["nodeName"] = "n1"
    body["spec"]["terminationGracePeriodSeconds"] = 10
    await api.call("POST", collection(POD), body)
    status, _, out = await api.call("DELETE", item(POD, "p"))
    assert status == 200 and out["metadata"]["deletionGracePeriodSeconds"] == 10
    assert (await api.call("GET", item(POD, "p")))[0] == 200
    status, _, _ = await api.call("DELETE", item(POD, "p"), {"gracePeriodSeconds": 0})
    assert status == 200
    assert (await api.call("GET", item(POD, "p")))[0] == 404
    await api.call("POST", collection(POD), sample(POD, "unbound"))
    await api.call("DELETE", item(POD, "unbound"))
    assert (await api.call("GET", item(POD, "unbound")))[0] == 404


async def test_namespace_deletion(api: Api) -> None:
    await api.call("POST", collection(NAMESPACE), sample(NAMESPACE, "dev"))
    await api.call("POST", collection(SERVICE, "dev"), sample(SERVICE, "web"))
    status, _, out = await api.call("DELETE", item(NAMESPACE, "dev"))
    assert status == 200 and out["status"]["phase"] == "Terminating"
    assert out["spec"]["finalizers"] == ["kubernetes"]
    status, _, out = await api.call("POST", collection(SERVICE, "dev"), sample(SERVICE, "w2"))
    assert status == 403 and out["reason"] == "Forbidden"
    assert out["message"] == ('services "w2" is forbidden: unable to create new content in '
                              "namespace dev because it is being terminated")
    _, _, ns = await api.call("GET", item(NAMESPACE, "dev"))
    ns["spec"]["finalizers"] = []
    status, _, out = await api.call("PUT", item(NAMESPACE, "dev") + "/finalize", ns)
    assert status == 200
    status, _, _ = await api.call("GET", item(NAMESPACE, "dev"))
    assert status == 404


async def test_system_namespaces_may_not_be_deleted(api: Api) -> None:
    status, _, out = await api.call("DELETE", item(NAMESPACE, "default"))
    assert status == 403
    assert out["message"] == 'namespaces "default" is forbidden: this namespace may not be deleted'


async def test_delete_collection(api: Api) -> None:
    for n in ("a", "b"):
        await api.call("POST", collection(SERVICE), sample(SERVICE, n))
    status, _, out = await api.call("DELETE", collection(SERVICE))
    assert status == 200 and {i["metadata"]["name"] for i in out["items"]} >= {"a", "b"}
    _, _, listed = await api.call("GET", collection(SERVICE))
    assert {i["metadata"]["name"] for i in listed["items"]} == set()


async def test_tables_for_list_and_get(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    status, headers, table = await api.call("GET", collection(SERVICE),
                                            headers={"Accept": KUBECTL_TABLE})
    assert status == 200 and headers["Content-Type"] == TABLE
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:2] == ["Name", "Type"]
    names = [r["cells"][0] for r in table["rows"]]
    assert "web" in names and "kubernetes" in names
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    status, _, table = await api.call("GET", item(SERVICE, "web") + "?includeObject=Object",
                                      headers={"Accept": KUBECTL_TABLE})
    assert [r["cells"][0] for r in table["rows"]] == ["web"]
    assert table["rows"][0]["object"]["kind"] == "Service"


async def test_protobuf_accept_gets_json(api: Api) -> None:
    status, headers, out = await api.call(
        "GET", item(SERVICE, "kubernetes"),
        headers={"Accept": "application/vnd.kubernetes.protobuf,application/json"})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert out["kind"] == "Service"


async def test_protobuf_bodies_from_kubectl_create(api: Api) -> None:
    from .protobuf.test_protobuf import CREATE_NS, CREATE_SVC

    status, _, out = await api.call("POST", "/api/v1/namespaces", raw=CREATE_NS,
                                    content_type="application/vnd.kubernetes.protobuf")
    assert status == 201 and out["metadata"]["name"] == "capns"
    status, _, out = await api.call("POST", "/api/v1/namespaces/capns/services", raw=CREATE_SVC,
                                    content_type="application/vnd.kubernetes.protobuf")
    assert status == 201 and out["spec"]["clusterIP"]
    assert out["spec"]["ports"][1]["targetPort"] == "https"


async def test_validation_warnings_become_warning_headers(api: Api) -> None:
    body = sample(SERVICE, "ext")
    body["spec"]["externalIPs"] = ["192.0.2.10"]
    status, headers, _ = await api.call("POST", collection(SERVICE), body)
    assert status == 201
    assert headers.getall("Warning") == [
        '299 - "spec.externalIPs is deprecated and may no longer be implemented in some '
        'clusters"']
