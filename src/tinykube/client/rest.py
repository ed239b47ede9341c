"""The async REST client every tinykube component (and the CLI) talks to the API with.

The home of aiohttp's client side (with ``websocket.py`` and ``failures.py``): HTTPS
trusting the cluster CA (file or PEM data), ``Authorization: Bearer``, JSON through
``wire.codec``, paths from ``Kind.path()``. Errors come back as ``errors`` classes
(``failures.py``): nothing above this package imports aiohttp.

For namespaced kinds a ``namespace`` of None means ``default`` for the verbs on one object
and every namespace for ``list`` and ``watch``. ``watch`` yields ``WatchEvent`` values
until the server ends the stream (of objects, or of one-row Tables for ``get -w``);
resuming and relisting are the informer's job (``machinery.informer``). ``stream`` hands
out a body as it arrives (``logs -f``), ``websocket`` opens exec and attach.
``Client`` satisfies ``machinery.apiclient.ApiClient``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.client import kubeconfig
from tinykube.client.failures import response_error, translated
from tinykube.client.stream import LineSplitter, decode_event, typed
from tinykube.client.websocket import Channels
from tinykube.errors import ApiError, BadRequest, ConfigError, from_status
from tinykube.machinery.apiclient import PatchType, Propagation
from tinykube.machinery.listwatch import WatchEvent
from tinykube.wire import codec
from tinykube.wire.channels import PROTOCOLS

if TYPE_CHECKING:
    from tinykube.machinery.apiclient import ApiClient

log = logging.getLogger(__name__)

JSON = "application/json"
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}

Params = Mapping[str, str] | Sequence[tuple[str, str]]  # pairs: a key given many times


class Client:
    def __init__(self, base_url: str, token: str = "", ca_file: str | None = None, *,
                 ca_data: bytes | str | None = None, insecure: bool = False,
                 timeout: float = 30.0, user_agent: str = "tinykube") -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Accept": JSON, "User-Agent": user_agent}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._ssl = _ssl_context(self.base_url, ca_file, ca_data, insecure)
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_kubeconfig(cls, path: str | os.PathLike[str] | None = None, *,
                        context: str | None = None) -> Client:
        """A client for the kubeconfig at ``path`` (default ``$KUBECONFIG``, ~/.kube/config)."""
        cfg = kubeconfig.load(path, context=context)
        return cls(cfg.server, cfg.token, cfg.ca_file, ca_data=cfg.ca_data,
                   insecure=cfg.insecure)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl, limit=0),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers=self._headers,
            )
        return self._session

    # ------------------------------------------------------------------ verbs

    async def get(self, kind: Kind, name: str, namespace: str | None = None, *,
                  subresource: str | None = None) -> Obj:
        obj = await self._json("GET", _path(kind, namespace, name, subresource))
        return typed(kind, obj) if subresource is None else obj

    async def list(self, kind: Kind, namespace: str | None = None, label_selector: str = "",
                   field_selector: str = "") -> tuple[list[Obj], str]:
        """Every matching object (following ``continue`` tokens) and the list's RV."""
        params = _selectors(label_selector, field_selector)
        items: list[Obj] = []
        while True:
            page = await self._json("GET", kind.path(namespace), params=params)
            items.extend(typed(kind, o) for o in page.get("items") or [])
            md = page.get("metadata") or {}
            token = md.get("continue")
            if not token:
                return items, str(md.get("resourceVersion") or "")
            params = {**params, "continue": str(token)}

    async def create(self, kind: Kind, obj: Obj, namespace: str | None = None, *,
                     dry_run: bool = False, field_manager: str | None = None) -> Obj:
        ns = namespace or (obj.get("metadata") or {}).get("namespace") or "default"
        params = _write_params(dry_run, field_manager)
        return typed(kind, await self._json("POST", kind.path(ns), params=params, body=obj))

    async def update(self, kind: Kind, obj: Obj, *, subresource: str | None = None) -> Obj:
        md = obj.get("metadata") or {}
        path = _path(kind, md.get("namespace") or "default", str(md.get("name") or ""),
                     subresource)
        return await self._json("PUT", path, body=obj)

    async def patch(self, kind: Kind, name: str, patch: Any, namespace: str | None = None,
                    *, patch_type: PatchType = "merge", subresource: str | None = None,
                    field_manager: str | None = None, force: bool = False) -> Obj:
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}")
        if patch_type == "apply" and not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        params = _write_params(False, field_manager)
        if force:
            if patch_type != "apply":
                raise ValueError("force is only meaningful for server-side apply")
            params["force"] = "true"
        body = patch.encode() if isinstance(patch, str) else patch
        return await self._json("PATCH", _path(kind, namespace, name, subresource),
                                params=params, body=body,
                                content_type=PATCH_CONTENT_TYPES[patch_type])

    async def delete(self, kind: Kind, name: str, namespace: str | None = None, *,
                     propagation: Propagation | None = None, uid: str | None = None) -> Obj:
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            options["propagationPolicy"] = propagation
        if uid:
            options["preconditions"] = {"uid": uid}
        return await self._json("DELETE", kind.path(namespace or "default", name), body=options)

    async def watch(self, kind: Kind, namespace: str | None = None, *,
                    resource_version: str = "", label_selector: str = "",
                    field_selector: str = "", timeout_seconds: int | None = None,
                    table: bool = False) -> AsyncIterator[WatchEvent]:
        """Events until the server ends the stream; ``Expired`` when the RV is too old.
        With ``table`` each object is a one-row ``Table`` (kubectl ``get -w``)."""
        params = {"watch": "true", "allowWatchBookmarks": "true",
                  **_selectors(label_selector, field_selector)}
        if resource_version:
            params["resourceVersion"] = resource_version
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(timeout_seconds)
        lines = LineSplitter()
        typed_as = None if table else kind
        async for chunk in self.stream(kind.path(namespace), params,
                                       accept=TABLE_ACCEPT if table else JSON):
            for line in lines.feed(chunk):
                yield decode_event(line, typed_as)
        if tail := lines.rest():
            yield decode_event(tail, typed_as)

    async def stream(self, path: str, params: Params | None = None, *,
                     accept: str = "*/*") -> AsyncIterator[bytes]:
        """A response body as it arrives, until the server ends it (``logs -f``)."""
        forever = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout)
        with self._transport(f"GET {path}"):
            async with self._http().get(self.base_url + path, params=params,
                                        headers={"Accept": accept}, timeout=forever) as resp:
                if resp.status >= 400:
                    raise response_error(resp.status, await resp.read(), resp.headers)
                async for chunk in resp.content.iter_any():
                    yield chunk

    @contextlib.asynccontextmanager
    async def websocket(self, path: str, params: Params | None = None
                        ) -> AsyncIterator[Channels]:
        """exec or attach: a WebSocket speaking ``v5``/``v4.channel.k8s.io``; a refused
        upgrade raises the API error the server answered."""
        with self._transport(f"connect {path}"):
            try:
                ws = await self._http().ws_connect(
                    self.base_url.replace("http", "ws", 1) + path, params=params,
                    protocols=PROTOCOLS, heartbeat=30)
            except aiohttp.WSServerHandshakeError as e:
                raise await self._refusal(path, params, e) from e
            try:
                yield Channels(ws, self.base_url)
            finally:
                await ws.close()

    async def _refusal(self, path: str, params: Params | None,
                       e: aiohttp.WSServerHandshakeError) -> ApiError:
        """Why the upgrade was refused: aiohttp keeps no body, so ask again without it."""
        async with self._http().get(self.base_url + path, params=params) as resp:
            if resp.status >= 400:
                return response_error(resp.status, await resp.read(), resp.headers)
        message = e.message or f"the server refused the upgrade (HTTP {e.status})"
        return from_status({"code": e.status, "message": message}, e.status)

    async def table(self, kind: Kind, namespace: str | None = None, name: str | None = None,
                    *, label_selector: str = "", field_selector: str = "") -> Obj:
        """Server-side ``Table`` output (kubectl's columns) of a list or one object."""
        result: Obj = await self.request(
            "GET", kind.path(namespace, name),
            params=_selectors(label_selector, field_selector), accept=TABLE_ACCEPT)
        return result

    # ------------------------------------------------------------------ raw access

    async def request(self, method: str, path: str, *, params: Params | None = None,
                      body: Any = None, content_type: str = JSON, accept: str = JSON) -> Any:
        """Any API call; ``body`` is JSON-encoded unless bytes. Returns the decoded JSON
        (None for an empty body)."""
        data = await self.get_raw(path, method=method, params=params, body=body,
                                  content_type=content_type, accept=accept)
        return codec.loads(data) if data.strip() else None

    async def get_raw(self, path: str, *, method: str = "GET", params: Params | None = None,
                      body: Any = None, content_type: str = JSON,
                      accept: str = "*/*") -> bytes:
        """The response body as bytes (e.g. ``pods/log``)."""
        headers = {"Accept": accept}
        data: bytes | None = None
        if body is not None:
            data = body if isinstance(body, bytes) else codec.dumps(body)
            headers["Content-Type"] = content_type
        with self._transport(f"{method} {path}"):
            async with self._http().request(method, self.base_url + path, params=params,
                                            data=data, headers=headers) as resp:
                raw = await resp.read()
                if resp.status >= 400:
                    raise response_error(resp.status, raw, resp.headers)
                return raw

    async def _json(self, method: str, path: str, *, params: Params | None = None,
                    body: Any = None, content_type: str = JSON) -> Obj:
        result = await self.request(method, path, params=params, body=body,
                                    content_type=content_type)
        if not isinstance(result, dict):
            raise BadRequest(f"{method} {path}: expected a JSON object, got {type(result)}")
        return result

    def _transport(self, what: str) -> contextlib.AbstractContextManager[None]:
        return translated(self.base_url, what)


