"""ClusterIP and NodePort allocation for Services, as kube-apiserver does it.

``ServiceAllocator`` is the one entry point the API server uses (see ``services``);
``ipallocator`` and ``portallocator`` are the two bitmap pools with Kubernetes'
static/dynamic bands, ``prepare`` the pre-validation steps of a Service update, and
``Transaction`` the commit/revert handle of one write.
"""

from tinykube.apiserver.allocation.ipallocator import IPAllocator
from tinykube.apiserver.allocation.portallocator import PortAllocator
from tinykube.apiserver.allocation.services import (
    DEFAULT_NODE_PORTS,
    DEFAULT_SERVICE_CIDR,
    ServiceAllocator,
)
from tinykube.apiserver.allocation.transaction import Transaction

__all__ = [
    "DEFAULT_NODE_PORTS",
    "DEFAULT_SERVICE_CIDR",
    "IPAllocator",
    "PortAllocator",
    "ServiceAllocator",
    "Transaction",
]
