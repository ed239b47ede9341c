"""What an image runs, when there is no image: stand-ins, a user's mapping, or a clear no.

tinykube pulls no images. A container with a ``command`` runs it as given (the host's
binaries, inside the pod's namespaces). Otherwise its image is looked up, by the
repository's last path element without tag or digest (``docker.io/library/nginx:1.14``
is ``nginx``), first in the user's mapping file, then among the built-in stand-ins:

- ``nginx*``/``httpd*``: ``standins/http.py``, an HTTP server on port 80 and every
  declared TCP containerPort, serving the nginx (or httpd) welcome page with an
  ``X-Pod-Name`` header;
- ``busybox*``, ``*dnsutils*``, ``dig``, and plain distribution images: ``sleep infinity``
  (``sh`` when the container keeps stdin open, as ``kubectl run -it`` asks), so that
  ``kubectl exec`` runs the host's ``nslookup``, ``dig``, ``wget`` inside the pod;
- ``techdozo/grpc-lb-server``/``-client``: ``standins/grpc_lb.py`` (needs grpcio, so it
  runs with the installed packages): a server answering its pod name on 8001, and a
  client making ``round_robin`` calls to ``$SERVER_HOST``.

An image found nowhere gives ``Unsupported``: the container stays Waiting with reason
``ImageNotSupported`` and a message saying how to map it. As in Docker, ``command``
replaces the image's entrypoint and ``args`` its cmd; stand-ins have no entrypoint, so
``args`` alone run as the command (an unknown image with only ``args`` does the same).
"""

from __future__ import annotations

import fnmatch
import logging
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, ConfigError
from tinykube.wire import codec

log = logging.getLogger(__name__)

STANDINS = Path(__file__).resolve().parent / "standins"
REASON = "ImageNotSupported"
SLEEP = ("sleep", "infinity")
SHELL_IMAGES = ("busybox*", "*dnsutils*", "dig", "alpine*", "ubuntu*", "debian*", "fedora*",
                "centos*", "rockylinux*", "almalinux*", "amazonlinux*")
HTTP_IMAGES = {"nginx*": "nginx", "httpd*": "httpd"}
GRPC_IMAGES = {"techdozo/grpc-lb-server": "server", "techdozo/grpc-lb-client": "client"}
GRPC_PORT = 8001


@dataclass(frozen=True)
class ImageConfig:
    """An image's entrypoint and default arguments, Docker's two halves of a command, and
    for a stand-in server the port it serves: the container counts as started only once
    that port accepts (an implicit startup probe), so Ready means serving."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    serves: int | None = None


@dataclass(frozen=True)
class Unsupported:
    reason: str
    message: str


UserMap = tuple[tuple[str, ImageConfig], ...]


def repository(image: str) -> str:
    """``registry/ns/name:tag@digest`` -> ``ns/name`` (registry dropped when it has a dot,
    a colon or is ``localhost``; ``library/`` dropped)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1])] + last[-1].split(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def basename(image: str) -> str:
    return repository(image).rsplit("/", 1)[-1]


def resolve(container: Obj, *, python: str, user_map: UserMap = (),
            map_file: str = "") -> ImageConfig | Unsupported:
    """The image configuration ``container`` runs with."""
    if container.get("command") or container.get("args"):
        return ImageConfig()
    image = str(container.get("image") or "")
    repo, base = repository(image), basename(image)
    for pattern, config in user_map:
        if _match(pattern, image, repo, base):
            return config
    for pattern, flavor in HTTP_IMAGES.items():
        if fnmatch.fnmatchcase(base, pattern):
            return ImageConfig(cmd=http_standin(python, flavor, container), serves=80)
    if any(fnmatch.fnmatchcase(base, p) for p in SHELL_IMAGES):
        return ImageConfig(cmd=("sh",) if container.get("stdin") else SLEEP)
    if repo in GRPC_IMAGES:
        role = GRPC_IMAGES[repo]
        return ImageConfig(cmd=(python, "-I", str(STANDINS / "grpc_lb.py"), role),
                           serves=GRPC_PORT if role == "server" else None)
    return Unsupported(REASON, f'image "{image}" has no tinykube stand-in and the container '
                       f"has no command; {_how(repo, map_file)}")


def _how(repo: str, map_file: str) -> str:
    where = map_file or "<data dir>/images.yaml"
    return (f'set the container\'s command, or map the image in {where} '
            f'(e.g. "{repo}*": ["/usr/bin/server", "--port", "8080"])')


def _match(pattern: str, image: str, repo: str, base: str) -> bool:
    return any(fnmatch.fnmatchcase(s, pattern) for s in (image, repo, base))


def http_standin(python: str, flavor: str, container: Obj) -> tuple[str, ...]:
    ports = [80]
    for p in container.get("ports") or []:
        port = p.get("containerPort")
        if isinstance(port, int) and (p.get("protocol") or "TCP") == "TCP" and port not in ports:
            ports.append(port)
    argv = [python, "-I", "-S", str(STANDINS / "http.py"), "--flavor", flavor]
    for port in ports:
        argv += ["--port", str(port)]
    return tuple(argv)


# --------------------------------------------------------------------------- the user's file


def parse_user_map(data: Any, where: str = "") -> UserMap:
    """``{glob: command}``: a command is a list, a string (split like a shell would), or
    ``{entrypoint: [...], cmd: [...]}``."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of image globs to commands", where=where)
    out = []
    for pattern, value in data.items():
        out.append((str(pattern), _config(value, f"{where}: {pattern}")))
    return tuple(out)


def _config(value: Any, where: str) -> ImageConfig:
    if isinstance(value, str):
        return ImageConfig(cmd=tuple(shlex.split(value)))
    if isinstance(value, list):
        return ImageConfig(cmd=tuple(str(v) for v in value))
    if isinstance(value, dict):
        return ImageConfig(entrypoint=_words(value.get("entrypoint"), where),
                           cmd=_words(value.get("cmd"), where))
    raise ConfigError("a command is a list, a string or {entrypoint, cmd}", where=where)


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    raise ConfigError("expected a list or a string", where=where)


class UserMapFile:
    """The user's mapping file, read again whenever it changes (one ``stat`` per look),
    so a mapping added while pods wait with ImageNotSupported lets them start."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._map: UserMap = ()

    def current(self) -> UserMap:
        if self.path is None:
            return ()
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self._map = load_user_map(self.path) if stamp is not None else ()
        return self._map


def load_user_map(path: Path | None) -> UserMap:
    """The user's mapping file, or nothing when there is none; a broken file is logged
    and ignored (every image then falls back to the built-ins)."""
    if path is None or not path.exists():
        return ()
    try:
        return parse_user_map(codec.load_yaml(path.read_bytes()), str(path))
    except (OSError, ConfigError, BadRequest) as e:
        log.warning("image map %s ignored: %s", path, e)
        return ()
