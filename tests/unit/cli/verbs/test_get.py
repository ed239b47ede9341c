from __future__ import annotations

import asyncio
import io
from typing import Any

from tinykube.cli.app import amain

SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


async def test_get_prints_the_servers_table(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    r = await tk("get", "svc", "web", "-o", "wide")
    assert r.code == 0, r.err
    header, row = r.out.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
                              "SELECTOR"]
    assert row.split()[0:2] == ["web", "ClusterIP"]
    assert row.split()[-1] == "app=web"


async def test_get_several_kinds_prefixes_names_and_separates_tables(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    r = await tk("get", "svc,ns")
    assert r.code == 0, r.err
    tables = r.out.split("\n\n")
    assert len(tables) == 2
    assert "service/web" in tables[0] and "namespace/default" in tables[1]


async def test_get_all_namespaces_and_labels(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    r = await tk("get", "svc", "-A", "--show-labels", "-l", "app=web")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].split() == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP",
                                             "EXTERNAL-IP", "PORT(S)", "AGE", "LABELS"]
    assert r.out.splitlines()[1].split()[0:2] == ["default", "web"]
    assert r.out.splitlines()[1].endswith("app=web")


async def test_not_found_and_empty_lists_say_so_like_kubectl(tk: Any) -> None:
    r = await tk("get", "svc", "nope")
    assert (r.code, r.out) == (1, "")
    assert r.err == 'Error from server (NotFound): services "nope" not found\n'
    r = await tk("get", "deploy", "-n", "default")
    assert (r.code, r.out, r.err) == (0, "", "No resources found in default namespace.\n")


async def test_yaml_json_name_and_jsonpath(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    one = await tk("get", "svc", "web", "-o", "yaml")
    assert one.out.startswith("apiVersion: v1\nkind: Service\nmetadata:\n")
    assert "managedFields" not in one.out
    listed = await tk("get", "svc", "-o", "json")
    assert '"kind": "List"' in listed.out
    names = await tk("get", "svc", "-o", "name")
    assert names.out == "service/kubernetes\nservice/web\n"
    ip = await tk("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].port}")
    assert ip.out == "80"


async def test_unknown_type_and_bad_output(tk: Any) -> None:
    r = await tk("get", "bogus")
    assert (r.code, r.err) == (1, 'error: the server doesn\'t have a resource type "bogus"\n')
    r = await tk("get", "svc", "-o", "xml")
    assert r.code == 1 and "unable to match a printer" in r.err


async def test_flags_may_come_before_the_verb_and_between_arguments(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    r = await tk("-n", "default", "get", "svc", "-o", "name", "web")
    assert (r.code, r.out) == (0, "service/web\n"), r.err


async def _until(check: Any, what: str) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def _watching(tk: Any, *argv: str) -> tuple[asyncio.Task[int], io.StringIO]:
    out = io.StringIO()
    task = asyncio.create_task(amain(["--kubeconfig", str(tk.kubeconfig), *argv], stdout=out,
                                     stderr=io.StringIO()))
    return task, out


async def test_watch_prints_the_table_then_a_row_per_change(tk: Any) -> None:
    task, out = await _watching(tk, "get", "svc", "-w")
    try:
        await _until(lambda: "kubernetes" in out.getvalue(), "the list")
        await tk("apply", "-f", tk.file("svc.yaml", SVC))
        await _until(lambda: "\nweb " in out.getvalue(), "the new row")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:2] == ["NAME", "TYPE"]
    assert lines[1].startswith("kubernetes ")
    web = next(line for line in lines if line.startswith("web "))
    assert web.index("ClusterIP") == lines[0].index("TYPE")


async def test_watch_in_yaml_separates_documents(tk: Any) -> None:
    await tk("apply", "-f", tk.file("svc.yaml", SVC))
    task, out = await _watching(tk, "get", "svc", "-w", "-o", "yaml")
    try:
        await _until(lambda: out.getvalue().count("kind: Service") >= 2, "two objects")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert out.getvalue().count("---\n") == 1
