"""What a request's headers ask for: response media types and request body formats.

kubectl asks for server-side Tables (``as=Table``) and aggregated discovery
(``as=APIGroupDiscoveryList``) by Accept header and falls back to plain JSON for
everything else; protobuf and CBOR are never answered (JSON is acceptable to every client
that offers them). Request bodies are JSON, YAML (POST/PUT with a YAML type, and
server-side apply whose body kubectl sends as JSON, which is YAML too), or protobuf for
the kinds kubectl's typed ``create`` subcommands send that way. A PUT without a
Content-Type (kubectl's scale) is read as JSON. Pure functions over header strings.
"""

from __future__ import annotations

from typing import Any, Literal

from tinykube.errors import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from tinykube.wire import codec

from . import protobuf

JSON = "application/json"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
MAX_BODY = 3 * 1024 * 1024  # Kubernetes' limit for a request body

PatchType = Literal["json", "merge", "strategic", "apply"]
PATCH_TYPES: dict[str, PatchType] = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
_PATCH_ACCEPTED = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, "
    "application/apply-patch+yaml, application/strategic-merge-patch+json"
)
_BODY_ACCEPTED = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml, application/vnd.kubernetes.protobuf"
)


def wants_table(accept: str) -> bool:
    """True when the Accept header asks for a meta.k8s.io Table."""
    return "as=Table" in accept


def wants_aggregated(accept: str) -> bool:
    """True when the Accept header asks for apidiscovery.k8s.io/v2 aggregated discovery."""
    if "as=APIGroupDiscoveryList" not in accept:
        return False
    for part in accept.replace(" ", "").split(","):
        params = set(part.split(";")[1:])
        if {"g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"} <= params:
            return True
    return False


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header, lower case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def patch_type(content_type: str | None) -> PatchType:
    """The patch kind named by a PATCH's Content-Type; others are 415."""
    found = PATCH_TYPES.get(media_type(content_type))
    if found is None:
        raise UnsupportedMediaType(_PATCH_ACCEPTED)
    return found


def check_size(length: int) -> None:
    if length > MAX_BODY:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}")


def decode_object(data: bytes, content_type: str | None) -> dict[str, Any]:
    """The JSON object a POST or PUT carries."""
    mt = media_type(content_type)
    if mt in ("", JSON, "*/*"):
        value = _json(data)
    elif mt in ("application/yaml", "text/yaml", "application/x-yaml"):
        value = _yaml(data)
    elif mt == protobuf.MEDIA_TYPE:
        value = protobuf.decode(data)  # kubectl create namespace/deployment/service
    else:
        raise UnsupportedMediaType(_BODY_ACCEPTED)
    return _object(value)


def decode_patch(data: bytes, kind: PatchType) -> Any:
    """The body of a PATCH: a list of operations for JSON patch, an object otherwise."""
    value = _yaml(data) if kind == "apply" else _json(data)
    if kind == "json":
        if not isinstance(value, list):
            raise BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return value
    return _object(value)


def decode_options(data: bytes) -> dict[str, Any]:
    """A DeleteOptions body; empty bodies are no options."""
    if not data.strip():
        return {}
    return _object(_json(data))


def _json(data: bytes) -> Any:
    if not data.strip():
        raise BadRequest("the request body is empty")
    return codec.loads(data)


def _yaml(data: bytes) -> Any:
    if not data.strip():
        raise BadRequest("the request body is empty")
    try:
        return codec.loads(data)  # JSON is YAML; orjson reads it far faster
    except BadRequest:
        return codec.load_yaml(data)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("the request body must be a JSON object")
    return value
