from __future__ import annotations

from typing import Any

POD = """apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec:
  containers:
  - {name: a, image: nginx}
"""


async def test_logs_without_a_node_agent_say_why(tk: Any) -> None:
    await tk("apply", "-f", tk.file("p.yaml", POD))
    r = await tk("logs", "web-0")
    assert r.code == 1
    assert r.err.startswith("Error from server (BadRequest): ")
    assert "no node agent" in r.err


async def test_logs_of_a_workload_with_no_pods(tk: Any) -> None:
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: x}\n" \
          "  ports: [{port: 80}]\n"
    await tk("apply", "-f", tk.file("s.yaml", svc))
    r = await tk("logs", "svc/s")
    assert r.err == "Error from server (NotFound): no pods found for svc/s\n"
