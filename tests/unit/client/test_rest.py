"""The client against a scripted aiohttp server: what it sends, what it makes of replies."""

import asyncio
import base64
import datetime
import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tinykube.api import kinds
from tinykube.client import Client
from tinykube.errors import (
    ApiError,
    ClusterNotRunning,
    ConfigError,
    Expired,
    Invalid,
    NotFound,
    ServiceUnavailable,
)
from tinykube.wire import codec


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """Replies by (method, path); records every request."""

    seen: list[Seen] = field(default_factory=list)
    replies: dict[tuple[str, str], list[web.StreamResponse]] = field(default_factory=dict)
    watch_lines: list[bytes] = field(default_factory=list)

    def reply(self, method: str, path: str, status: int = 200, body: object = None,
              text: str | None = None) -> None:
        if text is None:
            resp = web.Response(status=status, body=codec.dumps(body if body is not None else {}),
                                content_type="application/json")
        else:
            resp = web.Response(status=status, text=text, content_type="text/html")
        self.replies.setdefault((method, path), []).append(resp)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path, dict(request.query),
                              dict(request.headers), await request.read()))
        scripted = (request.method, request.path) in self.replies
        if request.query.get("watch") == "true" and not scripted:
            resp = web.StreamResponse()
            resp.content_type = "application/json"
            await resp.prepare(request)
            for chunk in self.watch_lines:
                await resp.write(chunk)
                await asyncio.sleep(0)
            await resp.write_eof()
            return resp
        queue = self.replies.get((request.method, request.path))
        if not queue:
            return web.json_response({"kind": "Status", "code": 404, "reason": "NotFound",
                                      "message": f"no script for {request.path}"}, status=404)
        return queue.pop(0)


async def serve(script: Script, ssl_ctx=None) -> TestServer:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=ssl_ctx)
    return server


@pytest.fixture
async def env() -> AsyncIterator[tuple[Script, Client]]:
    script = Script()
    server = await serve(script)
    client = Client(f"http://127.0.0.1:{server.port}", "tok")
    try:
        yield script, client
    finally:
        await client.close()
        await server.close()


async def test_get_sends_the_token_and_types_the_object(env):
    script, client = env
    script.reply("GET", "/apis/apps/v1/namespaces/ns/deployments/web",
                 body={"metadata": {"name": "web"}})
    obj = await client.get(kinds.DEPLOYMENT, "web", "ns")
    assert obj["kind"] == "Deployment" and obj["apiVersion"] == "apps/v1"
    assert script.seen[0].headers["Authorization"] == "Bearer tok"
    assert script.seen[0].headers["Accept"] == "application/json"


async def test_list_follows_continue_and_returns_the_resource_version(env):
    script, client = env
    path = "/api/v1/namespaces/default/pods"
    script.reply("GET", path, body={"metadata": {"resourceVersion": "9", "continue": "c1"},
                                    "items": [{"metadata": {"name": "a"}}]})
    script.reply("GET", path, body={"metadata": {"resourceVersion": "10"},
                                    "items": [{"metadata": {"name": "b"}}]})
    items, rv = await client.list(kinds.POD, "default", label_selector="app=x",
                                  field_selector="spec.nodeName=n1")
    assert [i["metadata"]["name"] for i in items] == ["a", "b"]
    assert all(i["kind"] == "Pod" for i in items)
    assert rv == "10"
    assert script.seen[0].query == {"labelSelector": "app=x", "fieldSelector": "spec.nodeName=n1"}
    assert script.seen[1].query["continue"] == "c1"


async def test_all_namespace_list_uses_the_cluster_path(env):
    script, client = env
    script.reply("GET", "/api/v1/services", body={"metadata": {"resourceVersion": "3"},
                                                   "items": []})
    assert await client.list(kinds.SERVICE) == ([], "3")


async def test_create_posts_to_the_objects_namespace_with_options(env):
    script, client = env
    script.reply("POST", "/api/v1/namespaces/team/services", status=201,
                 body={"metadata": {"name": "s"}})
    obj = {"metadata": {"name": "s", "namespace": "team"}}
    await client.create(kinds.SERVICE, obj, dry_run=True, field_manager="me")
    seen = script.seen[0]
    assert seen.query == {"dryRun": "All", "fieldManager": "me"}
    assert seen.headers["Content-Type"] == "application/json"
    assert codec.loads(seen.body) == obj


async def test_update_with_a_subresource(env):
    script, client = env
    script.reply("PUT", "/api/v1/namespaces/gone/finalize", body={"metadata": {"name": "gone"}})
    await client.update(kinds.NAMESPACE, {"metadata": {"name": "gone"}, "spec": {}},
                        subresource="finalize")
    assert script.seen[0].method == "PUT"


