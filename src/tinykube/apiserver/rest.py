"""HTTP handlers for resource paths: verbs in, registry calls, JSON or Tables out.

This is the aiohttp shell around the registry: it reads the body (all of it, at most
3 MiB), parses the query into options, picks the registry call for the method and the
path's shape (collection, object, subresource) and encodes the answer: the object, a
``<Kind>List``, a Table when the Accept header asks for one, or a watch stream.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tinykube.api import meta
from tinykube.api.kinds import NAMESPACE, Kind
from tinykube.api.meta import Obj
from tinykube.errors import MethodNotAllowed, RequestEntityTooLarge
from tinykube.store.storage import Storage
from tinykube.wire import status

from . import (
    negotiation,
    options,
    podstreams,
    responses,
    strategy,
    subresources,
    tables,
    watch,
)
from .registry import Outcome, Ref, Registry, list_prefix
from .routes import Resource

NOT_ALLOWED = "the server does not allow this method on the requested resource"


@dataclass
class Context:
    """What the handlers share: the registry, open watches, the pod stream handler."""

    registry: Registry
    store: Storage
    watchers: watch.Watchers
    pod_streams: podstreams.PodStreams = podstreams.unavailable


Handler = Callable[[Context, web.Request, Resource], Awaitable[web.StreamResponse]]


async def serve(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    if route.watch:
        if request.method != "GET":
            raise MethodNotAllowed(NOT_ALLOWED)
        return await _watch(ctx, request, route)
    if route.subresource is not None:
        table = _SUBRESOURCES.get(route.subresource, {})
    elif route.name is None:
        table = _COLLECTION
    else:
        table = _ITEM
    handler = table.get(request.method)
    if handler is None:
        raise MethodNotAllowed(NOT_ALLOWED)
    return await handler(ctx, request, route)


async def read_body(request: web.Request) -> bytes:
    """The whole request body, refused above Kubernetes' 3 MiB limit."""
    if request.content_length is not None:
        negotiation.check_size(request.content_length)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestEntityTooLarge(
            f"Request entity too large: limit is {negotiation.MAX_BODY}"
        ) from None


# ---------------------------------------------------------------------- collection


