"""Whether a request came to this very server, and the console's callback on it.

The API console's consent round trip ends at `<origin>/console/callback`. The demo
institutions accept that address as a redirect_uri when `<origin>` is this server as the
connection reached it (a loopback name such as `localhost`, or the socket's own address
and port), without storing it anywhere: a Host header never becomes configuration, and a
forged one cannot make the consent pages send codes elsewhere.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web

from testbed.network.gateway import tenancy
from testbed.network.parties import FintechClient

CALLBACK_PATH: Final = "/console/callback"


def console_callback(request: web.Request) -> str:
    """`<origin>/console/callback` as this request names the origin."""
    return f"{request.scheme}://{request.host}{CALLBACK_PATH}"


def own_console_callback(request: web.Request, client: FintechClient, uri: str) -> bool:
    """Whether `uri` is this server's own console callback, for a shared (demo)
    institution: one the consent pages may send its codes to without registering it. A
    portal institution registers its redirect URIs itself (My Page)."""
    return (
        tenancy.tenant_of(client) == tenancy.SHARED
        and uri == console_callback(request)
        and own_origin(request)
    )


def own_origin(request: web.Request) -> bool:
    """True when the request's origin is this server as the connection reached it."""
    try:
        parts = urlsplit(f"//{request.host}")
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return False
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if not isinstance(sockname, tuple) or len(sockname) < 2:
        return False
    local_ip, local_port = str(sockname[0]), int(sockname[1])
    if (port or (443 if request.scheme == "https" else 80)) != local_port:
        return False
    try:
        local = ipaddress.ip_address(local_ip)
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return local.is_loopback
    try:
        return ipaddress.ip_address(host) == local
    except ValueError:
        return False
