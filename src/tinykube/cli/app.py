"""The kubectl-like verbs of ``tinykube``: parse, run, and turn failures into words.

``main(argv)`` takes the words after ``tinykube`` (``["get", "svc", "-o", "wide"]``) and
returns the exit status: 0 on success, 1 on any failure, whose message is printed the way
kubectl prints it (``cli.failures``); the command-line entry point (``cmd.main``) hands it
every verb in ``VERBS``. Flags may come before the verb (``tinykube -n qa get svc``) or
after it, and ``--`` ends the flags (``exec web-0 -- sh -c hostname``). ``kubectl ARGS``
skips parsing altogether. Each verb's flags and work live in ``cli.verbs``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import NoReturn, TextIO

from tinykube.cli import failures
from tinykube.cli.session import DEFAULT_NAMESPACE, Session, kubeconfig_path
from tinykube.cli.verbs import (
    apply,
    create,
    delete,
    describe,
    expose,
    get,
    kubectl,
    logs,
    rollout,
    run,
    scale,
    wait,
)
from tinykube.cli.verbs import exec as exec_verb
from tinykube.errors import ClusterNotRunning, TinykubeError

PROG = "tinykube"
_MODULES = {
    "apply": apply, "create": create, "get": get, "describe": describe, "delete": delete,
    "scale": scale, "expose": expose, "run": run, "exec": exec_verb, "logs": logs,
    "rollout": rollout, "wait": wait,
}
VERBS: frozenset[str] = frozenset({*_MODULES, "kubectl"})


class _Parser(argparse.ArgumentParser):
    """argparse whose mistakes are one ``error:`` line and exit status 1."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


class _UsageError(Exception):
    pass


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    """One parser per verb (kubectl lets flags and arguments mix, which argparse only does
    without subparsers: ``parse_intermixed_args``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-n", "--namespace", help="the namespace (default: default)")
    common.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, else "
                                             "the tinykube data dir's)")
    common.add_argument("--data-dir", help="tinykube data dir whose kubeconfig to use")
    parsers: dict[str, argparse.ArgumentParser] = {}

    class _Collector:
        def add_parser(self, name: str, *, parents: list[argparse.ArgumentParser],
                       help: str = "", usage: str | None = None) -> argparse.ArgumentParser:
            parser = _Parser(prog=f"{PROG} {name}", parents=parents, description=help,
                             usage=usage)
            parsers[name] = parser
            return parser

    collector = _Collector()
    for module in _MODULES.values():
        module.add_parser(collector, [common])
    return parsers


def usage() -> str:
    verbs = ", ".join(sorted(VERBS))
    return (f"usage: {PROG} VERB [ARGS...]\n\nkubectl-like verbs for a tinykube cluster: "
            f"{verbs}.\nSee `{PROG} VERB --help`.\n")


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run one verb; its exit status."""
    words = _verb_first(list(sys.argv[1:] if argv is None else argv))
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if words and words[0] == "kubectl":
        return _guarded(lambda: kubectl.run(_session(None, out, err, stdin), words[1:]), err)
    return _guarded(lambda: asyncio.run(amain(words, stdout=out, stderr=err, stdin=stdin)),
                    err)


async def amain(argv: list[str], *, stdout: TextIO, stderr: TextIO,
                stdin: TextIO | None = None) -> int:
    """``main`` inside a running event loop (no ``kubectl`` passthrough)."""
    words = _verb_first(argv)
    out, err = stdout, stderr
    if not words or words[0] not in _MODULES:
        helping = bool(words) and words[0] in ("-h", "--help")
        (out if helping or not words else err).write(usage())
        return 0 if helping else 1
    flags, command = _split_command(words[1:])
    try:
        args = build_parsers()[words[0]].parse_intermixed_args(flags)
    except _UsageError as e:
        err.write(f"error: {e}\n")
        return 1
    except SystemExit as e:  # --help
        return int(e.code or 0)
    args.verb = words[0]
    args.command = command
    session = _session(args, out, err, stdin)
    try:
        return await _run(session, args)
    except TinykubeError as e:
        err.write(failures.describe(e) + "\n")
        return 1


def _guarded(work: object, err: TextIO) -> int:
    assert callable(work)
    try:
        return int(work())
    except TinykubeError as e:
        err.write(failures.describe(e) + "\n")
        return 1
    except KeyboardInterrupt:
        return 130


async def _run(s: Session, args: argparse.Namespace) -> int:
    try:
        return int(await _MODULES[args.verb].run(s, args))
    except ClusterNotRunning as e:
        raise s.not_running(e) from e
    finally:
        await s.close()


def _session(args: argparse.Namespace | None, out: TextIO, err: TextIO,
             stdin: TextIO | None) -> Session:
    ns = getattr(args, "namespace", None)
    path = kubeconfig_path(getattr(args, "kubeconfig", None), os.environ,
                           getattr(args, "data_dir", None))
    return Session(path, ns or DEFAULT_NAMESPACE, explicit_namespace=bool(ns), out=out,
                   err=err, stdin=stdin or sys.stdin)


def _verb_first(words: list[str]) -> list[str]:
    """``-n qa get svc`` as ``get -n qa svc``: global flags may precede the verb."""
    for i, word in enumerate(words):
        if word == "--":
            break
        if word in VERBS:
            return [word, *words[:i], *words[i + 1:]] if i else words
    return words


def _split_command(words: list[str]) -> tuple[list[str], list[str]]:
    if "--" in words:
        at = words.index("--")
        return words[:at], words[at + 1:]
    return words, []
