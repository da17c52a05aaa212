"""Server configuration: organizations and their credentials, behaviour switches.

Nothing here holds a credential of its own: organizations come from the caller
(or a JSON file for the command line), and the demo organization's key and
token are generated with ``secrets`` each time a demo config is built.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any, Literal

from spkey_desktop.server.exchange import FAULT_KINDS, FaultKind, Observer

API_KEY_LENGTH = 40
_API_KEY = re.compile(r"[A-Za-z0-9]{40}")
_ALPHANUMERIC = string.ascii_letters + string.digits
DEFAULT_TOKEN_LIFETIME_S = 30 * 24 * 3600

DuplicateAdd = Literal["noop", "error"]


class ConfigError(ValueError):
    """The configuration cannot be served; the message says what to fix."""


@dataclass(frozen=True)
class Organization:
    """A B2B organization: its one API key and the bearer tokens it accepts."""

    org_id: str
    name: str
    api_key: str
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSettings:
    """How to seed the demo organization (the first one in the config)."""

    seed: int = 2024
    users: int = 300
    events: int = 3000
    # Epoch ms that "now" means for dates in the demo data; None: the real now.
    now_ms: int | None = None


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0
    database: str = ":memory:"
    organizations: Sequence[Organization] = ()
    latency_ms: int = 0
    duplicate_add: DuplicateAdd = "noop"
    # Called from request threads just before each response goes out (so it
    # must be thread-safe and quick).
    observer: Observer | None = None
    retry_after_s: int = 1
    stall_s: float = 30.0
    fault_rate: float = 0.0
    fault_kinds: Sequence[FaultKind] = ()
    fault_seed: int | None = None
    demo: DemoSettings | None = None
    allow_remote: bool = False

    @classmethod
    def for_demo(
        cls, seed: int = 2024, users: int = 300, **overrides: Any
    ) -> ServerConfig:
        """A config whose first organization is a freshly keyed demo one."""
        organizations = [demo_organization(seed), *overrides.pop("organizations", ())]
        demo = DemoSettings(seed=seed, users=users)
        return cls(organizations=organizations, demo=demo, **overrides)

    def validate(self) -> None:
        """Raise ConfigError for anything the server should refuse to run with."""
        if not self.allow_remote and not is_loopback(self.host):
            raise ConfigError(
                f"refusing to listen on {self.host!r}: the local server has no TLS"
                " and hands out test credentials, so it listens on loopback only;"
                " allow remote access explicitly (--allow-remote) to listen there"
            )
        if self.duplicate_add not in ("noop", "error"):
            raise ConfigError(
                f"duplicate_add must be 'noop' or 'error', not {self.duplicate_add!r}"
            )
        if self.latency_ms < 0 or self.retry_after_s < 0 or self.stall_s < 0:
            raise ConfigError("latency, Retry-After and stall times cannot be negative")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ConfigError("fault_rate is a share between 0 and 1")
        if self.fault_rate and not self.fault_kinds:
            raise ConfigError("a fault rate needs at least one fault kind")
        for kind in self.fault_kinds:
            if kind not in FAULT_KINDS:
                raise ConfigError(f"unknown fault kind {kind!r}")
        if self.demo is not None and not self.organizations:
            raise ConfigError("the demo needs an organization to seed (the first one)")
        validate_organizations(self.organizations)


def validate_organizations(organizations: Sequence[Organization]) -> None:
    seen_ids: set[str] = set()
    seen_credentials: set[str] = set()
    for org in organizations:
        if not org.org_id or org.org_id in seen_ids:
            raise ConfigError(f"organization id {org.org_id!r} is empty or repeated")
        seen_ids.add(org.org_id)
        if _API_KEY.fullmatch(org.api_key) is None:
            raise ConfigError(
                f"the API key of {org.org_id!r} is not 40 letters and digits"
            )
        for token in org.tokens:
            claims = token_claims(token)
            if claims is None:
                raise ConfigError(f"a token of {org.org_id!r} is not a JWT")
            if claims.get("org") != org.org_id:
                raise ConfigError(f"a token of {org.org_id!r} names another org")
        for credential in (org.api_key, *org.tokens):
            if credential in seen_credentials:
                raise ConfigError(f"a credential of {org.org_id!r} is used twice")
            seen_credentials.add(credential)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_api_key() -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(API_KEY_LENGTH))


def make_token(
    org_id: str, sub: str | None = None, expires_at: float | None = None
) -> str:
    """A JWT-shaped bearer token for ``org_id``, signed with a throwaway secret.

    The server accepts tokens by exact match against its configuration (plus an
    unexpired ``exp``), so the signature is there only for the shape.
    """
    now = int(time.time())
    exp = now + DEFAULT_TOKEN_LIFETIME_S if expires_at is None else int(expires_at)
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": sub or f"service|{org_id}", "org": org_id, "iat": now, "exp": exp}
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(
        secrets.token_bytes(32), signing_input.encode(), hashlib.sha256
    ).digest()
    encoded = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    return f"{signing_input}.{encoded}"


def token_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT-shaped token, or None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        return None
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("org"), str):
        return None
    return claims


def new_organization(
    name: str, org_id: str | None = None, token_expires_at: float | None = None
) -> Organization:
    """An organization with a fresh random API key and one bearer token."""
    org_id = org_id or str(uuid.uuid4())
    token = make_token(org_id, expires_at=token_expires_at)
    return Organization(org_id, name, make_api_key(), (token,))


def demo_organization(seed: int) -> Organization:
    """The demo organization: its id follows the seed, its credentials are fresh."""
    org_id = str(uuid.UUID(int=Random(seed).getrandbits(128), version=4))
    return new_organization("Parking Demo Sp. z o.o.", org_id=org_id)


def load_organizations(path: Path) -> list[Organization]:
    """Organizations from a JSON file; ConfigError says what is wrong with it.

    The file: {"organizations": [{"id": "...", "name": "...",
    "apiKey": "<40 letters and digits>", "tokens": ["<JWT>", ...]}]}
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["organizations"]
        organizations = [
            Organization(
                org_id=str(entry["id"]),
                name=str(entry.get("name", entry["id"])),
                api_key=str(entry["apiKey"]),
                tokens=tuple(str(token) for token in entry.get("tokens", ())),
            )
            for entry in entries
        ]
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from error
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"{path} is not a valid organizations file: {error}"
        ) from error
    validate_organizations(organizations)
    return organizations


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
