"""Containers, pod templates and volumes, as ``describe`` prints them for pods and workloads.

Ports kubectl's ``describeContainers`` (image, ports, command and args, state, limits and
requests, probes, environment, mounts), ``DescribePodTemplate`` and ``describeVolumes``
(the volume kinds tinykube pods use; others print ``<unknown>`` like kubectl's default).
A pod's ``fieldRef`` environment values are resolved from the pod; a template's are not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tinykube.api.meta import Obj
from tinykube.cli import age
from tinykube.cli.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    labels_multiline,
    tolerations_multiline,
)

Resolver = Callable[[Obj], str]


def containers(w: PrefixWriter, label: str, items: list[Obj], statuses: list[Obj] | None, *,
               resolve: Resolver | None, space: str) -> None:
    by_name = {str(s.get("name")): s for s in statuses or []}
    none = " <none>" if not items else ""
    w.write(0, f"{space}{label}:{none}\n")
    for c in items:
        status = by_name.get(str(c.get("name")))
        _basic(w, c, status, space)
        _command(w, c)
        if status is not None:
            _state(w, status)
        resources(w, c.get("resources"), 2)
        _probes(w, c)
        if c.get("envFrom"):
            _env_from(w, c)
        _env(w, c, resolve)
        _mounts(w, c)


def _basic(w: PrefixWriter, c: Obj, status: Obj | None, space: str) -> None:
    indent = " " if space else ""
    w.write(1, f"{indent}{c.get('name', '')}:\n")
    if status is not None:
        w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
    w.write(2, f"Image:\t{c.get('image', '')}\n")
    if status is not None:
        w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
    ports = c.get("ports") or []
    text = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', '')}" for p in ports)
    host = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', '')}" for p in ports)
    w.write(2, (f"Ports:\t{text}\n" if "," in text else f"Port:\t{text or '<none>'}\n"))
    w.write(2, (f"Host Ports:\t{host}\n" if "," in host else f"Host Port:\t{host or '<none>'}\n"))


def _command(w: PrefixWriter, c: Obj) -> None:
    for title, field in (("Command", "command"), ("Args", "args")):
        values = c.get(field) or []
        if values:
            w.write(2, f"{title}:\n")
            for value in values:
                for line in str(value).split("\n"):
                    w.write(3, f"{line}\n")


def _state(w: PrefixWriter, status: Obj) -> None:
    _status_of(w, "State", status.get("state") or {})
    last = status.get("lastState") or {}
    if last.get("terminated"):
        _status_of(w, "Last State", last)
    w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
    w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")


def _status_of(w: PrefixWriter, name: str, state: Obj) -> None:
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{age.rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{age.rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{age.rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def resources(w: PrefixWriter, res: Obj | None, level: int) -> None:
    for title in ("limits", "requests"):
        values = (res or {}).get(title) or {}
        if values:
            w.write(level, f"{title.capitalize()}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _probes(w: PrefixWriter, c: Obj) -> None:
    for title, field in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                         ("Startup", "startupProbe")):
        if c.get(field) is not None:
            w.write(2, f"{title}:\t{probe_text(c[field])}\n")


def probe_text(p: Obj) -> str:
    """kubectl's ``DescribeProbe``: ``http-get http://:80/ delay=0s timeout=1s ...``."""
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 0)}s "
             f"period={p.get('periodSeconds', 0)}s #success={p.get('successThreshold', 0)} "
             f"#failure={p.get('failureThreshold', 0)}")
    if p.get("exec") is not None:
        return f"exec [{' '.join(str(x) for x in p['exec'].get('command') or [])}] {attrs}"
    if p.get("httpGet") is not None:
        g = p["httpGet"]
        host, port = str(g.get("host") or ""), str(g.get("port", ""))
        netloc = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        scheme = str(g.get("scheme") or "").lower()
        return f"http-get {scheme}://{netloc}{g.get('path', '')} {attrs}"
    if p.get("tcpSocket") is not None:
        t = p["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if p.get("grpc") is not None:
        g = p["grpc"]
        return f"grpc <pod>:{g.get('port', '')} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _env_from(w: PrefixWriter, c: Obj) -> None:
    w.write(2, "Environment Variables from:\n")
    for e in c.get("envFrom") or []:
        ref, source = (e.get("configMapRef"), "ConfigMap") if e.get("configMapRef") else \
            (e.get("secretRef") or {}, "Secret")
        optional = "true" if (ref or {}).get("optional") else "false"
        name = (ref or {}).get("name", "")
        prefix = f" with prefix '{e['prefix']}'" if e.get("prefix") else ""
        w.write(3, f"{name}\t{source}{prefix}\tOptional: {optional}\n")


def _env(w: PrefixWriter, c: Obj, resolve: Resolver | None) -> None:
    env = c.get("env") or []
    w.write(2, "Environment:" + ("\t<none>" if not env else "") + "\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, line in enumerate(str(e.get("value") or "").split("\n")):
                w.write(3, f"{e.get('name', '')}:\t{line}\n" if i == 0 else f"\t{line}\n")
            continue
        name = e.get("name", "")
        if source.get("fieldRef"):
            ref = source["fieldRef"]
            value = resolve(ref) if resolve else ""
            where = f"{ref.get('apiVersion', '')}:{ref.get('fieldPath', '')}"
            w.write(3, f"{name}:\t{value} ({where})\n")
        elif source.get("resourceFieldRef"):
            w.write(3, f"{name}:\t ({source['resourceFieldRef'].get('resource', '')})\n")
        elif source.get("secretKeyRef") or source.get("configMapKeyRef"):
            is_secret = bool(source.get("secretKeyRef"))
            ref = source.get("secretKeyRef") or source.get("configMapKeyRef") or {}
            where = "in secret" if is_secret else "of config map"
            optional = "true" if ref.get("optional") else "false"
            w.write(3, f"{name}:\t<set to the key '{ref.get('key', '')}' {where} "
                       f"'{ref.get('name', '')}'>\tOptional: {optional}\n")


def _mounts(w: PrefixWriter, c: Obj) -> None:
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: str(m.get("mountPath", "")))
    w.write(2, "Mounts:" + ("\t<none>" if not mounts else "") + "\n")
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")


def pod_template(w: PrefixWriter, template: Obj | None) -> None:
    """kubectl's ``DescribePodTemplate`` (Deployments, ReplicaSets, StatefulSets)."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    md, spec = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        annotations_multiline(w, "  Annotations", md.get("annotations"))
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], None, resolve=None, space="  ")
    containers(w, "Containers", spec.get("containers") or [], None, resolve=None,
               space="  ")
    volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def volumes(w: PrefixWriter, items: list[Obj] | None, space: str) -> None:
    if not items:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in items:
        w.write(1, f"{' ' if space else ''}{v.get('name', '')}:\n")
        _volume_source(w, v)


def _volume_source(w: PrefixWriter, v: Obj) -> None:
    if v.get("hostPath") is not None:
        h = v["hostPath"]
        w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{h.get('path', '')}\n"
                   f"    HostPathType:\t{h.get('type') or '<none>'}\n")
    elif v.get("emptyDir") is not None:
        e = v["emptyDir"]
        w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                   f"    Medium:\t{e.get('medium', '')}\n"
                   f"    SizeLimit:\t{e.get('sizeLimit') or '<unset>'}\n")
    elif v.get("secret") is not None:
        s = v["secret"]
        w.write(2, "Type:\tSecret (a volume populated by a Secret)\n"
                   f"    SecretName:\t{s.get('secretName', '')}\n"
                   f"    Optional:\t{_bool(s.get('optional'))}\n")
    elif v.get("configMap") is not None:
        c = v["configMap"]
        w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                   f"    Name:\t{c.get('name', '')}\n    Optional:\t{_bool(c.get('optional'))}\n")
    elif v.get("persistentVolumeClaim") is not None:
        c = v["persistentVolumeClaim"]
        w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in "
                   f"the same namespace)\n    ClaimName:\t{c.get('claimName', '')}\n"
                   f"    ReadOnly:\t{_bool(c.get('readOnly'))}\n")
    else:
        w.write(1, "<unknown>\n")


def _bool(value: Any) -> str:
    return "true" if value else "false"


_LABEL_REF = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


def pod_resolver(pod: Obj) -> Resolver:
    """Resolves a container's ``fieldRef`` from the pod, like kubectl's EnvValueRetriever."""
    md, spec, status = (pod.get(k) or {} for k in ("metadata", "spec", "status"))
    simple = {
        "metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
        "metadata.uid": md.get("uid"), "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.hostIP": status.get("hostIP"), "status.podIP": status.get("podIP"),
    }

    def resolve(ref: Obj) -> str:
        path = str(ref.get("fieldPath") or "")
        if path in simple:
            return str(simple[path] or "")
        m = _LABEL_REF.match(path)
        if m:
            return str((md.get(m.group(1)) or {}).get(m.group(2), ""))
        return ""

    return resolve
