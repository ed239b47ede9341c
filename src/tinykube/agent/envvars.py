"""A container's environment, computed as the kubelet does when the container starts.

- Service variables (service-semantics §7): every service with a ClusterIP in the pod's
  namespace when ``enableServiceLinks`` (default true), and ``default/kubernetes`` always:
  ``<SVC>_SERVICE_HOST``, ``<SVC>_SERVICE_PORT``, ``<SVC>_SERVICE_PORT_<NAME>`` and the
  docker-link ``<SVC>_PORT``, ``<SVC>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]``.
- The container's ``env`` in order, each value ``$(VAR)``-expanded against the variables
  declared before it and the service variables (the kubelet's forked ``expansion``:
  ``$$`` escapes, unknown references stay as written), ``valueFrom.fieldRef`` from the
  downward API, ``resourceFieldRef`` from requests/limits or the node's allocatable.
- Declared variables override service ones; ``command`` and ``args`` are expanded against
  the result (``expand``).

tinykube serves no ConfigMaps or Secrets: a reference to one is an error
(``CreateContainerConfigError``) unless marked optional. Pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tinykube.api.meta import Obj
from tinykube.errors import ConfigError

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MASTER_SERVICE = ("default", "kubernetes")


@dataclass(frozen=True)
class PodRuntime:
    """What the downward API reads besides the pod object itself."""

    pod_ips: tuple[str, ...] = ()
    host_ips: tuple[str, ...] = ()
    allocatable: Mapping[str, str] | None = None


# --------------------------------------------------------------------------- services


def env_name(text: str) -> str:
    """A service or port name as a variable name: upper case, ``-``/``.`` to ``_``."""
    name = text.upper().replace("-", "_").replace(".", "_")
    return "_" + name if name[:1].isdigit() else name


def _has_cluster_ip(svc: Obj) -> bool:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return bool(ip) and ip != "None"


def visible_services(services: Iterable[Obj], namespace: str,
                     enable_service_links: bool) -> list[Obj]:
    """The services whose variables a pod in ``namespace`` gets (kubelet's
    getServiceEnvVarMap): same namespace when links are on, ``default/kubernetes`` always."""
    chosen: dict[str, Obj] = {}
    for svc in services:
        if not _has_cluster_ip(svc):
            continue
        md = svc.get("metadata") or {}
        name, ns = str(md.get("name") or ""), md.get("namespace") or "default"
        if (ns, name) == MASTER_SERVICE:
            chosen.setdefault(name, svc)
        elif ns == namespace and enable_service_links:
            chosen[name] = svc
    return [chosen[k] for k in sorted(chosen)]


def service_variables(services: Iterable[Obj]) -> dict[str, str]:
    out: dict[str, str] = {}
    for svc in services:
        spec = svc.get("spec") or {}
        ports = spec.get("ports") or []
        if not _has_cluster_ip(svc) or not ports:
            continue
        ip = str(spec["clusterIP"])
        prefix = env_name(str((svc.get("metadata") or {}).get("name") or ""))
        out[f"{prefix}_SERVICE_HOST"] = ip
        out[f"{prefix}_SERVICE_PORT"] = str(ports[0].get("port"))
        for p in ports:
            if p.get("name"):
                out[f"{prefix}_SERVICE_PORT_{env_name(str(p['name']))}"] = str(p.get("port"))
        out.update(_link_variables(prefix, ip, ports))
    return out


def _link_variables(prefix: str, ip: str, ports: list[Obj]) -> dict[str, str]:
    out: dict[str, str] = {}
    host = f"[{ip}]" if ":" in ip else ip
    for i, p in enumerate(ports):
        proto = str(p.get("protocol") or "TCP")
        url = f"{proto.lower()}://{host}:{p.get('port')}"
        if i == 0:
            out[f"{prefix}_PORT"] = url
        base = f"{prefix}_PORT_{p.get('port')}_{proto.upper()}"
        out[base] = url
        out[f"{base}_PROTO"] = proto.lower()
        out[f"{base}_PORT"] = str(p.get("port"))
        out[f"{base}_ADDR"] = ip
    return out


# --------------------------------------------------------------------------- expansion


def expand(text: str, mapping: Callable[[str], str]) -> str:
    """``$(VAR)`` expansion exactly as Kubernetes' forked ``expansion.Expand``."""
    out: list[str] = []
    checkpoint = 0
    cursor = 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_var, advance = _read_name(text[cursor + 1:])
            out.append(mapping(read) if is_var else read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


def _read_name(text: str) -> tuple[str, bool, int]:
    if text[0] == "$":
        return "$", False, 1
    if text[0] == "(":
        close = text.find(")", 1)
        if close >= 0:
            return text[1:close], True, close + 1
        return "$(", False, 1
    return "$" + text[0], False, 1


def mapping_for(*contexts: Mapping[str, str]) -> Callable[[str], str]:
    def lookup(name: str) -> str:
        for ctx in contexts:
            if name in ctx:
                return ctx[name]
        return f"$({name})"
    return lookup


# --------------------------------------------------------------------------- the environment


def container_env(pod: Obj, container: Obj, services: Iterable[Obj], rt: PodRuntime,
                  *, hostname: str = "") -> dict[str, str]:
    """The full environment of ``container``: runtime defaults, declared variables (in
    order), then the service variables nobody declared."""
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    links = spec.get("enableServiceLinks")
    service_env = service_variables(visible_services(services, ns, links is not False))
    declared: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        _env_from(source)
    lookup = mapping_for(declared, service_env)
    for var in container.get("env") or []:
        name = str(var.get("name") or "")
        if var.get("value"):
            declared[name] = expand(str(var["value"]), lookup)
        elif var.get("valueFrom"):
            value = _value_from(var["valueFrom"], pod, container, rt)
            if value is None:
                continue
            declared[name] = value
        else:
            declared[name] = ""
    env = {"PATH": DEFAULT_PATH, "HOSTNAME": hostname, "HOME": "/root"}
    if container.get("tty"):
        env["TERM"] = "xterm"
    env.update(declared)
    for k, v in service_env.items():
        env.setdefault(k, v)
    return env


def command_line(container: Obj, image_entrypoint: list[str], image_cmd: list[str],
                 env: Mapping[str, str]) -> list[str]:
    """Docker's rule: ``command`` replaces the entrypoint (and drops the image's cmd),
    ``args`` replaces the cmd; both ``$(VAR)``-expanded against ``env``."""
    command = container.get("command") or []
    args = container.get("args") or []
    lookup = mapping_for(env)
    if command:
        argv = [expand(str(a), lookup) for a in (*command, *args)]
    elif args:
        argv = [*image_entrypoint, *(expand(str(a), lookup) for a in args)]
    else:
        argv = [*image_entrypoint, *image_cmd]
    return argv


def _env_from(source: Obj) -> None:
    for key, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
        ref = source.get(key)
        if isinstance(ref, dict) and not ref.get("optional"):
            raise ConfigError(f'{kind} "{ref.get("name", "")}" not found')


def _value_from(source: Obj, pod: Obj, container: Obj, rt: PodRuntime) -> str | None:
    if "fieldRef" in source:
        return field_value(pod, str((source["fieldRef"] or {}).get("fieldPath") or ""), rt)
    if "resourceFieldRef" in source:
        return resource_value(container, source["resourceFieldRef"] or {}, rt)
    for key, kind in (("configMapKeyRef", "configmap"), ("secretKeyRef", "secret")):
        ref = source.get(key)
        if isinstance(ref, dict):
            if ref.get("optional"):
                return None
            raise ConfigError(f'{kind} "{ref.get("name", "")}" not found')
    return None


_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


def field_value(pod: Obj, path: str, rt: PodRuntime) -> str:
    """The downward API's ``fieldRef`` values."""
    md, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    simple = {
        "metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
        "metadata.uid": md.get("uid"), "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.podIP": rt.pod_ips[0] if rt.pod_ips else "",
        "status.podIPs": ",".join(rt.pod_ips),
        "status.hostIP": rt.host_ips[0] if rt.host_ips else "",
        "status.hostIPs": ",".join(rt.host_ips),
    }
    if path in simple:
        return str(simple[path] or "")
    if path in ("metadata.labels", "metadata.annotations"):
        items = md.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{items[k]}"' for k in sorted(items))
    m = _SUBSCRIPT.match(path)
    if m:
        return str((md.get(m.group(1)) or {}).get(m.group(2)) or "")
    raise ConfigError(f"unsupported fieldRef fieldPath {path!r}")


def resource_value(container: Obj, ref: Obj, rt: PodRuntime) -> str:
    """``resourceFieldRef``: the request or limit, the node's allocatable for a missing
    limit, divided by ``divisor`` and rounded up (the kubelet's ExtractResourceValueByContainer)."""
    resource = str(ref.get("resource") or "")
    kind, _, name = resource.partition(".")
    res = container.get("resources") or {}
    raw = (res.get(kind) or {}).get(name)
    if raw is None and kind == "limits":
        raw = (rt.allocatable or {}).get(name)
    if raw is None:
        raw = "0"
    value = quantity(str(raw))
    divisor = quantity(str(ref.get("divisor") or "1"))
    if divisor == 0:
        raise ConfigError(f"resourceFieldRef {resource}: divisor is zero")
    return str(math.ceil(value / divisor))


_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")


def quantity(text: str) -> Decimal:
    """A Kubernetes quantity (``500m``, ``128Mi``, ``1e3``) as a number."""
    m = _QUANTITY.match(text.strip())
    if not m or m.group(2) not in _SUFFIX:
        raise ConfigError(f"invalid quantity {text!r}")
    try:
        return Decimal(m.group(1)) * _SUFFIX[m.group(2)]
    except InvalidOperation as e:
        raise ConfigError(f"invalid quantity {text!r}") from e
