"""The app's sending half as a process of its own, for the SIGKILL test.

    python -m tests.helpers.outbox_runner DB URL USERS [--enqueue]

Opens the roster and outbox on DB (the profile's SQLite file) exactly as the
window session does, optionally queues a fixed bulk of changes for the
comma-separated USERS, then sends until nothing is left and exits 0. The API
key comes from the environment (SPKEY_TEST_API_KEY), never the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from spkey_desktop.api import Credentials, SpkeyClient
from spkey_desktop.services.delivery import OutboxEvent, SendPolicy
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import AddPlate, Change, Outbox, RemovePlate
from spkey_desktop.store.roster import RosterStore

PLATES_PER_USER = 10


def bulk(user_ids: list[str]) -> list[Change]:
    """Ten adds per user, and each user's old plate removed halfway through."""
    changes: list[Change] = []
    for k in range(PLATES_PER_USER):
        for n, user_id in enumerate(user_ids):
            changes.append(AddPlate(user_id, f"K{n}X{k}"))
            if k == PLATES_PER_USER // 2:
                changes.append(RemovePlate(user_id, f"OLD{n}"))
    return changes


async def run(db: str, url: str, user_ids: list[str], enqueue: bool) -> int:
    key = os.environ["SPKEY_TEST_API_KEY"]
    client = SpkeyClient(url, lambda: Credentials(api_key=key))
    store, outbox = RosterStore(db), Outbox(db)
    service = RosterService(
        client, store, outbox, policy=SendPolicy(base_delay=0.05, max_delay=0.5)
    )
    if enqueue:
        outbox.enqueue_many(bulk(user_ids))
    print(f"unsent {outbox.counts().unsent}", flush=True)

    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check(event: OutboxEvent) -> None:
        if not event.status.counts.unsent and not done.done():
            done.set_result(None)

    service.add_listener(check)
    service.start()
    await done
    await service.aclose()
    await client.aclose()
    outbox.close()
    store.close()
    print("all sent", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("url")
    parser.add_argument("users")
    parser.add_argument("--enqueue", action="store_true")
    args = parser.parse_args()
    return asyncio.run(run(args.db, args.url, args.users.split(","), args.enqueue))


if __name__ == "__main__":
    sys.exit(main())
