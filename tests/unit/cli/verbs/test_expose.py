from __future__ import annotations

from typing import Any

from tinykube.api import kinds

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {run: web}}
  template:
    metadata: {labels: {run: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{containerPort: 80}, {containerPort: 443, protocol: TCP}]
"""


async def test_expose_a_deployment(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("expose", "deployment", "web", "--port=8080", "--target-port=80",
                 "--name=web-exp", "--type=NodePort")
    assert (r.code, r.out) == (0, "service/web-exp exposed\n"), r.err
    svc = await tk.api.client().get(kinds.SERVICE, "web-exp", "default")
    assert svc["spec"]["selector"] == {"run": "web"}
    assert svc["spec"]["type"] == "NodePort"
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(8080, 80)]
    assert svc["metadata"]["labels"] == {"app": "web"}


async def test_expose_copies_container_ports_and_names_them(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    assert (await tk("expose", "deploy/web")).out == "service/web exposed\n"
    svc = await tk.api.client().get(kinds.SERVICE, "web", "default")
    assert [(p["name"], p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == \
        [("port-1", 80, 80), ("port-2", 443, 443)]


async def test_expose_server_dry_run_stores_nothing(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("expose", "deploy/web", "--dry-run=server")
    assert (r.code, r.out) == (0, "service/web exposed (server dry run)\n"), r.err
    services, _ = await tk.api.client().list(kinds.SERVICE, "default")
    assert "web" not in [svc["metadata"]["name"] for svc in services]


async def test_expose_dry_run_prints_the_service(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("expose", "deploy", "web", "--port=80", "--dry-run=client", "-o", "yaml")
    assert r.out.startswith("apiVersion: v1\nkind: Service\n")
    assert "run: web" in r.out
