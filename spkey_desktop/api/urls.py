"""Checking the configured server address before any key is sent to it."""

from __future__ import annotations

import re

import httpx

from spkey_desktop.urls import is_loopback_host

from .errors import InsecureUrlError

__all__ = ["check_base_url", "is_loopback_host", "is_valid_host"]

# A DNS name (IDNs arrive punycoded), an IPv4 address, or an IPv6 literal.
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|[0-9A-Fa-f:.]+")


def is_valid_host(raw_host: str) -> bool:
    """True for a DNS name, an IPv4 address or an IPv6 literal (as in a URL)."""
    return _HOST.fullmatch(raw_host) is not None


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
    if not is_valid_host(url.raw_host.decode("ascii", "replace")):
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
