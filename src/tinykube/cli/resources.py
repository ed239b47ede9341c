"""What the resource arguments of ``get``/``describe``/``delete`` name.

kubectl's builder accepts ``svc``, ``svc web api``, ``svc/web deploy/api``, ``svc,deploy``,
``svc,deploy web`` and the category ``all`` (every kind in discovery's ``all`` category).
``parse`` turns those into ``Request`` values, in the order kubectl prints them. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.errors import ConfigError, NotFound

# kubectl expands ``all`` in this order (pods first, then services, then the workloads).
_ALL_ORDER = ("pods", "services", "deployments", "replicasets", "statefulsets")


@dataclass(frozen=True)
class Request:
    """One kind, and the name asked for (None: every object of the kind)."""

    kind: Kind
    name: str | None = None


@dataclass(frozen=True)
class Parsed:
    requests: tuple[Request, ...]

    @property
    def by_name(self) -> bool:
        return any(r.name is not None for r in self.requests)


def lookup(word: str) -> Kind:
    """A kind by any of its names, or kubectl's error."""
    try:
        return kinds.lookup(word)
    except NotFound:
        raise ConfigError(f'the server doesn\'t have a resource type "{word}"') from None


def kinds_of(word: str) -> list[Kind]:
    """``svc`` or ``svc,deploy`` or ``all``."""
    out: list[Kind] = []
    for part in word.split(","):
        if not part:
            continue
        if part == "all":
            out.extend(k for p in _ALL_ORDER for k in kinds.KINDS if k.plural == p)
        else:
            out.append(lookup(part))
    return list(dict.fromkeys(out))


def parse(args: list[str], verb: str) -> Parsed:
    """The requests of ``args`` (``TYPE [NAME...]`` or ``TYPE/NAME...``)."""
    if not args:
        raise ConfigError(
            f"You must specify the type of resource to {verb}. Use \"tinykube kubectl "
            "api-resources\" for a complete list of supported resources.")
    if any("/" in a for a in args):
        return _slashed(args)
    types = kinds_of(args[0])
    names = args[1:]
    if not names:
        return Parsed(tuple(Request(k) for k in types))
    return Parsed(tuple(Request(k, n) for k in types for n in names))


def _slashed(args: list[str]) -> Parsed:
    requests: list[Request] = []
    for arg in args:
        kind_word, sep, name = arg.partition("/")
        if not sep or not name:
            raise ConfigError(
                "there is no need to specify a resource type as a separate argument when "
                "passing arguments in resource/name form (e.g. 'tinykube get "
                "resource/<resource_name>' instead of 'tinykube get resource "
                "resource/<resource_name>'")
        requests.append(Request(lookup(kind_word), name))
    return Parsed(tuple(requests))
