"""The async REST client every tinykube component talks to the API with.

The one home of aiohttp's client side: HTTPS trusting the cluster CA (file or PEM data),
``Authorization: Bearer``, JSON through ``wire.codec``, paths from ``Kind.path()``. Errors
come back as ``errors.ApiError`` subclasses rebuilt from the ``Status`` body
(``from_status``); a body that is not a Status still gives the class of its HTTP code. A
refused connection raises ``ClusterNotRunning``, a TLS failure ``ConfigError``, any other
transport failure ``ServiceUnavailable``: nothing above this module imports aiohttp.

For namespaced kinds a ``namespace`` of None means ``default`` for the verbs on one object
and every namespace for ``list`` and ``watch``. ``watch`` yields ``WatchEvent`` values
until the server ends the stream; resuming and relisting are the informer's job
(``machinery.informer``). ``Client`` satisfies ``machinery.apiclient.ApiClient``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.client import kubeconfig
from tinykube.client.stream import LineSplitter, decode_event, typed
from tinykube.errors import (
    ApiError,
    BadRequest,
    ClusterNotRunning,
    ConfigError,
    ServiceUnavailable,
    from_status,
)
from tinykube.machinery.apiclient import PatchType, Propagation
from tinykube.machinery.listwatch import WatchEvent
from tinykube.wire import codec

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

Params = Mapping[str, str]


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
                    field_selector: str = "",
                    timeout_seconds: int | None = None) -> AsyncIterator[WatchEvent]:
        """Events until the server ends the stream; ``Expired`` when the RV is too old."""
        params = {"watch": "true", "allowWatchBookmarks": "true",
                  **_selectors(label_selector, field_selector)}
        if resource_version:
            params["resourceVersion"] = resource_version
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(timeout_seconds)
        forever = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout)
        with self._transport(f"watch {kind.plural}"):
            async with self._http().get(self.base_url + kind.path(namespace), params=params,
                                        timeout=forever) as resp:
                if resp.status >= 400:
                    raise _error(resp.status, await resp.read(), resp.headers)
                lines = LineSplitter()
                async for chunk in resp.content.iter_any():
                    for line in lines.feed(chunk):
                        yield decode_event(line, kind)
                if tail := lines.rest():
                    yield decode_event(tail, kind)

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
                    raise _error(resp.status, raw, resp.headers)
                return raw

    async def _json(self, method: str, path: str, *, params: Params | None = None,
                    body: Any = None, content_type: str = JSON) -> Obj:
        result = await self.request(method, path, params=params, body=body,
                                    content_type=content_type)
        if not isinstance(result, dict):
            raise BadRequest(f"{method} {path}: expected a JSON object, got {type(result)}")
        return result

    @contextlib.contextmanager
    def _transport(self, what: str) -> Iterator[None]:
        """aiohttp's failures as ours."""
        try:
            yield
        except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as e:
            raise ConfigError(f"TLS to {self.base_url} failed: {e}") from e
        except aiohttp.ClientConnectorError as e:
            raise ClusterNotRunning(f"cannot connect to {self.base_url}: {e}") from e
        except (TimeoutError, aiohttp.ClientError) as e:
            raise ServiceUnavailable(
                f"{what}: {type(e).__name__}: {e}".rstrip(": ")) from e


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


def _error(code: int, raw: bytes, headers: Mapping[str, str]) -> ApiError:
    """The ``ApiError`` for an error response: its Status body, or its HTTP code."""
    status: Any = None
    with contextlib.suppress(BadRequest):
        status = codec.loads(raw) if raw.strip() else None
    if not (isinstance(status, dict) and status.get("kind") == "Status"):
        text = raw.decode("utf-8", "replace").strip()[:500]
        status = {"code": code, "message": text or f"the server responded with HTTP {code}"}
    err = from_status(status, code)
    retry_after = headers.get("Retry-After", "")
    if retry_after.isdigit():
        err.retry_after = int(retry_after)
    return err


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
