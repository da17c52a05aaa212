"""Which server addresses the app may talk to: one pure rule, shared by every caller.

Plain ``http://`` sends the API key and the JWT in clear text, so it is allowed only
to this computer's own loopback addresses (the local server); anything else must
use ``https://``.
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


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a server's base URL, as a sentence; None when it can."""
    parts = _split(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not a web address; it must start with https://."
    if parts.username is not None or parts.password is not None:
        # A password in the address would end up in the settings file.
        return (
            "The address must not contain a user name or password; "
            "credentials are kept in the keychain."
        )
    if parts.query or parts.fragment:
        return "The address must not contain a query (?…) or a fragment (#…)."
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return (
            f"Plain http:// to {parts.hostname} would send the credentials "
            "unencrypted; use https://, or http:// only to this computer "
            "(localhost, 127.0.0.1, ::1)."
        )
    return None


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return urlsplit("")
    return parts
