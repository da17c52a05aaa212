"""Which hosts are this computer (the rule for plain http://)."""

from __future__ import annotations

import pytest

from spkey_desktop.urls import is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8787",
        "http://127.8.9.10/api",
        "http://localhost:8787",
        "http://LOCALHOST",
        "http://[::1]:8787/",
        "http://[::ffff:127.0.0.1]:8787",
        "https://localhost",
    ],
)
def test_loopback_urls(url: str) -> None:
    assert is_loopback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.spkey.co",
        "http://192.168.1.10:8787",
        "http://10.0.0.1",
        "http://[::2]",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
        "http://0.0.0.0:8787",
        "http://[::ffff:10.0.0.1]",
        "not a url",
        "",
        "http://localhost:notaport",
    ],
)
def test_other_urls_are_not_loopback(url: str) -> None:
    assert not is_loopback_url(url)


def test_loopback_host_accepts_brackets() -> None:
    assert is_loopback_host("[::1]")
    assert not is_loopback_host("example.com")
