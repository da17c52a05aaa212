"""Proxy settings from the environment: which proxy the client picks, and the
client's requests through a real forward proxy on loopback.

Going direct because of NO_PROXY is checked on the choice alone: a direct
connection to a host that is not on loopback would leave this machine, and a
loopback server is reached directly whatever the settings say.
"""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from spkey_desktop.api import ConnectionFailedError, Credentials, SpkeyClient
from spkey_desktop.api.proxies import bypasses_proxy, parse_proxy_url, proxy_for
from spkey_desktop.api.tls import trust_context

from ..helpers.api_fixtures import (
    API_KEY,
    TEST_HOST,
    TOKEN,
    MakeClient,
    Reply,
    ScriptedServer,
    TlsFiles,
)
from ..helpers.proxy_fixtures import ForwardProxy

SERVER = httpx.URL("https://api.example.com")
PROXY = "http://proxy.corp:3128"
USER = {"uuid": "u-1", "email": "a@example.com", "created_at": "2024-01-15T10:30:00Z"}


def chosen(url: str | httpx.URL, **environ: str) -> str | None:
    proxy = proxy_for(httpx.URL(url), environ)
    return None if proxy is None else str(proxy)


# --- which variable applies ----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
)
def test_https_servers_use_https_or_all_proxy_in_either_case(name: str) -> None:
    assert chosen(SERVER, **{name: PROXY}) == PROXY


def test_http_proxy_is_not_used_for_https() -> None:
    assert chosen(SERVER, HTTP_PROXY=PROXY, http_proxy=PROXY) is None
    assert chosen("http://api.example.com", HTTP_PROXY=PROXY) == PROXY


def test_lower_case_wins_and_the_scheme_beats_all_proxy() -> None:
    other = "http://other.corp:8080"
    assert chosen(SERVER, https_proxy=PROXY, HTTPS_PROXY=other) == PROXY
    assert chosen(SERVER, HTTPS_PROXY=PROXY, all_proxy=other) == PROXY
    assert chosen(SERVER, https_proxy="", HTTPS_PROXY=PROXY) == PROXY


def test_a_bare_host_and_port_means_http() -> None:
    assert chosen(SERVER, HTTPS_PROXY="proxy.corp:3128") == PROXY


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8443", "https://localhost", "https://[::1]:9"]
)
def test_this_computer_is_always_reached_directly(url: str) -> None:
    assert chosen(url, HTTPS_PROXY=PROXY, ALL_PROXY=PROXY) is None


# --- NO_PROXY ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "no_proxy", "direct"),
    [
        ("https://api.example.com", "example.com", True),
        ("https://api.example.com", ".example.com", True),
        ("https://api.example.com", "*.example.com", True),
        ("https://example.com", ".example.com", True),
        ("https://api.example.com", "api.example.com.", True),
        ("https://API.Example.COM", "api.example.com", True),
        ("https://notexample.com", "example.com", False),
        ("https://api.example.com", "other.com, example.org", False),
        ("https://api.example.com", "other.com example.com", True),
        ("https://api.example.com", "*", True),
        ("https://api.example.com", "example.com:443", True),
        ("https://api.example.com:8443", "example.com:443", False),
        ("https://api.example.com:8443", "example.com:8443", True),
        # IP addresses and networks (CIDR), which httpx does not understand.
        ("https://10.1.2.3", "10.1.2.3", True),
        ("https://10.1.2.3", "10.1.2.4", False),
        ("https://10.1.2.3", "10.0.0.0/8", True),
        ("https://10.1.2.3", "10.1.2.0/24", True),
        ("https://10.1.3.3", "10.1.2.0/24", False),
        ("https://172.20.0.5", "192.168.0.0/16,172.16.0.0/12", True),
        ("https://10.1.2.3", "10.1.2.3/8", True),  # host bits set: still a network
        ("https://[fd00::5]", "fd00::/8", True),
        ("https://[fe80::5]", "fd00::/8", False),
        ("https://[fd00::5]", "fd00::5", True),
        ("https://[fd00::5]:8443", "[fd00::5]:8443", True),
        ("https://[fd00::5]", "[fd00::5]:8443", False),
        ("https://10.1.2.3", "fd00::/8", False),
        ("https://10.1.2.3:8443", "10.0.0.0/8:8443", True),
        # A host name is not resolved to be checked against a network.
        ("https://api.example.com", "0.0.0.0/0", False),
    ],
)
def test_no_proxy_entries(url: str, no_proxy: str, direct: bool) -> None:
    assert bypasses_proxy(httpx.URL(url), no_proxy) is direct
    expected = None if direct else PROXY
    assert chosen(url, HTTPS_PROXY=PROXY, NO_PROXY=no_proxy) == expected
    assert chosen(url, https_proxy=PROXY, no_proxy=no_proxy) == expected


def test_lower_case_no_proxy_wins() -> None:
    both = {"HTTPS_PROXY": PROXY}
    assert chosen(SERVER, **both, no_proxy="example.com", NO_PROXY="x") is None
    assert chosen(SERVER, **both, no_proxy="x", NO_PROXY="example.com") == PROXY


