"""The API client: ``Client`` (async REST over aiohttp) and kubeconfig loading."""

from tinykube.client.rest import Client
from tinykube.machinery.listwatch import WatchEvent

__all__ = ["Client", "WatchEvent"]
