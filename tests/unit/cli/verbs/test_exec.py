from __future__ import annotations

from typing import Any

POD = """apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec:
  containers:
  - {name: a, image: nginx}
  - {name: b, image: busybox}
"""


async def test_exec_needs_a_command(tk: Any) -> None:
    r = await tk("exec", "web-0")
    assert (r.code, r.err) == \
        (1, "error: you must specify at least one command for the container\n")


async def test_exec_on_a_missing_pod(tk: Any) -> None:
    r = await tk("exec", "nope", "--", "ls")
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n'


async def test_exec_without_a_node_agent_says_so(tk: Any) -> None:
    await tk("apply", "-f", tk.file("p.yaml", POD))
    r = await tk("exec", "web-0", "-c", "b", "--", "hostname")
    assert r.code == 1
    assert "exec is not available on this cluster yet: no node agent serves pods/exec" in r.err


async def test_containers_are_checked_and_defaulted(tk: Any) -> None:
    await tk("apply", "-f", tk.file("p.yaml", POD))
    r = await tk("exec", "web-0", "-c", "zzz", "--", "ls")
    assert r.err == "Error from server (BadRequest): container zzz is not valid for pod web-0\n"
    r = await tk("exec", "web-0", "--", "ls")
    assert r.err.startswith('Defaulted container "a" out of: a, b\n')
