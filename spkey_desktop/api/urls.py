"""Checking the configured server address before any key is sent to it."""

from __future__ import annotations

import ipaddress
import re

import httpx

from .errors import InsecureUrlError

# A DNS name (IDNs arrive punycoded), an IPv4 address, or an IPv6 literal.
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|[0-9A-Fa-f:.]+")


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (an address of this computer)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_base_url(base_url: str) -> httpx.URL:
    """The server address as a URL with no trailing slash, or InsecureUrlError.

    Refused: anything but http/https; ``http://`` to another computer (the API
    key would cross the network in clear text); a user name or password in the
    address (it would end up in logs); a query or fragment (it has no meaning
    for a base address and would be glued onto every path).
    """
    shown = base_url.strip()
    try:
        url = httpx.URL(shown)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InsecureUrlError(
            "The server address is not a valid web address. Enter it like "
            "https://api.example.com in Settings."
        ) from None

    if url.scheme not in ("http", "https") or not url.host:
        raise InsecureUrlError(
            "The server address must start with https:// followed by a host name, "
            "like https://api.example.com. Correct it in Settings."
        )
    if not _HOST.fullmatch(url.raw_host.decode("ascii", "replace")):
        raise InsecureUrlError(
            "The server address does not contain a valid host name. Enter it like "
            "https://api.example.com in Settings."
        )
    if url.userinfo:
        raise InsecureUrlError(
            "The server address must not contain a user name or password. Remove "
            "them from the address in Settings; the API key is entered separately."
        )
    if url.query or url.fragment:
        raise InsecureUrlError(
            "The server address must not contain '?' or '#' parts. Enter only the "
            "scheme, host and path, like https://api.example.com."
        )
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise InsecureUrlError(
            f"The server address uses unencrypted http:// to {url.host}, which would "
            "send the API key in clear text. Use an https:// address; plain http:// "
            "is only allowed for a server on this computer (localhost)."
        )

    return url.copy_with(path=url.path.rstrip("/"))
