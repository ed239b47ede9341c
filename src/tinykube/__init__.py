"""tinykube: Kubernetes Service networking on one Linux machine."""

__version__ = "0.1.0"
KUBERNETES_VERSION = "v1.32.4"
