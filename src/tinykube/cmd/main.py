"""The ``tinykube`` command: start, stop, locate and enter a cluster.

    tinykube up [-d|--detach] [--data-dir DIR] [--port 6443] [--address 127.0.0.1]
                [--store sqlite|memory] [--node-name NAME]
                [--publish-address ADDR]... [--dns-upstream ADDR[:PORT]]...
                [--lb-pool RANGES]
    tinykube down [--data-dir DIR]
    tinykube status [--data-dir DIR] [-o json]
    tinykube shell [--data-dir DIR] [--node NAME] [-- CMD...]
    tinykube kubeconfig [--data-dir DIR]
    tinykube version [--data-dir DIR]
    tinykube VERB ...      kubectl-like verbs (get, apply, exec, logs, ...): ``cli.app``

Every failure a user can cause (a bad flag, an unusable data dir, a port in use, a
cluster already running) is one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import sys
from typing import NoReturn, TextIO

from tinykube import KUBERNETES_VERSION, __version__
from tinykube.cmd import probe
from tinykube.cmd.addresses import LB_POOL
from tinykube.cmd.datadir import ENV_VAR, DataDir
from tinykube.cmd.kubeconfig import server_of
from tinykube.cmd.options import DEFAULT_NODE, UpOptions
from tinykube.cmd.running import running_pid
from tinykube.errors import ClusterNotRunning, ConfigError, TinykubeError

PROG = "tinykube"
COMMANDS = frozenset({"up", "down", "status", "shell", "kubeconfig", "version"})
_NODE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line and exit 1 (not usage text and exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{PROG}: {message} (see `{self.prog} --help`)\n")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: not a number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value}: must be 1-65535")
    return value


def _node_name(text: str) -> str:
    if not _NODE_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"invalid node name {text!r}: lower-case letters, digits and '-', at most 40")
    return text


def _publish_address(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid publish address {text!r}: an IPv4 address of this machine, e.g. "
            "0.0.0.0 for all of them") from None


def _dns_upstream(text: str) -> str:
    from tinykube.dns.upstreams import parse

    try:
        parse(text)
    except TinykubeError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text.strip()


def _lb_pool(text: str) -> str:
    from tinykube.controllers.ippool import IPPool

    try:
        IPPool(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"invalid LoadBalancer pool {text!r}: {e}") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where the cluster keeps its state (default: ${ENV_VAR} or ~/.local/share/tinykube)",
    )
    parser = _Parser(prog=PROG, description="Kubernetes Service networking on one machine.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    up = sub.add_parser("up", parents=[common], help="start a cluster (foreground unless -d)")
    up.add_argument("-d", "--detach", action="store_true",
                    help="run in the background; return once the API answers")
    up.add_argument("--port", type=_port, default=6443, help="API port (default 6443)")
    up.add_argument("--address", default="127.0.0.1",
                    help="API listen address (default 127.0.0.1)")
    up.add_argument("--store", choices=("sqlite", "memory"), default="sqlite",
                    help="sqlite (default, in the data dir) or memory (lost on exit)")
    up.add_argument("--node-name", type=_node_name, default=DEFAULT_NODE,
                    help=f"the node's name and network namespace (default {DEFAULT_NODE})")
    up.add_argument("--publish-address", type=_publish_address, action="append", default=[],
                    metavar="ADDR", help="also publish NodePorts on this host address "
                    "(repeatable; 127.0.0.1 always)")
    up.add_argument("--dns-upstream", type=_dns_upstream, action="append", default=[],
                    metavar="ADDR[:PORT]", help="where the cluster DNS forwards names "
                    "outside the cluster (repeatable; default: the host's resolvers)")
    up.add_argument("--lb-pool", type=_lb_pool, default=LB_POOL, metavar="RANGES",
                    help=f"LoadBalancer ingress IPs: ranges or CIDRs, comma-separated "
                    f"(default {LB_POOL}, on the host's loopback)")
    up.add_argument("-v", "--verbose", action="count", default=0,
                    help="log more (-v info, -vv debug)")
    up.add_argument("--child", action="store_true", help=argparse.SUPPRESS)

    sub.add_parser("down", parents=[common], help="stop the cluster running on the data dir")
    status = sub.add_parser("status", parents=[common],
                            help="every component, the node, DNS and counts; exit 1 when "
                            "something is not well")
    status.add_argument("-o", "--output", choices=("text", "json"), default="text",
                        help="text (default) or json")
    shell = sub.add_parser("shell", parents=[common],
                           help="a shell (or CMD) inside the node, with cluster DNS (root)")
    shell.add_argument("--node", metavar="NAME", help="which node (default: the only one)")
    shell.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD",
                       help="the command to run (default sh)")
    sub.add_parser("kubeconfig", parents=[common], help="print the path of the kubeconfig")
    sub.add_parser("version", parents=[common], help="print versions")
    parser.epilog = ("Also kubectl-like verbs for the cluster: tinykube get|apply|create|"
                     "describe|delete|scale|expose|run|exec|logs|rollout|wait|kubectl ...")
    return parser


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if _is_verb(words):
        from tinykube.cli import app

        return app.main(words)
    args = build_parser().parse_args(words)
    try:
        return _run(args, sys.stdout)
    except TinykubeError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _is_verb(words: list[str]) -> bool:
    """A kubectl-like verb (``get``, ``-n qa get``): not one of this parser's commands."""
    for word in words:
        if word == "--":
            return False
        if not word.startswith("-"):
            return word not in COMMANDS
        if word in ("-h", "--help"):
            return False
    return False


