"""``python -m tinykube.cli VERB ...``: the kubectl-like verbs without going through ``cmd``."""

import sys

from tinykube.cli.app import main

sys.exit(main(sys.argv[1:]))
