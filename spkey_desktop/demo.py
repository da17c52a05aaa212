"""Demo mode: the built-in server with demo data, in-process on loopback.

``spkey-desktop --demo`` runs out of the box with nothing configured: it starts
the local SmartphoneKey server in a background thread on a free loopback port,
seeds a realistic organization, and connects to it with the demo organization's
credentials. Those are generated for this run and are not secrets: they are kept
in memory only and never touch the keychain.
"""

from __future__ import annotations

from spkey_desktop.api.auth import Credentials
from spkey_desktop.server import LocalServer, ServerConfig
from spkey_desktop.settings import ConnectionProfile
from spkey_desktop.store.roster import RosterUser

DEMO_PROFILE_NAME = "Demo"
DEFAULT_DEMO_USERS = 300


def start_server(users: int | None = None) -> LocalServer:
    """Start the demo server on 127.0.0.1 with a free port."""
    config = ServerConfig.for_demo(users=users or DEFAULT_DEMO_USERS)
    return LocalServer(config).start()


def profile_for(server: LocalServer) -> tuple[ConnectionProfile, Credentials]:
    demo = server.demo
    profile = ConnectionProfile(DEMO_PROFILE_NAME, demo.base_url, "both")
    return profile, Credentials(api_key=demo.api_key, token=demo.token)


def roster_seed(server: LocalServer) -> list[RosterUser]:
    """The demo organization's users, as IT would have imported them.

    Only who they are: their profiles and plates come from the API in the
    refresh that follows, as for any roster.
    """
    org_id = server.demo.org_id
    return [
        RosterUser(
            user_id=record.user_id,
            email=record.email or "",
            phone=record.phone or "",
            first_name=record.first_name or "",
            last_name=record.last_name or "",
            status=record.status,
        )
        for record in server.users.all(org_id)
    ]
