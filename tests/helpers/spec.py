"""Check the local server's responses against the vendor's OpenAPI spec.

``Spec.problems(exchange)`` lists what is wrong with one recorded response:
a body that does not validate against the spec's schema for that operation and
status (JSON Schema draft 2020-12, formats checked), or a status the spec does
not document for that operation and that is not one of the few shapes the
server documents itself (``OWN_SHAPES``: auth failures, injected faults, ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker

from spkey_desktop.server import Exchange, FaultKind

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "spkey-openapi.yaml"

# The operations the local server implements, as (method, spec path).
IMPLEMENTED = (
    ("GET", "/users/by-email"),
    ("GET", "/users/by-phone"),
    ("POST", "/users/{id}/CreateUser"),
    ("GET", "/users/{id}/profile"),
    ("GET", "/users/{id}/license-plates"),
    ("POST", "/users/{id}/AddLicensePlate"),
    ("POST", "/users/{id}/RemoveLicensePlate"),
    ("POST", "/users/{id}/UpdatePhoneNumber"),
    ("GET", "/cameras/my"),
    ("GET", "/cameras/{id}/lpr-events"),
)

ERROR_MESSAGE = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error", "message"],
}

# Responses the spec does not list for an operation but the server gives, with
# the shape it gives them in. Keyed by (status, spec path or "*" for any).
OWN_SHAPES: dict[tuple[int, str], str] = {
    (401, "*"): "no or a bad credential: {error, message} + WWW-Authenticate",
    (405, "*"): "a known path with the wrong method: {error, message} + Allow",
    (500, "*"): "an unexpected failure (or injected 500): {error, message}",
    (429, "*"): "injected rate limit: {error, message} + Retry-After seconds",
    (502, "*"): "injected proxy failure: an HTML page",
    (503, "*"): "injected proxy failure: an HTML page",
    (504, "*"): "injected proxy failure: an HTML page",
    (400, "/cameras/{id}/lpr-events"): "bad from/to, page too large: {error, message}",
    (400, "/users/{id}/UpdatePhoneNumber"): (
        "a malformed body or number, or another user's number: {error, message}"
    ),
    (404, "(no operation)"): "a path the API does not have: {error, message}",
}
PROXY_FAULTS = (502, 503, 504)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    definition: dict[str, Any]
    pattern: re.Pattern[str]

    @property
    def statuses(self) -> set[int]:
        return {int(status) for status in self.definition["responses"]}

    def schema(self, status: int) -> dict[str, Any] | None:
        response = self.definition["responses"].get(str(status))
        if response is None:
            return None
        schema: dict[str, Any] = response["content"]["application/json"]["schema"]
        return schema


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.operations: list[Operation] = []
        for path, item in document["paths"].items():
            regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
            for method, definition in item.items():
                if isinstance(definition, dict) and "responses" in definition:
                    self.operations.append(
                        Operation(method.upper(), path, definition, re.compile(regex))
                    )

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Spec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving a concrete path; literal paths win over templates."""
        found = [
            op
            for op in self.operations
            if op.method == method and op.pattern.fullmatch(path)
        ]
        found.sort(key=lambda op: op.path.count("{"))
        return found[0] if found else None

    def filtered(self) -> dict[str, Any]:
        """The spec with only the implemented operations (for schemathesis)."""
        document = dict(self.document)
        paths: dict[str, Any] = {}
        for method, path in IMPLEMENTED:
            item = document["paths"][path]
            paths.setdefault(path, {})[method.lower()] = item[method.lower()]
        document["paths"] = paths
        document.pop("webhooks", None)
        return document

    def response_problems(
        self, response: httpx.Response, fault: FaultKind | None = None
    ) -> list[str]:
        """problems() for a response seen by a client (e.g. of a CLI server)."""
        url = response.request.url
        operation = self.operation(response.request.method, url.path)
        return self.problems(
            Exchange(
                method=response.request.method,
                path=url.path,
                query=url.query.decode(),
                operation=None if operation is None else operation.path,
                status=response.status_code,
                headers=dict(response.headers),
                body=response.content,
                fault=fault,
                duration_s=response.elapsed.total_seconds(),
            )
        )

    def problems(self, exchange: Exchange) -> list[str]:
        """What is wrong with one response; empty if it conforms."""
        if exchange.status is None:
            return []  # dropped on purpose: nothing was answered
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        status = exchange.status
        operation = self.operation(exchange.method, exchange.path)
        spec_path = operation.path if operation else "(no operation)"

        if exchange.fault in (429, *PROXY_FAULTS):
            return [f"{where}: {p}" for p in _fault_problems(exchange)]
        if operation is not None and exchange.operation != operation.path:
            return [f"{where}: served by {exchange.operation}, spec says {spec_path}"]
        schema = operation.schema(status) if operation else None
        if schema is None:
            if (status, spec_path) not in OWN_SHAPES and (
                status,
                "*",
            ) not in OWN_SHAPES:
                return [f"{where}: status not in the spec for {spec_path}"]
            schema = ERROR_MESSAGE
        return [f"{where}: {p}" for p in _body_problems(exchange, schema)]


def _body_problems(exchange: Exchange, schema: dict[str, Any]) -> list[str]:
    content_type = _header(exchange, "Content-Type")
    if not content_type.startswith("application/json"):
        return [f"content type {content_type!r}, expected JSON"]
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return ["the body is not JSON"]
    problems = [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in _validator(json.dumps(schema, sort_keys=True)).iter_errors(body)
    ]
    if exchange.status == 401 and not _header(exchange, "WWW-Authenticate"):
        problems.append("401 without WWW-Authenticate")
    return problems


def _fault_problems(exchange: Exchange) -> list[str]:
    if exchange.status != exchange.fault:
        return [f"fault {exchange.fault} answered {exchange.status}"]
    if exchange.status in PROXY_FAULTS:
        html = exchange.body.decode("utf-8", "replace")
        content_type = _header(exchange, "Content-Type")
        if not content_type.startswith("text/html") or "<html" not in html:
            return ["a proxy failure should be an HTML page"]
        return []
    retry_after = _header(exchange, "Retry-After")
    problems = _body_problems(exchange, ERROR_MESSAGE)
    if not retry_after.isdigit():
        problems.append(f"Retry-After {retry_after!r} is not whole seconds")
    return problems


def _header(exchange: Exchange, name: str) -> str:
    for key, value in exchange.headers.items():
        if key.lower() == name.lower():
            return value
    return ""


@cache
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())
