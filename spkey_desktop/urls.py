"""Which hosts are this computer: one pure rule, shared by every caller.

Plain ``http://`` sends the API key and the JWT in clear text, so it is allowed only
to this computer's own loopback addresses (the local server); anything else must
use ``https://``. The whole rule for a server address, which uses this one, is
``spkey_desktop.api.urls.check_base_url`` (``settings.base_url_problem`` for a
sentence instead of an exception).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` (also IPv4-mapped)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_loopback_url(url: str) -> bool:
    """True when ``url`` names a host on this computer's loopback interface."""
    host = _split(url).hostname
    return host is not None and is_loopback_host(host)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return urlsplit("")
    return parts
