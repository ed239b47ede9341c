from __future__ import annotations

from typing import Any

SVC = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: web}}
  ports:
  - port: 80
"""


async def test_describe_service_page(tk: Any) -> None:
    await tk("apply", "-f", tk.file("a.yaml", SVC.format(name="web")))
    r = await tk("describe", "svc", "web")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "Name:                     web"
    assert "Selector:                 app=web" in lines
    assert "Endpoints:                <none>" in lines
    assert lines[-1] == "Events:                   <none>"


async def test_prefix_matches_and_several_pages(tk: Any) -> None:
    for name in ("web-a", "web-b"):
        await tk("apply", "-f", tk.file(f"{name}.yaml", SVC.format(name=name)))
    by_prefix = await tk("describe", "svc", "web")
    assert by_prefix.out.count("Name: ") == 2
    assert by_prefix.out.endswith("<none>\n\n")
    both = await tk("describe", "svc/web-a", "svc/web-b")
    assert "<none>\n\n\nName:" in both.out


async def test_describe_missing_object(tk: Any) -> None:
    r = await tk("describe", "svc", "nope")
    assert (r.code, r.err) == (1, 'Error from server (NotFound): services "nope" not found\n')


async def test_describe_namespace(tk: Any) -> None:
    r = await tk("describe", "ns", "default")
    assert r.out.splitlines()[0] == "Name:         default"
    assert r.out.splitlines()[-1] == "Status:       Active"
