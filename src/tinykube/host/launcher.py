"""The first thing a container runs: enter its namespaces, arrange its files, exec its command.

``process.py`` starts ``python -I -S launcher.py <options> -- <command...>`` with the
container's environment, working directory already decided and output already redirected.
This script, standard library only so it starts in ~10 ms, then

- joins a network namespace (``--net PATH``) or every namespace of a running process
  (``--join PID``: net, uts, ipc and mnt, for exec and exec probes);
- otherwise gets a new UTS namespace with the pod's hostname (``--hostname``) and a private
  mount namespace in which files are bind-mounted over host paths (``--bind SRC DST``,
  ``--bind-ro SRC DST``), so the container sees its own ``/etc/resolv.conf`` and
  ``/etc/hosts`` while the host's files never change. A target that does not exist on the
  host (``/var/run/secrets/...``) is made inside an overlay on its nearest existing
  ancestor, whose upper layer lives in ``--scratch DIR``: the host's tree is not written;
- makes its terminal the controlling one (``--tty``), changes to ``--cwd`` and execs.

A failure before exec is printed on stderr (the container's log) and exits 125; a command
that cannot be executed exits 127 (not found) or 126 (not executable), as shells do.
"""

from __future__ import annotations

import fcntl
import os
import sys
import termios

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tinykube.host import nsexec
else:  # loaded by path: a container starts without tinykube (or dataclasses) imported
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import nsexec

SETUP_FAILED = 125
NOT_EXECUTABLE = 126
NOT_FOUND = 127


class Options:
    def __init__(self) -> None:
        self.net: str | None = None
        self.join: int | None = None
        self.hostname: str | None = None
        self.binds: list[tuple[str, str, bool]] = []
        self.scratch: str | None = None
        self.cwd: str | None = None
        self.tty = False
        self.argv: list[str] = []


def parse(args: list[str]) -> Options:
    opts = Options()
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            opts.argv = args[i + 1:]
            break
        if a in ("--bind", "--bind-ro"):
            opts.binds.append((args[i + 1], args[i + 2], a == "--bind-ro"))
            i += 3
            continue
        if a == "--tty":
            opts.tty = True
        elif a == "--net":
            opts.net = args[i + 1]
        elif a == "--join":
            opts.join = int(args[i + 1])
        elif a == "--hostname":
            opts.hostname = args[i + 1]
        elif a == "--scratch":
            opts.scratch = args[i + 1]
        elif a == "--cwd":
            opts.cwd = args[i + 1]
        else:
            raise ValueError(f"unknown option {a!r}")
        i += 1 if a == "--tty" else 2
    if not opts.argv:
        raise ValueError("no command after --")
    return opts


def join(pid: int) -> None:
    """Enter every namespace of ``pid`` that differs from ours (mnt last: it moves paths)."""
    fds = {}
    for name in ("net", "uts", "ipc", "mnt"):
        theirs = f"/proc/{pid}/ns/{name}"
        if os.stat(theirs).st_ino != os.stat(f"/proc/self/ns/{name}").st_ino:
            fds[name] = os.open(theirs, os.O_RDONLY | os.O_CLOEXEC)
    for name, fd in fds.items():
        nsexec.setns(fd, nsexec.NS_FILES[name])
        os.close(fd)


def isolate(opts: Options) -> None:
    flags = 0
    if opts.hostname is not None:
        flags |= nsexec.CLONE_NEWUTS
    if opts.binds:
        flags |= nsexec.CLONE_NEWNS
    if flags:
        nsexec.unshare(flags)
    if opts.hostname is not None:
        nsexec.sethostname(opts.hostname)
    if opts.binds:
        nsexec.mount(None, "/", None, nsexec.MS_REC | nsexec.MS_PRIVATE)
        overlaid: set[str] = set()
        for source, target, readonly in opts.binds:
            bind(source, target, readonly, opts.scratch, overlaid)


def bind(source: str, target: str, readonly: bool, scratch: str | None,
         overlaid: set[str]) -> None:
    real = os.path.realpath(target)
    if not os.path.lexists(real):
        make_target(real, os.path.isdir(source), scratch, overlaid)
    nsexec.mount(source, real, None, nsexec.MS_BIND | nsexec.MS_REC)
    if readonly:
        nsexec.mount(None, real, None,
                     nsexec.MS_BIND | nsexec.MS_REMOUNT | nsexec.MS_RDONLY | nsexec.MS_REC)


def make_target(path: str, is_dir: bool, scratch: str | None, overlaid: set[str]) -> None:
    """Create ``path`` without writing the host's tree: inside an overlay of an ancestor."""
    base = os.path.dirname(path)
    while not os.path.isdir(base):
        base = os.path.dirname(base)
    if base == "/" or scratch is None:
        raise OSError(f"cannot create {path}: no scratch dir or no ancestor to overlay")
    if base not in overlaid and not _under(base, overlaid):
        overlay(base, scratch, len(overlaid))
        overlaid.add(base)
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))


def overlay(base: str, scratch: str, n: int) -> None:
    upper, work = os.path.join(scratch, f"upper{n}"), os.path.join(scratch, f"work{n}")
    os.makedirs(upper, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    try:
        nsexec.mount("overlay", base, "overlay", 0,
                     f"lowerdir={base},upperdir={upper},workdir={work}")
    except OSError:
        # No overlayfs (or an unsupported lower): an empty tmpfs still makes the path.
        nsexec.mount("tmpfs", base, "tmpfs", nsexec.MS_NOSUID | nsexec.MS_NODEV, "mode=755")


def _under(path: str, roots: set[str]) -> bool:
    return any(path.startswith(r.rstrip("/") + "/") for r in roots)


def controlling_tty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def main(args: list[str]) -> int:
    try:
        opts = parse(args)
        if opts.join is not None:
            join(opts.join)
        elif opts.net is not None:
            nsexec.enter_netns(opts.net)
        if opts.join is None:
            isolate(opts)
        if opts.tty:
            controlling_tty()
        os.chdir(opts.cwd or "/")
    except (OSError, ValueError, IndexError) as e:
        print(f"tinykube: cannot start the container: {e}", file=sys.stderr, flush=True)
        return SETUP_FAILED
    try:
        os.execvp(opts.argv[0], opts.argv)
    except FileNotFoundError:
        print(f'exec: "{opts.argv[0]}": executable file not found in $PATH', file=sys.stderr,
              flush=True)
        return NOT_FOUND
    except OSError as e:
        print(f'exec: "{opts.argv[0]}": {e.strerror}', file=sys.stderr, flush=True)
        return NOT_EXECUTABLE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
