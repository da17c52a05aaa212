"""A local SmartphoneKey API server, built on the standard library only.

It models the real service (its paths, bodies, error shapes and quirks) for the
app's demo mode and for tests; it imports nothing else from spkey_desktop and
no Qt, so it can be frozen and embedded as it is.
"""

from spkey_desktop.server.aggregate import Event, UserState
from spkey_desktop.server.config import (
    ConfigError,
    DemoSettings,
    Organization,
    ServerConfig,
    load_organizations,
    make_api_key,
    make_token,
    new_organization,
    token_claims,
)
from spkey_desktop.server.demo import DemoSummary, seed_demo
from spkey_desktop.server.exchange import FAULT_KINDS, Exchange, FaultKind, Observer
from spkey_desktop.server.faults import FaultController
from spkey_desktop.server.local_server import DemoCredentials, LocalServer, start_demo
from spkey_desktop.server.rules import normalize_phone, normalize_plate
from spkey_desktop.server.users import Outcome

__all__ = [
    "FAULT_KINDS",
    "ConfigError",
    "DemoCredentials",
    "DemoSettings",
    "DemoSummary",
    "Event",
    "Exchange",
    "FaultController",
    "FaultKind",
    "LocalServer",
    "Observer",
    "Organization",
    "Outcome",
    "ServerConfig",
    "UserState",
    "load_organizations",
    "make_api_key",
    "make_token",
    "new_organization",
    "normalize_phone",
    "normalize_plate",
    "seed_demo",
    "start_demo",
    "token_claims",
]
