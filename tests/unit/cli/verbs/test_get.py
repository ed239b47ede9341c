from __future__ import annotations

import re
from typing import Any

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


def _ages(text: str) -> str:
    return re.sub(r"\b\d+(s|m\d*s?|h)\b", "AGE", text)


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
