"""The API port: checked before anything starts, so a clash is one clear line, not a traceback."""

from __future__ import annotations

import errno
import socket
import ssl

from tinykube.errors import ConfigError

_BIND_ERRNOS = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES})


def in_use_message(port: int) -> str:
    return f"port {port} is in use: is another tinykube running? try --port"


def check_free(address: str, port: int) -> None:
    """Raise ``ConfigError`` if ``address:port`` cannot be listened on right now."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError as e:
            raise as_config_error(e, address, port) from e


def is_bind_error(e: OSError) -> bool:
    """True for the errors of listening on an address (not, say, a bad certificate)."""
    return not isinstance(e, ssl.SSLError) and e.errno in _BIND_ERRNOS


def as_config_error(e: OSError, address: str, port: int) -> ConfigError:
    """The user's words for a failed bind."""
    if e.errno == errno.EADDRINUSE:
        return ConfigError(in_use_message(port))
    if e.errno == errno.EADDRNOTAVAIL:
        return ConfigError(f"cannot listen on {address}: no such address on this machine")
    if e.errno == errno.EACCES:
        return ConfigError(f"cannot listen on port {port}: permission denied; try --port")
    return ConfigError(f"cannot listen on {address}:{port}: {e.strerror or e}")


def free_port(address: str = "127.0.0.1") -> int:
    """A port nobody listens on now (for tests and benchmarks that start their own cluster)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        port: int = s.getsockname()[1]
        return port
