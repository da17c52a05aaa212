"""Checking the configured server address before any key is sent to it.

``check_base_url`` is the one rule for server addresses: the client applies it
before sending anything, and ``settings.base_url_problem`` (``profile add``,
the Connections dialog, the settings file) applies the very same function.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from spkey_desktop.urls import is_loopback_host

from .errors import InsecureUrlError

__all__ = ["check_base_url", "is_loopback_host", "is_valid_host"]

# A DNS name (IDNs arrive punycoded), an IPv4 address, or an IPv6 literal.
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|[0-9A-Fa-f:.]+")

_EXAMPLE = "https://api.example.com"


def is_valid_host(raw_host: str) -> bool:
    """True for a DNS name, an IPv4 address or an IPv6 literal (as in a URL)."""
    return _HOST.fullmatch(raw_host) is not None


def check_base_url(base_url: str) -> httpx.URL:
    """The server address as a URL with no trailing slash, or InsecureUrlError
    whose text is a sentence saying what to change.

    Refused: anything but http/https; ``http://`` to another computer (the API
    key would cross the network in clear text); a user name or password in the
    address (it would end up in logs); a query or fragment, even an empty one
    (httpx drops a bare "?" or "#", and every API path glued after it would go
    to "/"); a port outside 1-65535; a host name that is not one, or that ends
    with a dot.
    """
    shown = base_url.strip()
    if "?" in shown or "#" in shown:
        raise InsecureUrlError(
            "The server address must not contain '?' or '#' (a query or a "
            "fragment), not even at its end: every request would go to the wrong "
            f"place. Enter only the scheme, host and path, like {_EXAMPLE}."
        )
    port = _bad_port(shown)
    if port is not None:
        which = f"port {port}" if port else "port after the colon"
        raise InsecureUrlError(
            f"The {which} in the server address is not valid: a port is a number "
            "from 1 to 65535, like the 8443 in https://api.example.com:8443. "
            "Correct the port, or leave it out."
        )
    try:
        url = httpx.URL(shown)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InsecureUrlError(
            f"The server address is not a valid web address. Enter it like {_EXAMPLE}."
        ) from None

    if url.scheme not in ("http", "https") or not url.host:
        raise InsecureUrlError(
            "The server address must start with https:// followed by a host name, "
            f"like {_EXAMPLE}."
        )
    raw_host = url.raw_host.decode("ascii", "replace")
    if not is_valid_host(raw_host):
        raise InsecureUrlError(
            "The server address does not contain a valid host name (letters, "
            f"digits, dots and dashes). Enter it like {_EXAMPLE}."
        )
    if raw_host.endswith("."):
        raise InsecureUrlError(
            f'The host name in the server address ends with a dot ("{raw_host}"), '
            "which not every computer resolves. Remove the final dot."
        )
    if url.userinfo:
        raise InsecureUrlError(
            "The server address must not contain a user name or password. Remove "
            "them from the address; the API key is entered separately and kept in "
            "the keychain."
        )
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise InsecureUrlError(
            f"The server address uses unencrypted http:// to {url.host}, which would "
            "send the API key in clear text. Use an https:// address; plain http:// "
            "is only allowed for a server on this computer (localhost, 127.0.0.1, "
            "::1)."
        )

    return url.copy_with(path=url.path.rstrip("/"))


def _bad_port(address: str) -> str | None:
    """The port written in ``address`` when it is not one from 1 to 65535:
    the number, or "" when it is not a number (which is not repeated: after
    a colon may stand a password typed without its "@host")."""
    try:
        authority = urlsplit(address).netloc
    except ValueError:
        return None  # not a URL at all: the checks after this one say so
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):  # an IPv6 literal: [::1]:8787
        port = host_port.partition("]")[2].removeprefix(":")
    else:
        port = host_port.partition(":")[2]
    if not port:
        return None
    if not (port.isascii() and port.isdigit()):
        return ""
    if 0 < int(port) < 65536:
        return None
    return port if len(port) <= 12 else port[:11] + "…"
