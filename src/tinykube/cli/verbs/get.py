"""``get``: list or fetch objects and print them as tables, YAML, JSON, names or JSONPath.

Tables are the server's (kubectl's columns); several kinds print one table each, blank
lines between, names prefixed with the kind. ``-w`` prints the table, then one row per
watch event, in the widths already used, until the server ends the stream or the user
presses Ctrl-C; a named object is watched from its current state, as kubectl does.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import failures, printers, resources
from tinykube.cli.printers import Output, TableOptions, TablePrinter
from tinykube.cli.resources import Parsed, Request
from tinykube.cli.session import Session
from tinykube.errors import ApiError, ConfigError, Expired
from tinykube.wire import status


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("get", parents=parents, help="display one or many resources")
    p.add_argument("resources", nargs="*", metavar="TYPE[.VERSION][.GROUP] [NAME ...]")
    p.add_argument("-o", "--output", help="wide, yaml, json, name, jsonpath=TEMPLATE")
    p.add_argument("-l", "--selector", default="", help="label selector, e.g. app=nginx")
    p.add_argument("--field-selector", default="", help="field selector")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    p.add_argument("-w", "--watch", action="store_true", help="watch for changes after listing")
    p.add_argument("--show-labels", action="store_true", help="show labels as the last column")
    p.add_argument("--no-headers", action="store_true", help="no header row")


async def run(s: Session, args: argparse.Namespace) -> int:
    output = printers.parse_output(args.output)
    parsed = resources.parse(args.resources, "get")
    if args.all_namespaces and parsed.by_name:
        raise ConfigError("a resource cannot be retrieved by name across all namespaces")
    if args.watch:
        return await _watch(s, args, parsed, output)
    if output.is_table:
        return await _tables(s, args, parsed, output)
    return await _objects(s, args, parsed, output)


def _namespace(s: Session, args: argparse.Namespace, kind: Kind) -> str | None:
    if not kind.namespaced or args.all_namespaces:
        return None
    return s.namespace


def _by_kind(parsed: Parsed) -> list[tuple[Kind, list[Request]]]:
    groups: dict[Kind, list[Request]] = {}
    for r in parsed.requests:
        groups.setdefault(r.kind, []).append(r)
    return list(groups.items())


def _options(args: argparse.Namespace, kind: Kind, output: Output, *,
             several: bool) -> TableOptions:
    return TableOptions(
        wide=output.format == "wide",
        with_namespace=bool(args.all_namespaces and kind.namespaced),
        show_labels=args.show_labels,
        kind_prefix=printers.kind_prefix(kind) if several else "",
        no_headers=args.no_headers,
    )


async def _fetch(s: Session, args: argparse.Namespace, parsed: Parsed, *,
                 tables: bool) -> tuple[list[tuple[Kind, Obj]], list[ApiError]]:
    """Each request's Table (or objects), and the errors, in order; like kubectl's
    builder, a failed request does not stop the others."""
    client = s.client()
    results: list[tuple[Kind, Obj]] = []
    errors: list[ApiError] = []
    for r in parsed.requests:
        ns = _namespace(s, args, r.kind)
        try:
            if tables:
                results.append((r.kind, await client.table(
                    r.kind, ns, r.name, label_selector=args.selector,
                    field_selector=args.field_selector)))
            elif r.name is not None:
                results.append((r.kind, await client.get(r.kind, r.name, ns)))
            else:
                found, _ = await client.list(r.kind, ns, label_selector=args.selector,
                                             field_selector=args.field_selector)
                results.extend((r.kind, o) for o in found)
        except ApiError as e:
            errors.append(e)
    return results, errors


async def _tables(s: Session, args: argparse.Namespace, parsed: Parsed, output: Output) -> int:
    results, errors = await _fetch(s, args, parsed, tables=True)
    several = len({kind for kind, _ in results}) > 1  # kubectl's multipleGVKsRequested
    shown: list[str] = []
    printer: TablePrinter | None = None
    for i, (kind, table) in enumerate(results):
        if printer is None:
            printer = TablePrinter(_options(args, kind, output, several=several))
        printer.add(table)
        if i + 1 == len(results) or results[i + 1][0] != kind:
            shown.append(printer.flush())
            printer = None
    text = "\n".join(t for t in shown if t)
    s.print(text, end="")
    for problem in errors:
        s.warn(failures.describe(problem))
    if not text and not errors:
        s.warn(no_resources(s, args, parsed))
    return 1 if errors else 0


def no_resources(s: Session, args: argparse.Namespace, parsed: Parsed) -> str:
    namespaced = all(r.kind.namespaced for r in parsed.requests)
    if args.all_namespaces or not namespaced:
        return "No resources found"
    return f"No resources found in {s.namespace} namespace."


async def _objects(s: Session, args: argparse.Namespace, parsed: Parsed, output: Output) -> int:
    items, errors = await _fetch(s, args, parsed, tables=False)
    single = len(parsed.requests) == 1 and parsed.by_name
    if items or not errors:
        s.print(printers.render_objects(output, items, single=single), end="")
    for problem in errors:
        s.warn(failures.describe(problem))
    return 1 if errors else 0


async def _watch(s: Session, args: argparse.Namespace, parsed: Parsed, output: Output) -> int:
    groups = _by_kind(parsed)
    if len(groups) != 1 or len(groups[0][1]) != 1:
        raise ConfigError("watch is only supported on individual resources and resource "
                          "collections, but several resources were asked for")
    kind, (request,) = groups[0]
    ns = _namespace(s, args, kind)
    client = s.client()
    fields = args.field_selector
    printed = 0
    if request.name is not None:
        await client.get(kind, request.name, ns)  # NotFound before watching, like kubectl
        fields = ",".join(f for f in (fields, f"metadata.name={request.name}") if f)
        rv = "0"
        printer = TablePrinter(_options(args, kind, output, several=False))
    else:
        table = await client.table(kind, ns, label_selector=args.selector,
                                   field_selector=fields)
        rv = str((table.get("metadata") or {}).get("resourceVersion") or "")
        printer = TablePrinter(_options(args, kind, output, several=False))
        if output.is_table:
            s.print(printer.print(table), end="")
        else:
            items, rv = await client.list(kind, ns, label_selector=args.selector,
                                          field_selector=fields)
            for obj in items:
                s.print(_event_text(output, kind, obj, printed), end="")
                printed += 1
    events = client.watch(kind, ns, resource_version=rv, label_selector=args.selector,
                          field_selector=fields, table=output.is_table)
    try:
        async for event in events:
            if event.type == "ERROR":
                s.print(printer.print(_status_table(event.object)), end="")
            elif event.type == "BOOKMARK":
                continue
            elif output.is_table:
                s.print(printer.print(event.object), end="")
            else:
                s.print(_event_text(output, kind, event.object, printed), end="")
                printed += 1
    except Expired as e:  # the client raises the 410 ERROR event; kubectl prints it
        s.print(printer.print(_status_table(status.body(e))), end="")
    return 0


def _event_text(output: Output, kind: Kind, obj: Obj, printed: int) -> str:
    """One watched object; YAML documents after the first start with ``---``, as kubectl's."""
    obj.setdefault("apiVersion", kind.api_version)
    obj.setdefault("kind", kind.kind)
    text = printers.render_objects(output, [(kind, obj)], single=True)
    return "---\n" + text if printed and output.format == "yaml" else text


def _status_table(status: Obj) -> Obj:
    """An ERROR event as kubectl prints it: a STATUS/REASON/MESSAGE row."""
    columns = [{"name": n, "type": "string", "format": ""} for n in ("Status", "Reason", "Message")]
    cells = [status.get("status", ""), status.get("reason", ""), status.get("message", "")]
    return {"columnDefinitions": columns, "rows": [{"cells": cells}]}

