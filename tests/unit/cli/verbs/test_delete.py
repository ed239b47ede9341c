from __future__ import annotations

from typing import Any

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  labels: {{app: x}}\n" \
      "spec:\n  ports:\n  - port: 80\n"


async def _services(tk: Any, *names: str) -> None:
    for name in names:
        await tk("apply", "-f", tk.file(f"{name}.yaml", SVC.format(name=name)))


async def test_delete_by_name_waits_and_reports(tk: Any) -> None:
    await _services(tk, "a")
    r = await tk("delete", "svc", "a")
    assert (r.code, r.out) == (0, 'service "a" deleted\n'), r.err
    r = await tk("delete", "svc", "a")
    assert (r.code, r.err) == (1, 'Error from server (NotFound): services "a" not found\n')
    assert (await tk("delete", "svc", "a", "--ignore-not-found")).code == 0


async def test_delete_by_selector_and_all(tk: Any) -> None:
    await _services(tk, "a", "b", "c")
    r = await tk("delete", "svc", "-l", "app=x", "--wait=false")
    assert r.out == 'service "a" deleted\nservice "b" deleted\nservice "c" deleted\n'
    await _services(tk, "d")
    r = await tk("delete", "deploy", "--all")
    assert (r.code, r.err) == (0, "No resources found\n")


async def test_delete_from_a_file_names_it_when_missing(tk: Any) -> None:
    path = tk.file("a.yaml", SVC.format(name="a"))
    await tk("apply", "-f", path)
    assert (await tk("delete", "-f", path)).out == 'service "a" deleted\n'
    r = await tk("delete", "-f", path)
    assert r.err == (f'Error from server (NotFound): error when deleting "{path}": '
                     'services "a" not found\n')


async def test_delete_needs_names_or_a_selector(tk: Any) -> None:
    r = await tk("delete", "svc")
    assert (r.code, r.err) == \
        (1, "error: resource(s) were provided, but no name was specified\n")
