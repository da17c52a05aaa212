"""The server address is checked before any key can be sent to it."""

from __future__ import annotations

import pytest

from spkey_desktop.api import Credentials, InsecureUrlError, SpkeyClient
from spkey_desktop.api.urls import check_base_url, is_loopback_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com", "https://api.example.com"),
        ("https://api.example.com/", "https://api.example.com"),
        ("https://api.example.com/b2c/v1/", "https://api.example.com/b2c/v1"),
        ("  https://api.example.com:8443  ", "https://api.example.com:8443"),
        ("http://localhost:8787", "http://localhost:8787"),
        ("http://LOCALHOST:8787/", "http://localhost:8787"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://127.3.2.1:1", "http://127.3.2.1:1"),
        ("http://[::1]:8787", "http://[::1]:8787"),
        ("http://127.0.0.1:", "http://127.0.0.1"),
        ("https://api.example.com:65535", "https://api.example.com:65535"),
    ],
)
def test_accepted_addresses(url: str, expected: str) -> None:
    assert str(check_base_url(url)) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.example.com", "clear text"),
        ("http://10.0.0.5:8787", "clear text"),
        ("http://192.168.1.10", "clear text"),
        ("http://localhost.example.com", "clear text"),
        ("http://127.0.0.1.nip.io", "clear text"),
        ("http://[::2]", "clear text"),
        ("http://0.0.0.0:8787", "clear text"),
        ("ftp://api.example.com", "must start with https://"),
        ("api.example.com", "must start with https://"),
        ("", "must start with https://"),
        ("https://", "must start with https://"),
        ("https://user:hunter2@api.example.com", "user name or password"),
        ("https://api.example.com/?key=abc", "'?' or '#'"),
        ("https://api.example.com/#x", "'?' or '#'"),
        ("https://exa mple.com", "valid host name"),
        ("https://[bad", "valid host name"),
        ("https://\x00x", "not a valid web address"),
        ("http://127.0.0.1:8787/#", "'?' or '#'"),
        ("http://127.0.0.1:8787/?", "'?' or '#'"),
        ("https://api.example.com#", "'?' or '#'"),
        ("http://localhost./", "ends with a dot"),
        ("https://_bad_.example", "valid host name"),
        ("http://127.0.0.1:99999", "The port 99999 in the server address"),
        ("http://[::1]:65536", "The port 65536 in the server address"),
        ("http://127.0.0.1:0", "The port 0 in the server address"),
        ("https://user:hunter2", "The port after the colon"),
    ],
)
def test_refused_addresses(url: str, words: str) -> None:
    with pytest.raises(InsecureUrlError) as caught:
        check_base_url(url)
    assert words in caught.value.user_message
    assert "hunter2" not in str(caught.value)
    assert caught.value.user_message.endswith(".")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("128.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("example.com", False),
        ("localhost6", False),
    ],
)
def test_loopback_hosts(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


async def test_the_client_refuses_before_asking_for_credentials() -> None:
    asked = []

    def credentials() -> Credentials:
        asked.append(True)
        return Credentials(api_key="k")

    with pytest.raises(InsecureUrlError):
        SpkeyClient("http://api.example.com", credentials)
    assert asked == []