def test_a_broken_network_entry_is_a_warning_and_the_rest_still_applies(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        direct = bypasses_proxy(httpx.URL("https://10.1.2.3"), "10.0.0.0/99,10.1.2.3")
    assert direct
    assert "10.0.0.0/99" in caplog.text


# --- values that cannot be used ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://user:hunter2-pw@proxy.corp:port", "not a valid address"),
        ("socks5://user:hunter2-pw@proxy.corp:1080", "socks5:// proxies"),
        ("http://user:hunter2-pw@[proxy.corp:3128", "no valid host"),
        ("http://user:hunter2-pw@proxy.corp:99999", "out of range"),
        ("http://user:hunter2-pw@proxy corp:3128", "no valid host"),
        ("http://user:hunter2-pw@proxy.corp:3128/path", "only scheme, host and port"),
        ("http://user:hunter2-pw@", "no valid host"),
    ],
)
def test_a_malformed_proxy_is_a_redacted_warning_not_a_crash(
    value: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    proxy, problem = parse_proxy_url(value)
    assert proxy is None
    assert why in problem

    with caplog.at_level(logging.WARNING):
        assert chosen(SERVER, HTTPS_PROXY=value) is None
        assert chosen(SERVER, HTTPS_PROXY=value, ALL_PROXY=PROXY) == PROXY
    assert "HTTPS_PROXY" in caplog.text
    assert why in caplog.text
    assert "hunter2-pw" not in caplog.text
    assert "[redacted]@" in caplog.text


async def test_a_client_with_a_malformed_proxy_setting_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:hunter2-pw@proxy.corp:port")
    with caplog.at_level(logging.WARNING):
        # Built, never used: with no usable proxy it would connect directly.
        client = SpkeyClient(f"https://{TEST_HOST}", lambda: Credentials(API_KEY))
        await client.aclose()
    assert "HTTPS_PROXY" in caplog.text
    assert "hunter2-pw" not in caplog.text


# --- through a real proxy ------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_proxy_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "all_proxy"])
async def test_requests_go_through_the_proxy_and_the_key_stays_inside_tls(
    tls_scripted_server: ScriptedServer,
    tls_files: TlsFiles,
    forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    forward_proxy.route(TEST_HOST, 443, tls_scripted_server.port)
    forward_proxy.required_authorization = (
        "Basic " + base64.b64encode(b"desk:proxy-pass").decode()
    )
    proxy_with_login = forward_proxy.url.replace("http://", "http://desk:proxy-pass@")
    monkeypatch.setenv(variable, proxy_with_login)
    monkeypatch.setenv("NO_PROXY", "example.com,10.0.0.0/8")
    tls_scripted_server.script(Reply.json(USER))

    async with SpkeyClient(
        f"https://{TEST_HOST}",
        lambda: Credentials(api_key=API_KEY, token=TOKEN),
        verify=trust_context(tls_files.ca_file),
    ) as api:
        user = await api.find_user_by_email("a@x")

    assert user.uuid == "u-1"
    assert [(r.method, r.target) for r in forward_proxy.records] == [
        ("CONNECT", f"{TEST_HOST}:443")
    ]
    # The proxy saw where to, and its own login; the API's credentials travelled
    # inside the TLS tunnel, to the server only.
    raw = forward_proxy.records[0].raw
    assert API_KEY.encode() not in raw
    assert TOKEN.encode() not in raw
    assert tls_scripted_server.requests[0].headers["x-api-key"] == API_KEY
    assert tls_scripted_server.requests[0].headers["host"] == TEST_HOST


async def test_an_unreachable_proxy_is_named_without_its_password(
    closed_port: int, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://desk:proxy-pass@127.0.0.1:{closed_port}")

    with pytest.raises(ConnectionFailedError) as caught:
        await make_client(f"https://{TEST_HOST}").find_user_by_email("a@x")

    sentence = str(caught.value)
    assert f"through the proxy 127.0.0.1:{closed_port}" in sentence
    assert "HTTPS_PROXY" in sentence
    assert "proxy-pass" not in sentence
    assert "proxy-pass" not in repr(caught.value)


async def test_a_proxy_refusing_the_login_is_reported(
    tls_scripted_server: ScriptedServer,
    tls_files: TlsFiles,
    forward_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forward_proxy.route(TEST_HOST, 443, tls_scripted_server.port)
    forward_proxy.required_authorization = "Basic c29tZW9uZTplbHNl"
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)

    async with SpkeyClient(
        f"https://{TEST_HOST}",
        lambda: Credentials(api_key=API_KEY),
        verify=trust_context(tls_files.ca_file),
    ) as api:
        with pytest.raises(ConnectionFailedError) as caught:
            await api.find_user_by_email("a@x")

    assert "The network proxy refused the connection" in str(caught.value)
    assert tls_scripted_server.requests == []
