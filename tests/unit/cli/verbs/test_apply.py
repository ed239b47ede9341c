from __future__ import annotations

import json
from typing import Any

from tinykube.api import kinds
from tinykube.cli.verbs.apply import LAST_APPLIED, last_applied, with_last_applied

SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
  - name: https
    port: 443
"""
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
"""


async def test_created_unchanged_configured(tk: Any) -> None:
    path = tk.file("app.yaml", f"{DEPLOY}---\n{SVC}")
    r = await tk("apply", "-f", path)
    assert (r.code, r.out) == (0, "deployment.apps/web created\nservice/web created\n"), r.err
    r = await tk("apply", "-f", path)
    assert r.out == "deployment.apps/web unchanged\nservice/web unchanged\n"
    tk.file("app.yaml", f"{DEPLOY}---\n{SVC.replace('  - name: https', '  - name: tls')}")
    r = await tk("apply", "-f", path)
    assert r.out == "deployment.apps/web unchanged\nservice/web configured\n"
    live = await tk.api.client().get(kinds.SERVICE, "web", "default")
    assert [p["name"] for p in live["spec"]["ports"]] == ["http", "tls"]


async def test_removing_a_port_from_the_manifest_removes_it(tk: Any) -> None:
    path = tk.file("svc.yaml", SVC)
    await tk("apply", "-f", path)
    tk.file("svc.yaml", SVC.split("  - name: https", maxsplit=1)[0])
    assert (await tk("apply", "-f", path)).out == "service/web configured\n"
    live = await tk.api.client().get(kinds.SERVICE, "web", "default")
    assert [p["port"] for p in live["spec"]["ports"]] == [80]


async def test_fields_set_by_others_survive_apply(tk: Any) -> None:
    unscaled = DEPLOY.replace("  replicas: 1\n", "")
    path = tk.file("deploy.yaml", unscaled)
    await tk("apply", "-f", path)
    assert (await tk("scale", "deploy", "web", "--replicas=3")).code == 0
    tk.file("deploy.yaml", unscaled.replace("image: nginx", "image: nginx:1.27"))
    assert (await tk("apply", "-f", path)).out == "deployment.apps/web configured\n"
    live = await tk.api.client().get(kinds.DEPLOYMENT, "web", "default")
    assert live["spec"]["replicas"] == 3
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


async def test_the_annotation_is_the_manifest_as_kubectl_writes_it(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    live = await tk.api.client().get(kinds.SERVICE, "web", "default")
    saved = live["metadata"]["annotations"][LAST_APPLIED]
    assert saved.endswith("}\n")
    assert json.loads(saved)["metadata"] == {"annotations": {}, "name": "web",
                                             "namespace": "default"}
    assert last_applied(live) == json.loads(saved)


def test_with_last_applied_keeps_other_annotations() -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "x", "annotations": {"a": "1", LAST_APPLIED: "old"}}}
    out = with_last_applied(obj)
    assert json.loads(out["metadata"]["annotations"][LAST_APPLIED]) == \
        {"metadata": {"annotations": {"a": "1"}, "name": "x"}}
    assert obj["metadata"]["annotations"][LAST_APPLIED] == "old"


async def test_apply_over_create_warns_and_patches(tk: Any) -> None:
    path = tk.file("svc.yaml", SVC)
    assert (await tk("create", "-f", path)).out == "service/web created\n"
    r = await tk("apply", "-f", path)
    assert r.out == "service/web configured\n"
    assert "is missing the kubectl.kubernetes.io/last-applied-configuration" in r.err


async def test_server_side_apply(tk: Any) -> None:
    path = tk.file("svc.yaml", SVC)
    r = await tk("apply", "--server-side", "-f", path)
    assert (r.code, r.out) == (0, "service/web serverside-applied\n"), r.err
    live = await tk.api.client().get(kinds.SERVICE, "web", "default")
    managers = {m["manager"] for m in live["metadata"]["managedFields"]}
    assert "tinykube" in managers


async def test_invalid_objects_are_reported_and_the_rest_applied(tk: Any) -> None:
    bad = SVC.replace("name: web", "name: bad").replace("port: 443", "port: 0")
    path = tk.file("app.yaml", f"{bad}---\n{DEPLOY}")
    r = await tk("apply", "-f", path)
    assert r.code == 1
    assert r.out == "deployment.apps/web created\n"
    assert r.err == (
        'The Service "bad" is invalid: \n'
        "* spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive\n"
        "* spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive\n")


async def test_namespace_flag_and_manifest_namespace_must_agree(tk: Any) -> None:
    path = tk.file("svc.yaml", SVC.replace("  name: web", "  name: web\n  namespace: qa"))
    r = await tk("apply", "-n", "default", "-f", path)
    assert r.code == 1
    assert "the namespace from the provided object \"qa\" does not match" in r.err


async def test_stdin_and_yaml_errors(tk: Any) -> None:
    r = await tk("apply", "-f", "-", stdin=SVC)
    assert r.out == "service/web created\n"
    path = tk.file("bad.yaml", "apiVersion: v1\nkind: Service\n  bad: [\n")
    r = await tk("apply", "-f", path)
    assert r.code == 1 and f"error: error parsing {path}: line 3" in r.err
