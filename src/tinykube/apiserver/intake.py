"""First checks on an object a client sends, before any kind-specific rule runs.

- ``apiVersion``/``kind`` may be left out (the URL says them) but may not contradict it;
- ``fieldValidation``: unknown fields are a 400 listing all of them (Strict), a warning
  each (Warn, the default) or nothing (Ignore); they are pruned in every case, so the
  store only ever holds fields the kind has;
- the namespace and name of the URL win over empty ones in the body and a different
  one is a 400, worded as Kubernetes words it.
"""

from __future__ import annotations

from tinykube.api import schema
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj, metadata
from tinykube.errors import BadRequest

from .options import FieldValidation


def check_type(kind: Kind, obj: Obj, *, api_version: str = "", kind_name: str = "") -> None:
    """Fill in or check the body's apiVersion and kind against what the URL serves."""
    want_version = api_version or kind.api_version
    want_kind = kind_name or kind.kind
    got_version, got_kind = obj.get("apiVersion"), obj.get("kind")
    if got_version and got_version != want_version:
        raise BadRequest(
            f"the API version in the data ({got_version}) does not match the expected "
            f"API version ({want_version})"
        )
    if got_kind and got_kind != want_kind:
        raise BadRequest(
            f"the kind in the data ({got_kind}) does not match the expected kind ({want_kind})"
        )
    if not (got_version and got_kind):  # put them first, where Kubernetes writes them
        rest = [(k, v) for k, v in obj.items() if k not in ("apiVersion", "kind")]
        obj.clear()
        obj.update([("apiVersion", want_version), ("kind", want_kind), *rest])
    md = obj.get("metadata")
    if md is not None and not isinstance(md, dict):
        raise BadRequest("metadata must be an object")


def admit(kind: Kind, obj: Obj, mode: FieldValidation) -> list[str]:
    """Type, shape and field checks of a body: 400s, or warnings (fieldValidation=Warn)."""
    check_type(kind, obj)
    check_values(kind, obj)
    return unknown_fields(kind, obj, mode)


def check_values(kind: Kind, obj: Obj) -> None:
    """Values of the wrong JSON type are a 400, as Go's decoder makes them in Kubernetes."""
    errors = schema.type_errors(obj, kind)
    if errors:
        raise BadRequest(f'{kind.kind} in version "{kind.version}" cannot be handled as a '
                         f"{kind.kind}: {errors[0]}")


def unknown_fields(kind: Kind, obj: Obj, mode: FieldValidation) -> list[str]:
    """Apply ``fieldValidation`` to ``obj``: raise (Strict) or return warnings; then prune."""
    if mode == "Ignore":
        schema.prune(obj, kind)
        return []
    unknown = schema.unknown_fields(obj, kind)
    if not unknown:
        return []
    texts = [f'unknown field "{path}"' for path in unknown]
    if mode == "Strict":
        raise BadRequest("strict decoding error: " + ", ".join(texts))
    schema.prune(obj, kind)
    return texts


def place(kind: Kind, obj: Obj, namespace: str | None, name: str | None = None) -> None:
    """Give ``obj`` the URL's namespace (and name, for updates); refuse contradictions."""
    md = metadata(obj)
    if kind.namespaced:
        body_ns = md.get("namespace") or ""
        if body_ns and namespace and body_ns != namespace:
            raise BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        md["namespace"] = namespace or body_ns
        if not md["namespace"]:
            raise BadRequest("the namespace of the object is not set and no namespace was "
                             "given on the request")
    else:
        md.pop("namespace", None)
    if name is not None:
        body_name = md.get("name") or ""
        if body_name and body_name != name:
            raise BadRequest(
                f"the name of the object ({body_name}) does not match the name on the URL "
                f"({name})"
            )
        md["name"] = name