def _ssl_context(base_url: str, ca_file: str | None, ca_data: bytes | str | None,
                 insecure: bool) -> ssl.SSLContext | bool:
    if not base_url.startswith("https://"):
        return False
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    try:
        cadata = ca_data.decode() if isinstance(ca_data, bytes) else ca_data
        if ca_file is None and cadata is None:
            return ssl.create_default_context()
        ctx = ssl.create_default_context(cafile=ca_file)
        if cadata:
            ctx.load_verify_locations(cadata=cadata)
        return ctx
    except (OSError, ssl.SSLError, ValueError) as e:
        raise ConfigError(f"cannot load the cluster CA: {e}", where=ca_file or "") from e


def _path(kind: Kind, namespace: str | None, name: str, subresource: str | None) -> str:
    path = kind.path(namespace or "default", name)
    return f"{path}/{subresource}" if subresource else path


def _selectors(label_selector: str, field_selector: str) -> dict[str, str]:
    out = {}
    if label_selector:
        out["labelSelector"] = label_selector
    if field_selector:
        out["fieldSelector"] = field_selector
    return out


def _write_params(dry_run: bool, field_manager: str | None) -> dict[str, str]:
    out = {}
    if dry_run:
        out["dryRun"] = "All"
    if field_manager:
        out["fieldManager"] = field_manager
    return out


if TYPE_CHECKING:

    def _satisfies_api_client(c: Client) -> ApiClient:
        return c
