"""Error answers of every shape become one typed error with a usable sentence."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spkey_desktop.api import (
    AlreadyExistsError,
    ApiError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PlateNotFoundError,
    RateLimitedError,
    RedirectedError,
    ServerError,
    UnauthorizedError,
    UnavailableError,
    UnexpectedResponseError,
)
from spkey_desktop.api.responses import (
    ErrorBody,
    Operation,
    error_for_response,
    parse_error_body,
)

LOOKUP = Operation("GetUserByEmail", not_found="No user has that e-mail. Check it.")
ADD = Operation("AddLicensePlate", not_found="No such user. Look it up.", plate="KR1")
REMOVE = Operation(
    "RemoveLicensePlate", not_found="No such user. Look up.", plate="KR1"
)


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        pytest.param(
            _json({"error": "Bad Request", "message": "plate is required"}),
            "application/json",
            ErrorBody("plate is required", "Bad Request"),
            id="error+message",
        ),
        pytest.param(
            _json({"error": "Invalid email format"}),
            "application/json",
            ErrorBody("Invalid email format"),
            id="error-only",
        ),
        pytest.param(
            _json(
                {"success": False, "errors": [{"code": 404, "message": "Not found"}]}
            ),
            "application/json",
            ErrorBody("Not found", "404"),
            id="success-false-errors",
        ),
        pytest.param(
            _json(
                {
                    "success": False,
                    "errors": [
                        {"code": 7001, "message": "first"},
                        {"code": 7002, "message": "second"},
                    ],
                }
            ),
            "application/json",
            ErrorBody("first; second", "7001"),
            id="several-errors",
        ),
        pytest.param(
            _json(
                {"success": False, "error": "LOCK_OFFLINE", "message": "Lock offline"}
            ),
            "application/json",
            ErrorBody("Lock offline", "LOCK_OFFLINE"),
            id="success-false-error-message",
        ),
        pytest.param(
            _json(
                {
                    "error": "Validation failed",
                    "message": "Some fields are invalid",
                    "code": "VALIDATION_ERROR",
                    "details": [
                        {"field": "plate", "message": "must not be empty"},
                        {"field": "label", "message": "too long"},
                        {"field": "ignored"},
                    ],
                }
            ),
            "application/json",
            ErrorBody(
                "Some fields are invalid",
                "VALIDATION_ERROR",
                (
                    FieldError("plate", "must not be empty"),
                    FieldError("label", "too long"),
                ),
            ),
            id="details",
        ),
        pytest.param(
            _json({"error": {"code": "E1", "message": "nested"}}),
            "application/json",
            ErrorBody("nested", "E1"),
            id="nested-error-object",
        ),
        pytest.param(
            _json("just a string"), "", ErrorBody("just a string"), id="string"
        ),
        pytest.param(_json([1, 2]), "application/json", ErrorBody(), id="json-list"),
        pytest.param(_json({"unrelated": 1}), "", ErrorBody(), id="json-no-fields"),
        pytest.param(b"", "application/json", ErrorBody(), id="empty"),
        pytest.param(b"  \r\n ", "text/plain", ErrorBody(), id="whitespace"),
        pytest.param(
            b"<html><head><title>502 Bad Gateway</title></head>"
            b"<body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>",
            "text/html",
            ErrorBody("502 Bad Gateway"),
            id="nginx-html",
        ),
        pytest.param(
            b"<!DOCTYPE html><html><body><h1>Service <b>Unavailable</b> &amp; down"
            b"</h1></body></html>",
            "",
            ErrorBody("Service Unavailable & down"),
            id="html-h1-without-content-type",
        ),
        pytest.param(b"<html></html>", "text/html", ErrorBody(), id="html-no-title"),
        pytest.param(
            b"upstream connect error\nreset reason: overflow",
            "text/plain",
            ErrorBody("upstream connect error"),
            id="plain-text",
        ),
        pytest.param(
            b"{not json", "application/json", ErrorBody("{not json"), id="bad-json"
        ),
        pytest.param(
            bytes(range(0, 32)) * 3,
            "application/octet-stream",
            ErrorBody(),
            id="binary",
        ),
    ],
)
def test_every_body_shape_parses(
    content: bytes, content_type: str, expected: ErrorBody
) -> None:
    assert parse_error_body(content, content_type) == expected


def test_long_messages_are_clipped() -> None:
    body = parse_error_body(_json({"error": "x" * 5000}))
    assert body.message is not None
    assert len(body.message) == 300
    assert body.message.endswith("…")


@pytest.mark.parametrize(
    ("operation", "status", "content", "error_class"),
    [
        (LOOKUP, 400, _json({"error": "Invalid email"}), InvalidInputError),
        (LOOKUP, 422, b"", InvalidInputError),
        (LOOKUP, 401, b"", UnauthorizedError),
        (LOOKUP, 403, b"", ForbiddenError),
        (LOOKUP, 404, _json({"error": "User not found"}), NotFoundError),
        (LOOKUP, 409, _json({"error": "UUID exists"}), AlreadyExistsError),
        (LOOKUP, 429, b"", RateLimitedError),
        (LOOKUP, 500, _json({"error": "boom"}), ServerError),
        (LOOKUP, 501, b"", ServerError),
        (LOOKUP, 502, b"<html><title>Bad Gateway</title></html>", UnavailableError),
        (LOOKUP, 503, _json({"error": "Database not available"}), UnavailableError),
        (LOOKUP, 504, b"", UnavailableError),
        (LOOKUP, 418, b"", UnexpectedResponseError),
        (LOOKUP, 302, b"", RedirectedError),
        (
            ADD,
            400,
            _json({"error": "Bad", "message": "Plate already exists"}),
            AlreadyExistsError,
        ),
        (
            ADD,
            400,
            _json({"error": "DUPLICATE_PLATE", "message": "x"}),
            AlreadyExistsError,
        ),
        (
            ADD,
            400,
            _json({"error": "Bad", "message": "plate is required"}),
            InvalidInputError,
        ),
        (ADD, 404, _json({"error": "Not Found", "message": "User"}), NotFoundError),
        (
            REMOVE,
            400,
            _json({"error": "Bad", "message": "Plate not found"}),
            PlateNotFoundError,
        ),
        (
            REMOVE,
            400,
            _json({"error": "Bad", "message": "User does not have plate KR1"}),
            PlateNotFoundError,
        ),
        (
            REMOVE,
            400,
            _json({"error": "Bad", "message": "Invalid body"}),
            InvalidInputError,
        ),
        (LOOKUP, 400, _json({"error": "Plate already exists"}), InvalidInputError),
    ],
)
def test_status_and_operation_choose_the_class(
    operation: Operation, status: int, content: bytes, error_class: type[ApiError]
) -> None:
    error = error_for_response(operation, status, {}, content)
    assert type(error) is error_class
    assert error.status == status
    assert str(error) == error.user_message


def test_plate_not_found_is_a_not_found_error() -> None:
    error = error_for_response(
        REMOVE, 400, {}, _json({"error": "Bad Request", "message": "Plate not found"})
    )
    assert isinstance(error, NotFoundError)
    assert "KR1" in error.user_message
    assert error.server_message == "Plate not found"


def test_server_wording_is_kept_apart_and_quoted() -> None:
    error = error_for_response(
        LOOKUP,
        400,
        {},
        _json({"error": "Bad Request", "message": "email is malformed."}),
    )
    assert error.server_message == "email is malformed."
    assert error.error_code == "Bad Request"
    assert '("email is malformed")' in error.user_message


def test_not_found_sentence_comes_from_the_operation() -> None:
    error = error_for_response(LOOKUP, 404, {}, _json({"error": "User not found"}))
    assert error.user_message == LOOKUP.not_found


def test_proxy_html_title_is_shown_for_unavailable() -> None:
    page = (
        b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>"
    )
    error = error_for_response(LOOKUP, 503, {"content-type": "text/html"}, page)
    assert error.server_message == "503 Service Temporarily Unavailable"
    assert "(HTTP 503). Try again in a few minutes." in error.user_message
    assert "<" not in error.user_message
    assert error.transient


def test_retry_after_is_carried_and_worded() -> None:
    error = error_for_response(LOOKUP, 429, {}, b"", retry_after=42.0)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 42.0
    assert "Wait 42 seconds" in error.user_message


def test_redirect_names_the_absolute_location() -> None:
    error = error_for_response(
        LOOKUP,
        301,
        {"location": "/v2/users/by-email"},
        b"",
        request_url="https://api.example.com/users/by-email?email=a",
    )
    assert isinstance(error, RedirectedError)
    assert error.location == "https://api.example.com/v2/users/by-email"
    assert error.location in error.user_message
    assert "connection profile" in error.user_message


def test_field_details_are_kept() -> None:
    content = _json(
        {
            "error": "Validation failed",
            "message": "invalid",
            "code": "VALIDATION_ERROR",
            "details": [{"field": "plate", "message": "too long"}],
        }
    )
    error = error_for_response(ADD, 400, {}, content)
    assert error.field_errors == (FieldError("plate", "too long"),)
    assert error.error_code == "VALIDATION_ERROR"


def test_a_secret_echoed_by_the_server_is_not_kept() -> None:
    secret = "S3cretKeyS3cretKeyS3cretKeyS3cretKey1234"
    content = _json({"error": "Unauthorized", "message": f"API key {secret} revoked"})
    error = error_for_response(LOOKUP, 401, {}, content, secrets=[secret])
    for text in (str(error), repr(error), error.server_message or ""):
        assert secret not in text
    assert "[redacted]" in (error.server_message or "")


def test_repr_names_class_and_status() -> None:
    error = error_for_response(LOOKUP, 503, {}, b"", retry_after=3.0)
    assert repr(error).startswith("UnavailableError(status=503, user_message=")
    assert "retry_after=3.0" in repr(error)


@given(
    status=st.integers(min_value=300, max_value=599),
    content=st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["error", "message", "code", "errors", "details", "success"]
                )
                | st.text(max_size=5),
                inner,
                max_size=4,
            )
        ),
        max_leaves=10,
    ).map(lambda data: json.dumps(data).encode()),
    operation=st.sampled_from([LOOKUP, ADD, REMOVE]),
)
def test_any_answer_becomes_an_error_with_a_sentence(
    status: int, content: bytes, operation: Operation
) -> None:
    error = error_for_response(operation, status, {}, content)
    assert isinstance(error, ApiError)
    assert error.status == status
    # What happened, then what to do: at least two sentences, ending in a period.
    assert error.user_message.endswith(".")
    assert error.user_message.count(". ") >= 1


@pytest.mark.parametrize(
    ("method", "status", "warned"),
    [
        ("POST", 502, True),
        ("POST", 504, True),
        ("POST", 503, False),
        ("GET", 502, False),
        ("GET", 504, False),
    ],
)
def test_a_gateway_error_on_a_command_warns_it_may_have_worked(
    method: str, status: int, warned: bool
) -> None:
    error = error_for_response(ADD, status, {}, b"", method=method)
    assert ("may have been saved" in error.user_message) is warned


def test_a_server_error_quotes_what_the_server_said() -> None:
    content = _json({"error": "Internal Server Error", "message": "DB locked."})
    error = error_for_response(LOOKUP, 500, {}, content)
    assert error.user_message.startswith(
        'The SmartphoneKey server had an internal error (HTTP 500: "DB locked").'
    )
