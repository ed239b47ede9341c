"""``tinykube status [-o json]``: look, judge, print; exit 0 only when all is well.

Text goes to stdout and the reasons for a non-zero exit to stderr, one line, so
``tinykube status >/dev/null || ...`` still tells a user why. With no cluster running
the stderr line (how to start one) is all there is, except with ``-o json``, which
always prints the document.
"""

from __future__ import annotations

import json
import os
from typing import TextIO

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.status import render, verdict
from tinykube.cmd.status.observe import observe
from tinykube.errors import ConfigError

PROG = "tinykube"


def status(data_dir: DataDir, out: TextIO, err: TextIO, *, output: str = "text",
           start_hint: str = "tinykube up -d") -> int:
    try:
        facts = observe(data_dir, root=os.geteuid() == 0)
    except PermissionError as e:
        raise ConfigError(f"cannot look into data dir {data_dir.root}: {e.strerror}; run "
                          "status as the user that started the cluster (e.g. with sudo)"
                          ) from e
    report = verdict.judge(facts, start_hint)
    if output == "json":
        out.write(json.dumps(render.as_json(facts, report), indent=2) + "\n")
    elif facts.pid is not None:
        out.write(render.text(report))
    out.flush()
    if report.healthy:
        return 0
    if facts.pid is None:
        print(f"{PROG}: {report.problems[0]}", file=err)
    else:
        print(f"{PROG}: not healthy: {'; '.join(report.problems)}", file=err)
    return 1
