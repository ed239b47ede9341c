"""The one compiled part: the host publisher's forwarding loop (``proxy/_forwarding.c``).

Optional: where it cannot be built (no compiler or Python headers) the install goes on
and the publisher uses its pure-Python forwarder (``proxy/forward.py``) instead.
Everything else about the package is in ``pyproject.toml``.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "tinykube.proxy._forwarding", ["src/tinykube/proxy/_forwarding.c"],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
                        "-Wno-missing-field-initializers"],
    optional=True,
)])
