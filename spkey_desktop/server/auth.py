"""Who is calling: an X-API-Key or a bearer token, mapped to an organization.

Either credential authorizes a request on its own; when both are sent, one
valid credential is enough, but two valid ones for different organizations are
refused rather than guessed between.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from spkey_desktop.server.config import Organization, token_claims


@dataclass(frozen=True)
class Denied:
    """Why a request is not authorized, in a sentence for the 401 body."""

    message: str


class Authenticator:
    def __init__(
        self,
        organizations: Iterable[Organization] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        for org in organizations:
            self.add(org)

    def add(self, org: Organization) -> None:
        with self._lock:
            self._keys[org.api_key] = org.org_id
            for token in org.tokens:
                self._tokens[token] = org.org_id

    def organization_of(self, headers: Mapping[str, str]) -> str | Denied:
        """The org id the request's credentials belong to, or why there is none."""
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if api_key is None and authorization is None:
            return Denied("Send an X-API-Key header or an Authorization: Bearer token.")

        found: set[str] = set()
        problems: list[str] = []
        if api_key is not None:
            org = self._match(self._keys, api_key.strip())
            if org is None:
                problems.append("The API key is not valid.")
            else:
                found.add(org)
        if authorization is not None:
            result = self._bearer(authorization)
            if isinstance(result, Denied):
                problems.append(result.message)
            else:
                found.add(result)

        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            return Denied(
                "The API key and the token belong to different organizations."
            )
        return Denied(" ".join(problems))

    def _bearer(self, authorization: str) -> str | Denied:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Denied("The Authorization header must be 'Bearer <token>'.")
        token = token.strip()
        org = self._match(self._tokens, token)
        if org is None:
            return Denied("The bearer token is not valid.")
        claims = token_claims(token)
        if claims is None or claims["exp"] <= self._clock():
            return Denied("The bearer token has expired.")
        return org

    def _match(self, table: dict[str, str], credential: str) -> str | None:
        # Compare in constant time against every entry: the tables are small.
        with self._lock:
            entries = list(table.items())
        match = None
        for known, org in entries:
            if hmac.compare_digest(known.encode(), credential.encode()):
                match = org
        return match