@pytest.mark.parametrize("patch_type, content_type", [
    ("merge", "application/merge-patch+json"),
    ("strategic", "application/strategic-merge-patch+json"),
    ("json", "application/json-patch+json"),
])
async def test_patch_content_types(env, patch_type, content_type):
    script, client = env
    script.reply("PATCH", "/api/v1/namespaces/default/services/s/status", body={})
    await client.patch(kinds.SERVICE, "s", {"status": {}}, "default", patch_type=patch_type,
                       subresource="status")
    assert script.seen[0].headers["Content-Type"] == content_type


async def test_apply_needs_a_field_manager_and_may_force(env):
    script, client = env
    with pytest.raises(ValueError):
        await client.patch(kinds.SERVICE, "s", {}, "default", patch_type="apply")
    with pytest.raises(ValueError):
        await client.patch(kinds.SERVICE, "s", {}, "default", force=True)
    script.reply("PATCH", "/api/v1/namespaces/default/services/s", body={})
    await client.patch(kinds.SERVICE, "s", "metadata:\n  name: s\n", "default",
                       patch_type="apply", field_manager="tk", force=True)
    seen = script.seen[0]
    assert seen.headers["Content-Type"] == "application/apply-patch+yaml"
    assert seen.query == {"fieldManager": "tk", "force": "true"}
    assert seen.body == b"metadata:\n  name: s\n"


async def test_delete_sends_delete_options(env):
    script, client = env
    script.reply("DELETE", "/api/v1/nodes/n1", body={"kind": "Status", "status": "Success"})
    await client.delete(kinds.NODE, "n1", propagation="Foreground", uid="u-1")
    assert codec.loads(script.seen[0].body) == {
        "kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u-1"}}


async def test_status_errors_become_their_classes(env):
    script, client = env
    script.reply("POST", "/api/v1/namespaces/default/services", status=422, body={
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Invalid",
        "code": 422, "message": 'Service "s" is invalid: spec.ports: Required value',
        "details": {"name": "s", "kind": "Service", "causes": [
            {"reason": "FieldValueRequired", "field": "spec.ports",
             "message": "Required value"}]}})
    with pytest.raises(Invalid) as e:
        await client.create(kinds.SERVICE, {"metadata": {"name": "s"}})
    assert e.value.causes[0].field == "spec.ports"
    assert e.value.name == "s"


async def test_non_status_error_bodies_keep_the_http_code(env):
    script, client = env
    script.reply("GET", "/api/v1/nodes/a", status=404, text="<html>nope</html>")
    script.reply("GET", "/api/v1/nodes/b", status=502, text="bad gateway")
    with pytest.raises(NotFound):
        await client.get(kinds.NODE, "a")
    with pytest.raises(ApiError) as e:
        await client.get(kinds.NODE, "b")
    assert e.value.code == 502 and "bad gateway" in e.value.message


async def test_raw_requests_and_tables(env):
    script, client = env
    script.reply("GET", "/api/v1/namespaces/default/pods/p/log", text="hello\n")
    assert await client.get_raw("/api/v1/namespaces/default/pods/p/log") == b"hello\n"
    script.reply("GET", "/api/v1/namespaces/default/services",
                 body={"kind": "Table", "rows": []})
    table = await client.table(kinds.SERVICE, "default")
    assert table["kind"] == "Table"
    assert "as=Table" in script.seen[-1].headers["Accept"]


async def test_watch_streams_events_split_across_chunks(env):
    script, client = env
    script.watch_lines = [
        b'{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n{"ty',
        b'pe":"BOOKMARK","object":{"metadata":{"resourceVersion":"6"}}}\n',
        b'{"type":"ERROR","object":{"kind":"Status","code":500,"message":"x"}}\n',
        b'{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"7"}}}',
    ]
    events = [ev async for ev in client.watch(kinds.POD, "default", resource_version="4",
                                              timeout_seconds=30)]
    assert [e.type for e in events] == ["ADDED", "BOOKMARK", "ERROR", "DELETED"]
    assert events[0].object["kind"] == "Pod"
    q = script.seen[0].query
    assert q["watch"] == "true" and q["resourceVersion"] == "4"
    assert q["timeoutSeconds"] == "30" and q["allowWatchBookmarks"] == "true"


