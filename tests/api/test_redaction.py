"""RedactSecretsFilter scrubs messages, arguments, exception and stack text."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from spkey_desktop.api import RedactSecretsFilter
from spkey_desktop.api.redaction import REDACTED, install, redact_text, uninstall

from ..helpers.api_fixtures import API_KEY, TOKEN

KNOWN = "not-shaped-like-anything-but-secret"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A logger whose records pass the filter, captured by caplog through root."""
    logger = logging.getLogger("tests.api.redaction")
    redactor = RedactSecretsFilter()
    redactor.add_secrets(KNOWN, None, "")
    install(redactor, [logger.name])
    logger.setLevel(logging.DEBUG)
    yield logger
    uninstall(redactor, [logger.name])


@pytest.mark.parametrize(
    "text",
    [
        f"X-API-Key: {API_KEY}",
        f"headers={{'x-api-key': '{API_KEY}'}}",
        f"[(b'x-api-key', b'{API_KEY}')]",
        f"Authorization: Bearer {TOKEN}",
        f"authorization: bearer {TOKEN}",
        f"token was {TOKEN} at the time",
        f"api_key={API_KEY}",
        f'{{"key": "{API_KEY}"}}',
        f"the key {API_KEY}.",
        f"x-api-key={KNOWN}",
    ],
)
def test_credential_shapes_are_redacted(text: str) -> None:
    redacted = redact_text(text)
    assert API_KEY not in redacted
    assert TOKEN not in redacted
    assert REDACTED in redacted


def test_known_values_are_redacted_anywhere() -> None:
    assert redact_text(f"a{KNOWN}b", [KNOWN]) == f"a{REDACTED}b"
    # The longer secret wins over one it contains.
    assert redact_text("abcdef", ["abc", "abcdef"]) == REDACTED


def test_ordinary_text_is_left_alone() -> None:
    text = (
        "GET /users/by-email?email=driver%40example.com&searchOnly=true -> 200 in 3 ms"
    )
    assert redact_text(text, [KNOWN]) == text
    # 40 characters that do not follow the word "key" are not a key.
    assert redact_text("plate " + "A" * 40) == "plate " + "A" * 40


def test_message_and_args(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        logger.debug("sending %s with %r", KNOWN, {"X-API-Key": API_KEY})
        logger.debug(f"inline {KNOWN} and Bearer {TOKEN}")
        logger.debug("mapping %(secret)s", {"secret": KNOWN})
        logger.debug("args that do not fit %d", KNOWN)

    assert len(caplog.records) == 4
    assert KNOWN not in caplog.text
    assert API_KEY not in caplog.text
    assert TOKEN not in caplog.text
    for record in caplog.records:
        assert KNOWN not in str(record.args)
        assert KNOWN not in record.getMessage()
    assert "args that do not fit" in caplog.text


def test_exception_text(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise RuntimeError(f"server said: key {KNOWN} is invalid")
    except RuntimeError:
        logger.exception("call failed")

    assert "RuntimeError" in caplog.text
    assert "call failed" in caplog.text
    assert KNOWN not in caplog.text
    record = caplog.records[0]
    assert record.exc_info is None
    assert record.exc_text is not None
    assert KNOWN not in record.exc_text


def test_stack_info(logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    def leaky(secret: str) -> None:
        logger.debug("here", stack_info=True)

    leaky(KNOWN)
    record = caplog.records[0]
    assert record.stack_info is not None
    assert KNOWN not in caplog.text


def test_the_filter_never_drops_a_record(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    logger.warning("nothing secret here: %s", 42)
    assert [r.getMessage() for r in caplog.records] == ["nothing secret here: 42"]


def test_install_is_idempotent_and_uninstall_removes() -> None:
    redactor = RedactSecretsFilter()
    name = "tests.api.redaction.install"
    install(redactor, [name])
    install(redactor, [name])
    assert logging.getLogger(name).filters.count(redactor) == 1
    uninstall(redactor, [name])
    assert redactor not in logging.getLogger(name).filters


def test_a_value_too_short_to_be_a_key_is_not_scrubbed_everywhere() -> None:
    from spkey_desktop.api.redaction import MIN_SECRET_LENGTH, RedactSecretsFilter

    redactor = RedactSecretsFilter()
    redactor.add_secrets("k", "x" * MIN_SECRET_LENGTH)
    assert redactor.redact("spkey_desktop task") == "spkey_desktop task"
    assert redactor.redact("key " + "x" * MIN_SECRET_LENGTH) == "key [redacted]"
