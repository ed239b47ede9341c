from __future__ import annotations

from typing import Any

from tinykube.api import kinds

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


async def test_scale_deployment(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("scale", "deployment/web", "--replicas=3")
    assert (r.code, r.out) == (0, "deployment.apps/web scaled\n"), r.err
    d = await tk.api.client().get(kinds.DEPLOYMENT, "web", "default")
    assert d["spec"]["replicas"] == 3


async def test_scale_with_a_precondition(tk: Any) -> None:
    await tk("apply", "-f", tk.file("d.yaml", DEPLOY))
    r = await tk("scale", "deploy", "web", "--replicas=2", "--current-replicas=5")
    assert r.code == 1 and "Expected replicas to be 5, was 1" in r.err
    r = await tk("scale", "deploy", "web", "--replicas=2", "--current-replicas=1")
    assert r.out == "deployment.apps/web scaled\n", r.err


async def test_scale_refuses_what_cannot_scale(tk: Any) -> None:
    r = await tk("scale", "svc", "kubernetes", "--replicas=2")
    assert (r.code, r.err) == \
        (1, 'error: no scaler has been implemented for {"" "Service"}\n')
    r = await tk("scale", "deploy", "nope", "--replicas=2")
    assert r.err == 'Error from server (NotFound): deployments.apps "nope" not found\n'