async def test_watch_error_event_410_raises_expired(env):
    script, client = env
    script.watch_lines = [b'{"type":"ERROR","object":{"kind":"Status","code":410,'
                          b'"reason":"Expired","message":"too old resource version: 1 (2)"}}\n']
    with pytest.raises(Expired):
        async for _ in client.watch(kinds.POD, resource_version="1"):
            pass


async def test_watch_request_refused_with_410_raises_expired(env):
    script, client = env
    script.reply("GET", "/api/v1/pods", status=410, body={
        "kind": "Status", "code": 410, "reason": "Expired", "message": "too old"})
    with pytest.raises(Expired):
        async for _ in client.watch(kinds.POD, resource_version="1"):
            pass


async def test_connection_refused_is_cluster_not_running():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ClusterNotRunning):
            await client.get(kinds.NODE, "x")


async def test_a_closed_connection_is_service_unavailable():
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.close()

    server = await asyncio.start_server(reset, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Client(f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ServiceUnavailable):
                await client.get(kinds.NODE, "x")
    finally:
        server.close()
        await server.wait_closed()


# ----------------------------------------------------------------------------- TLS


def _pki():
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "apiserver")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


@pytest.fixture
async def tls_server(tmp_path) -> AsyncIterator[tuple[TestServer, Script, bytes]]:
    import ssl

    ca_pem, cert_pem, key_pem = _pki()
    (tmp_path / "tls.crt").write_bytes(cert_pem)
    (tmp_path / "tls.key").write_bytes(key_pem)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    script = Script()
    server = await serve(script, ctx)
    yield server, script, ca_pem
    await server.close()


async def test_https_trusting_the_ca_from_a_file(tmp_path, tls_server):
    server, script, ca_pem = tls_server
    (tmp_path / "ca.crt").write_bytes(ca_pem)
    script.reply("GET", "/api/v1/nodes/n", body={"metadata": {"name": "n"}})
    async with Client(f"https://127.0.0.1:{server.port}", "t", str(tmp_path / "ca.crt")) as c:
        assert (await c.get(kinds.NODE, "n"))["metadata"]["name"] == "n"


async def test_https_from_a_kubeconfig_with_embedded_ca(tmp_path, tls_server):
    server, script, ca_pem = tls_server
    kc = tmp_path / "kubeconfig"
    kc.write_text(codec.dump_yaml({
        "clusters": [{"name": "c", "cluster": {
            "server": f"https://127.0.0.1:{server.port}",
            "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": "u", "user": {"token": "kc-token"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x"}))
    script.reply("GET", "/api/v1/nodes/n", body={"metadata": {"name": "n"}})
    async with Client.from_kubeconfig(kc) as c:
        await c.get(kinds.NODE, "n")
    assert script.seen[0].headers["Authorization"] == "Bearer kc-token"


async def test_https_with_an_unknown_ca_is_a_config_error(tmp_path, tls_server):
    server, _, _ = tls_server
    other_ca, _, _ = _pki()
    async with Client(f"https://127.0.0.1:{server.port}", "t", ca_data=other_ca) as c:
        with pytest.raises(ConfigError):
            await c.get(kinds.NODE, "n")


def test_an_unreadable_ca_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        Client("https://127.0.0.1:1", "t", str(tmp_path / "missing.crt"))


async def test_table_watch_asks_for_tables_and_leaves_rows_alone(env):
    script, client = env
    script.watch_lines = [b'{"type":"ADDED","object":{"kind":"Table","apiVersion":'
                          b'"meta.k8s.io/v1","rows":[{"cells":["a"]}]}}\n']
    events = [ev async for ev in client.watch(kinds.POD, "default", table=True)]
    assert [(e.type, e.object["kind"]) for e in events] == [("ADDED", "Table")]
    assert "as=Table" in script.seen[0].headers["Accept"]


async def test_stream_hands_out_the_body_as_it_arrives(env):
    script, client = env
    script.watch_lines = [b"line 1\n", b"line 2\n"]
    chunks = [c async for c in client.stream("/api/v1/namespaces/default/pods/p/log",
                                             {"follow": "true", "watch": "true"})]
    assert b"".join(chunks) == b"line 1\nline 2\n"
    assert script.seen[0].query["follow"] == "true"


async def test_stream_errors_are_the_status(env):
    script, client = env
    script.reply("GET", "/api/v1/namespaces/default/pods/p/log", status=400, body={
        "kind": "Status", "code": 400, "reason": "BadRequest",
        "message": 'container "c" in pod "p" is waiting to start: ContainerCreating'})
    with pytest.raises(ApiError) as e:
        async for _ in client.stream("/api/v1/namespaces/default/pods/p/log"):
            pass
    assert e.value.code == 400 and "waiting to start" in e.value.message
