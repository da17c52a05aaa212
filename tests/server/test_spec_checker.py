"""The spec checker the fixtures run at teardown must catch what is off-spec."""

from __future__ import annotations

import json
from typing import Any

import pytest

from spkey_desktop.server import Exchange, FaultKind
from tests.helpers.server_fixtures import ExchangeRecorder, spec_problems
from tests.helpers.spec import IMPLEMENTED, Spec

JSON = {"Content-Type": "application/json"}


def exchange(
    method: str,
    path: str,
    status: int | None,
    body: Any,
    *,
    operation: str | None = None,
    headers: dict[str, str] | None = None,
    fault: FaultKind | None = None,
) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        method=method,
        path=path,
        query="",
        operation=operation,
        status=status,
        headers=JSON if headers is None else headers,
        body=raw,
        fault=fault,
        duration_s=0.0,
    )


def profile(status: int | None, body: Any, **kwargs: Any) -> Exchange:
    kwargs.setdefault("operation", "/users/{id}/profile")
    return exchange("GET", "/users/u-1/profile", status, body, **kwargs)


NOT_FOUND = {"success": False, "errors": [{"code": 404, "message": "User not found"}]}
ERROR = {"error": "Unauthorized", "message": "Send a key."}
CHALLENGE = {**JSON, "WWW-Authenticate": "Bearer"}
PAGE = b"<html><head><title>503 Service Unavailable</title></head></html>"


@pytest.mark.parametrize(
    "conforming",
    [
        profile(200, {"userId": "u-1", "status": "ACTIVE"}),
        profile(404, NOT_FOUND),
        profile(401, ERROR, headers=CHALLENGE),
        profile(500, {"error": "Internal Server Error", "message": "x"}, fault=500),
        profile(503, PAGE, headers={"Content-Type": "text/html"}, fault=503),
        profile(429, ERROR, headers={**JSON, "Retry-After": "2"}, fault=429),
        profile(None, b"", fault="close"),
        exchange(
            "GET",
            "/cameras/c-1/lpr-events",
            400,
            {"error": "Bad Request", "message": "bad from"},
            operation="/cameras/{id}/lpr-events",
        ),
        exchange("GET", "/nowhere", 404, {"error": "Not Found", "message": "No."}),
    ],
)
def test_conforming_responses_pass(spec: Spec, conforming: Exchange) -> None:
    assert spec.problems(conforming) == []


@pytest.mark.parametrize(
    ("offending", "complaint"),
    [
        (profile(200, {"userId": "u-1", "status": "BANNED"}), "is not one of"),
        (profile(200, {"status": "ACTIVE"}), "'userId' is a required property"),
        (
            profile(404, {"error": "Not Found", "message": "x"}),
            "'success' is a required",
        ),
        (
            profile(404, NOT_FOUND, headers={"Content-Type": "text/plain"}),
            "expected JSON",
        ),
        (profile(200, b"{oops"), "not JSON"),
        (profile(418, {"error": "x", "message": "y"}), "status not in the spec"),
        (profile(400, {"error": "x", "message": "y"}), "status not in the spec"),
        (profile(401, ERROR), "WWW-Authenticate"),
        (profile(401, {"error": "Unauthorized"}, headers=CHALLENGE), "'message'"),
        (profile(503, {"error": "x"}, fault=503), "HTML page"),
        (profile(429, ERROR, fault=429), "Retry-After"),
        (profile(503, PAGE, headers={"Content-Type": "text/html"}, fault=502), "502"),
        (
            profile(200, {"userId": "u-1"}, operation="/users/{id}/license-plates"),
            "served by",
        ),
        (
            exchange(
                "GET",
                "/users/by-email",
                200,
                {"uuid": "u", "email": "not-an-email", "created_at": "x"},
                operation="/users/by-email",
            ),
            "is not a 'email'",
        ),
    ],
)
def test_offending_responses_are_reported(
    spec: Spec, offending: Exchange, complaint: str
) -> None:
    problems = spec.problems(offending)
    assert problems
    assert complaint in " ".join(problems)


def test_the_fixture_check_reports_every_recorded_offence(spec: Spec) -> None:
    recorder = ExchangeRecorder()
    recorder(profile(200, {"userId": "u-1", "status": "ACTIVE"}))
    recorder(profile(200, {"status": "GONE"}))
    recorder(profile(418, {}))

    problems = spec_problems(spec, recorder)

    assert len(problems) == 3


def test_literal_paths_win_over_templates(spec: Spec) -> None:
    operation = spec.operation("GET", "/users/by-email")
    assert operation is not None
    assert operation.path == "/users/by-email"


def test_the_filtered_spec_has_exactly_the_implemented_operations(spec: Spec) -> None:
    filtered = spec.filtered()
    operations = {
        (method.upper(), path)
        for path, item in filtered["paths"].items()
        for method in item
    }
    assert operations == set(IMPLEMENTED)
    assert "webhooks" not in filtered
