from __future__ import annotations

from typing import Any

from tinykube.api import kinds

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"


async def test_create_then_already_exists_names_the_file(tk: Any) -> None:
    path = tk.file("svc.yaml", SVC)
    assert (await tk("create", "-f", path)).out == "service/web created\n"
    r = await tk("create", "-f", path)
    assert r.code == 1
    assert r.err == (f'Error from server (AlreadyExists): error when creating "{path}": '
                     'services "web" already exists\n')


async def test_create_namespace_and_deployment_from_flags(tk: Any) -> None:
    assert (await tk("create", "namespace", "qa")).out == "namespace/qa created\n"
    r = await tk("create", "deployment", "web", "--image=nginx:1.27", "-n", "qa", "--port=80")
    assert r.out == "deployment.apps/web created\n", r.err
    d = await tk.api.client().get(kinds.DEPLOYMENT, "web", "qa")
    assert d["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert d["spec"]["template"]["spec"]["containers"][0]["name"] == "nginx"


async def test_create_deployment_needs_an_image(tk: Any) -> None:
    r = await tk("create", "deployment", "web")
    assert (r.code, r.err) == (1, 'error: required flag(s) "image" not set\n')


async def test_dry_run_prints_without_creating(tk: Any) -> None:
    r = await tk("create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "yaml")
    assert r.out.startswith("apiVersion: apps/v1\nkind: Deployment\n"), r.err
    r = await tk("create", "-f", tk.file("svc.yaml", SVC), "--dry-run=server")
    assert r.out == "service/web created (server dry run)\n", r.err
    r = await tk("get", "svc", "web")
    assert r.code == 1
