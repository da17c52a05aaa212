"""The one rule for server addresses: http:// only to this computer."""

from __future__ import annotations

import pytest

from spkey_desktop.urls import base_url_problem, is_loopback_host, is_loopback_url


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


@pytest.mark.parametrize(
    "url",
    [
        "https://api.spkey.co",
        "https://api.spkey.co/",
        "https://staging.example.com:8443/v1",
        "http://127.0.0.1:8787",
        "http://localhost:8787",
        "http://[::1]:8787",
        "  https://api.spkey.co  ",
    ],
)
def test_usable_base_urls(url: str) -> None:
    assert base_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.spkey.co", ["http://", "api.spkey.co", "https://"]),
        ("http://192.168.1.10:8787", ["192.168.1.10", "unencrypted"]),
        ("ftp://api.spkey.co", ["https://"]),
        ("api.spkey.co", ["https://"]),
        ("https://user:pw@api.spkey.co", ["password", "keychain"]),
        ("https://api.spkey.co/?key=1", ["query"]),
        ("https://api.spkey.co/#x", ["fragment"]),
        ("https://api.spkey.co:99999", ["https://"]),
    ],
)
def test_refused_base_urls_say_why(url: str, words: list[str]) -> None:
    problem = base_url_problem(url)
    assert problem is not None
    assert problem.endswith(".")
    for word in words:
        assert word in problem


def test_refusal_never_repeats_a_password_from_the_address() -> None:
    problem = base_url_problem("https://operator:hunter2-secret@api.spkey.co")
    assert problem is not None
    assert "hunter2-secret" not in problem