async def _list(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    opts = options.list_options(route.kind, request.query)
    if opts.watch:
        return await _watch(ctx, request, route, opts)
    entries, revision = await ctx.registry.select(route.kind, route.namespace, opts.selection)
    if _table(request):
        return _table_response(route.kind, [e.obj for e in entries], str(revision),
                               opts.include_object)
    return responses.raw(list_body(route.kind, revision, [e.raw for e in entries]))


async def _create(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    if route.kind.namespaced and route.namespace is None:
        raise MethodNotAllowed(NOT_ALLOWED)
    body = await _object_body(request)
    opts = options.write_options(request.query)
    out = await ctx.registry.create(route.kind, route.namespace, body, opts)
    return _written(out)


async def _delete_collection(ctx: Context, request: web.Request,
                             route: Resource) -> web.StreamResponse:
    body = negotiation.decode_options(await read_body(request))
    opts = options.delete_options(request.query, body)
    query = request.query
    sel = options.selection(route.kind, query.get("labelSelector", ""),
                            query.get("fieldSelector", ""))
    items = await ctx.registry.delete_collection(route.kind, route.namespace, selection=sel,
                                                 opts=opts)
    kind = route.kind
    return responses.json({"kind": kind.list_kind, "apiVersion": kind.api_version,
                           "metadata": {}, "items": items})


# ---------------------------------------------------------------------- one object


async def _get(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    if options.boolean(request.query, "watch"):
        return await _watch(ctx, request, route)
    obj = await ctx.registry.get(_ref(route))
    if _table(request):
        include = request.query.get("includeObject") or "Metadata"
        return _table_response(route.kind, [obj], str(meta.resource_version(obj)), include)
    return responses.json(obj)


async def _update(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    body = await _object_body(request)
    opts = options.write_options(request.query)
    out = await ctx.registry.update(_ref(route), body, opts)
    return _written(out)


async def _patch(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    ptype, body, opts = await _patch_input(request)
    out = await ctx.registry.patch(_ref(route), ptype, body, opts)
    return _written(out)


async def _delete(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    body = negotiation.decode_options(await read_body(request))
    opts = options.delete_options(request.query, body)
    ref = _ref(route)
    removal = await ctx.registry.delete(ref, opts)
    kind = route.kind
    if removal.gone and not strategy.for_kind(kind).return_deleted_object:
        return responses.json(status.success(ref.name, kind.plural, kind.group,
                                             meta.uid(removal.obj)))
    return responses.json(removal.obj)


# ---------------------------------------------------------------------- subresources


async def _get_main(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    return responses.json(await ctx.registry.get(_ref(route)))


async def _put_status(ctx: Context, request: web.Request,
                      route: Resource) -> web.StreamResponse:
    body = await _object_body(request)
    opts = options.write_options(request.query)
    out = await subresources.update_status(ctx.registry, _ref(route), body, opts)
    return _written(out)


async def _patch_status(ctx: Context, request: web.Request,
                        route: Resource) -> web.StreamResponse:
    ptype, body, opts = await _patch_input(request)
    out = await subresources.patch_status(ctx.registry, _ref(route), ptype, body, opts)
    return _written(out)


async def _get_scale(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    return responses.json(await subresources.get_scale(ctx.registry, _ref(route)))


async def _put_scale(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    body = await _object_body(request)
    opts = options.write_options(request.query)
    return responses.json(await subresources.update_scale(ctx.registry, _ref(route), body,
                                                          opts))


async def _patch_scale(ctx: Context, request: web.Request,
                       route: Resource) -> web.StreamResponse:
    ptype, body, opts = await _patch_input(request)
    return responses.json(await subresources.patch_scale(ctx.registry, _ref(route), ptype,
                                                         body, opts))


async def _finalize(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    assert route.name is not None and route.kind is NAMESPACE
    body = await _object_body(request)
    opts = options.write_options(request.query)
    out = await subresources.finalize(ctx.registry, _ref(route), body, opts)
    return _written(out)


async def _bind(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    assert route.name is not None and route.namespace is not None
    body = await _object_body(request)
    opts = options.write_options(request.query)
    await subresources.bind(ctx.registry, _ref(route), body, opts)
    out = status.success(route.name, "pods/binding")
    out["code"] = 201
    return responses.json(out, 201)


async def _pod_stream(ctx: Context, request: web.Request, route: Resource) -> web.StreamResponse:
    assert route.name is not None and route.subresource is not None
    await read_body(request)
    pod = await ctx.registry.get(_ref(route))
    return await ctx.pod_streams(request, pod, route.subresource)


# ---------------------------------------------------------------------- watch


async def _watch(ctx: Context, request: web.Request, route: Resource,
                 opts: options.ListOptions | None = None) -> web.StreamResponse:
    if opts is None:
        opts = options.list_options(route.kind, request.query)
    if route.name is not None:
        opts = dataclasses.replace(
            opts, selection=dataclasses.replace(opts.selection, name=route.name))
    prefix = list_prefix(route.kind, route.namespace, opts.selection)
    table = _table(request)
    render = _table_renderer(route.kind, opts.include_object) if table else None
    stream = watch.Stream(ctx.store, route.kind, prefix=prefix, opts=opts,
                          lister=ctx.registry.read, table=render, watchers=ctx.watchers)
    content_type = negotiation.TABLE if table else negotiation.JSON
    return await stream.serve(request, content_type)


def _table_renderer(kind: Kind, include_object: str) -> watch.Render:
    def render(type_: str, obj: Obj, first: bool) -> bytes:
        if type_ in ("ERROR", "BOOKMARK"):
            return watch.line(type_, obj)
        rv = str(meta.resource_version(obj))
        t = tables.table(kind, [obj], resource_version=rv, include_object=include_object,
                         with_columns=first)
        return watch.line(type_, t)
    return render


# ---------------------------------------------------------------------- helpers


def list_body(kind: Kind, revision: int, raws: list[bytes]) -> bytes:
    """A ``<Kind>List`` from the items' JSON, without decoding or encoding them again."""
    head = (f'{{"kind":"{kind.list_kind}","apiVersion":"{kind.api_version}",'
            f'"metadata":{{"resourceVersion":"{revision}"}},"items":[')
    return head.encode() + b",".join(raws) + b"]}"


def _ref(route: Resource) -> Ref:
    assert route.name is not None
    return Ref(route.kind, route.namespace, route.name)


def _table(request: web.Request) -> bool:
    return negotiation.wants_table(request.headers.get("Accept", ""))


def _table_response(kind: Kind, objs: list[Obj], rv: str, include: str) -> web.Response:
    body = tables.table(kind, objs, resource_version=rv, include_object=include)
    return responses.json(body, content_type=negotiation.TABLE)


def _written(out: Outcome) -> web.Response:
    return responses.json(out.obj, 201 if out.created else 200, warnings=out.warnings)


async def _object_body(request: web.Request) -> Obj:
    data = await read_body(request)
    return negotiation.decode_object(data, request.headers.get("Content-Type"))


async def _patch_input(request: web.Request) -> tuple[negotiation.PatchType, Any,
                                                       options.WriteOptions]:
    ptype = negotiation.patch_type(request.headers.get("Content-Type"))
    body = negotiation.decode_patch(await read_body(request), ptype)
    return ptype, body, options.write_options(request.query)


_COLLECTION: dict[str, Handler] = {"GET": _list, "POST": _create, "DELETE": _delete_collection}
_ITEM: dict[str, Handler] = {"GET": _get, "PUT": _update, "PATCH": _patch, "DELETE": _delete}
_SUBRESOURCES: dict[str, dict[str, Handler]] = {
    "status": {"GET": _get_main, "PUT": _put_status, "PATCH": _patch_status},
    "scale": {"GET": _get_scale, "PUT": _put_scale, "PATCH": _patch_scale},
    "finalize": {"PUT": _finalize},
    "binding": {"POST": _bind},
    "log": {"GET": _pod_stream},
    "exec": {"GET": _pod_stream, "POST": _pod_stream},
    "attach": {"GET": _pod_stream, "POST": _pod_stream},
    "portforward": {"GET": _pod_stream, "POST": _pod_stream},
}