def _run(args: argparse.Namespace, out: TextIO) -> int:
    data_dir = DataDir.resolve(args.data_dir, os.environ)
    if args.command == "up":
        return _up(args, data_dir, out)
    if args.command == "down":
        from tinykube.cmd.down import down

        return down(data_dir, out)
    if args.command == "status":
        from tinykube.cmd.status.command import status

        hint = "tinykube up -d" + (f" --data-dir {data_dir.root}" if args.data_dir else "")
        return status(data_dir, out, sys.stderr, output=args.output, start_hint=hint)
    if args.command == "shell":
        from tinykube.cmd.shell import shell

        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return shell(data_dir, args.node, command)
    if args.command == "kubeconfig":
        return _kubeconfig(data_dir, out)
    return _version(data_dir, out)


def _up(args: argparse.Namespace, data_dir: DataDir, out: TextIO) -> int:
    opts = UpOptions(data_dir, args.address, args.port, args.store, child=args.child,
                     verbose=args.verbose, node_name=args.node_name,
                     publish_addresses=tuple(args.publish_address),
                     dns_upstreams=tuple(args.dns_upstream), lb_pool=args.lb_pool)
    _configure_logging(args.verbose)
    if args.detach:
        from tinykube.cmd.detach import detach

        return detach(opts, out)
    from tinykube.cmd.up import up

    return up(opts, out)


def _kubeconfig(data_dir: DataDir, out: TextIO) -> int:
    if not data_dir.kubeconfig.exists():
        raise ConfigError(
            f"no kubeconfig in {data_dir.root}: start a cluster there with `tinykube up`"
        )
    print(data_dir.kubeconfig, file=out)
    return 0


def _version(data_dir: DataDir, out: TextIO) -> int:
    print(f"tinykube {__version__} (Kubernetes API {KUBERNETES_VERSION})", file=out)
    if running_pid(data_dir) is None:
        return 0
    server = server_of(data_dir.kubeconfig)
    try:
        answer = probe.get(server, "/version", ca_file=data_dir.ca_file, token=data_dir.token())
        git_version = answer.json().get("gitVersion", "?")
    except (OSError, ValueError) as e:
        raise ClusterNotRunning(f"the cluster at {server} does not answer: {e}") from e
    print(f"server {server}: {git_version}", file=out)
    return 0


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


if __name__ == "__main__":
    sys.exit(main())
