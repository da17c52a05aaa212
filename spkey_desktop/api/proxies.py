"""Which proxy, if any, carries the requests to the API server.

The environment's conventions, as curl and most tools read them:

* ``https_proxy`` / ``HTTPS_PROXY`` for https:// addresses, ``http_proxy`` /
  ``HTTP_PROXY`` for http://, and ``all_proxy`` / ``ALL_PROXY`` for either when
  the scheme's own variable is not set. The lower-case spelling wins when both
  are set; an empty value counts as unset.
* ``no_proxy`` / ``NO_PROXY``: comma- or space-separated entries, each ``*``
  (no proxy at all), a domain (``example.com`` and ``.example.com`` both match
  the domain and every host under it), an IP address, a network in CIDR
  notation (``10.0.0.0/8``, ``fd00::/8``), any of them with ``:PORT`` to match
  that port only. httpx does not understand CIDR entries, hence this module.
  A CIDR entry matches a server given by IP address; a host name is not
  resolved to check it, as curl does not either.

A server on this computer (loopback) is always reached directly: a plain-http
key must never leave the machine, not even to a proxy.

A value that cannot be used is a warning in the log (with any password in it
replaced) and is ignored; the app keeps working, directly or through the next
variable that applies.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping

import httpx

from .redaction import LOGGER_NAME, REDACTED
from .urls import is_loopback_host, is_valid_host

log = logging.getLogger(LOGGER_NAME)

SUPPORTED_PROXY_SCHEMES = ("http", "https")

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_DEFAULT_PORTS = {"http": 80, "https": 443}


def environment_value(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(variable, value) of the lower- or upper-case ``name``, lower case first;
    None when neither is set to something."""
    for variable in (name.lower(), name.upper()):
        value = environ.get(variable, "").strip()
        if value:
            return variable, value
    return None


def proxy_for(url: httpx.URL, environ: Mapping[str, str]) -> httpx.URL | None:
    """The proxy to reach ``url`` through, or None to connect directly."""
    if is_loopback_host(url.host):
        return None
    no_proxy = environment_value(environ, "no_proxy")
    if no_proxy is not None and bypasses_proxy(url, no_proxy[1]):
        log.debug("%s is in %s: no proxy", url.host, no_proxy[0])
        return None

    for name in (f"{url.scheme}_proxy", "all_proxy"):
        found = environment_value(environ, name)
        if found is None:
            continue
        variable, value = found
        proxy, problem = parse_proxy_url(value)
        if proxy is not None:
            log.debug("Reaching %s through the proxy %s", url.host, _shown(value))
            return proxy
        log.warning(
            "The proxy setting %s=%s is ignored: %s.", variable, _shown(value), problem
        )
    return None


def parse_proxy_url(value: str) -> tuple[httpx.URL | None, str]:
    """The proxy address in ``value`` (``host:port`` means http://), or None
    and why it cannot be used."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        # httpx quotes the address in some messages; the password must not
        # reach the log through it.
        return None, f"it is not a valid address ({_shown(str(error))})"

    if url.scheme not in SUPPORTED_PROXY_SCHEMES:
        return None, (
            f"{url.scheme}:// proxies are not supported, only http:// and https://"
        )
    if not url.host or not is_valid_host(url.raw_host.decode("ascii", "replace")):
        return None, "it names no valid host"
    if url.port is not None and not 0 < url.port < 65536:
        return None, f"the port {url.port} is out of range"
    if url.path not in ("", "/") or url.query or url.fragment:
        return None, "a proxy address is only scheme, host and port"
    return url, ""


def bypasses_proxy(url: httpx.URL, no_proxy: str) -> bool:
    """Whether an entry of a NO_PROXY value matches the host (and port) of ``url``."""
    host = url.host.strip("[]").rstrip(".").lower()
    port = url.port or _DEFAULT_PORTS.get(url.scheme)
    address = _ip(host)
    for entry in filter(None, re.split(r"[\s,]+", no_proxy)):
        if entry == "*":
            return True
        pattern, wanted_port = _split_port(entry.lower())
        if wanted_port is not None and wanted_port != port:
            continue
        if _matches(pattern, host, address, entry):
            return True
    return False


def _matches(pattern: str, host: str, address: _IP | None, entry: str) -> bool:
    if "/" in pattern:
        try:
            network = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            log.warning("The NO_PROXY entry %r is not a valid network; ignored.", entry)
            return False
        return (
            address is not None
            and address.version == network.version
            and (address in network)
        )
    pattern_address = _ip(pattern)
    if pattern_address is not None:
        return address is not None and address == pattern_address
    domain = pattern.removeprefix("*").lstrip(".").rstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _split_port(entry: str) -> tuple[str, int | None]:
    """("host", port) from "host:port", "[v6]:port", "1.2.3.4:port"; a bare IPv6
    address or CIDR keeps its colons."""
    if entry.startswith("["):
        address, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return address, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        if port.isdigit():
            return name, int(port)
    return entry, None


def _ip(text: str) -> _IP | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _shown(value: str) -> str:
    """A proxy address (or a message quoting one) fit for the log: everything
    before its last "@" replaced, since a malformed address cannot be split
    into user, password and host reliably."""
    scheme, separator, rest = value.partition("://")
    if not separator:
        scheme, rest = "", value
    at = rest.rfind("@")
    if at != -1:
        rest = f"{REDACTED}@{rest[at + 1 :]}"
    return f"{scheme}{separator}{rest}"
