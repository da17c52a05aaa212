"""Responses, and the error bodies the service uses (they differ per operation).

- commands (CreateUser, Add/RemoveLicensePlate, UpdatePhoneNumber) and auth:
  ``{error, message}``
- the by-email and by-phone lookups: ``{error}``
- queries answering 404 (profile, plates, LPR events):
  ``{success: false, errors: [{code, message}]}``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(
    status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(status, body, JSON, headers)


def command_error(
    status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """``{error, message}``: the error is the status's reason phrase."""
    error = HTTPStatus(status).phrase
    return json_reply(status, {"error": error, "message": message}, headers)


def lookup_error(status: int, message: str) -> Reply:
    return json_reply(status, {"error": message})


def query_not_found(message: str) -> Reply:
    payload = {"success": False, "errors": [{"code": 404, "message": message}]}
    return json_reply(404, payload)


# What a reverse proxy in front of the API answers when the backend is down,
# slow or overloaded: an HTML page, not the API's JSON.
_PROXY_PAGE = """<!DOCTYPE html>
<html>
<head><title>{status} {phrase}</title></head>
<body>
<center><h1>{status} {phrase}</h1></center>
<hr><center>edge-proxy</center>
</body>
</html>
"""


def proxy_page(status: int) -> Reply:
    page = _PROXY_PAGE.format(status=status, phrase=HTTPStatus(status).phrase)
    return Reply(status, page.encode(), "text/html; charset=utf-8")
