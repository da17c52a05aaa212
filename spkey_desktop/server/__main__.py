"""``spkey-desktop-server``: run the local SmartphoneKey API until Ctrl+C.

Examples::

    spkey-desktop-server --demo
    spkey-desktop-server --config orgs.json --port 0 --fault-rate 0.1 \\
        --fault-kinds 503,stall
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from spkey_desktop.server.config import (
    ConfigError,
    DemoSettings,
    Organization,
    ServerConfig,
    demo_organization,
    load_organizations,
)
from spkey_desktop.server.exchange import FaultKind, parse_fault_kind
from spkey_desktop.server.local_server import LocalServer

DEFAULT_PORT = 8787


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spkey-desktop-server",
        description="Serve the SmartphoneKey API locally, for the demo and for tests.",
    )
    add = parser.add_argument
    add(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    add(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="0 picks a free port (default: %(default)s)",
    )
    add(
        "--database",
        default=":memory:",
        metavar="PATH",
        help="SQLite file (default: in memory)",
    )
    add(
        "--demo",
        action="store_true",
        help="seed a demo organization and print its credentials",
    )
    add("--seed", type=int, default=2024, help="demo data seed (default: %(default)s)")
    add(
        "--demo-users",
        type=int,
        default=300,
        metavar="N",
        help="demo users (default: %(default)s)",
    )
    add(
        "--config",
        type=Path,
        metavar="FILE",
        help="JSON file with organizations, keys, tokens",
    )
    add("--latency-ms", type=int, default=0, metavar="MS", help="delay every response")
    add(
        "--fault-rate",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of requests to fail, 0..1",
    )
    add(
        "--fault-kinds",
        default="503",
        metavar="KINDS",
        help="comma list of 500,502,503,504,429,stall,close (default: %(default)s)",
    )
    add(
        "--fault-seed",
        type=int,
        default=None,
        metavar="N",
        help="make random faults reproducible",
    )
    add(
        "--stall-seconds",
        type=float,
        default=30.0,
        metavar="S",
        help="how long a stall holds a response",
    )
    add(
        "--retry-after",
        type=int,
        default=1,
        metavar="S",
        help="Retry-After seconds sent with 429",
    )
    add(
        "--duplicate-add",
        choices=("noop", "error"),
        default="noop",
        help="answer to adding a plate twice: 200 with event null, or 400",
    )
    add(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (no TLS!)",
    )
    add("-v", "--verbose", action="store_true", help="log every request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        config = _config(args)
        server = LocalServer(config)
    except (ConfigError, ValueError) as error:
        parser.exit(2, f"spkey-desktop-server: {error}\n")
    try:
        server.start()
    except OSError as error:
        where = f"{args.host}:{args.port}"
        parser.exit(1, f"spkey-desktop-server: cannot listen on {where}: {error}\n")

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        _announce(server)
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
    print("Stopped.", flush=True)
    return 0


def _config(args: argparse.Namespace) -> ServerConfig:
    if not args.demo and args.config is None:
        raise ConfigError("nothing to serve: pass --demo, --config FILE, or both")
    organizations: list[Organization] = []
    demo = None
    if args.demo:
        organizations.append(demo_organization(args.seed))
        demo = DemoSettings(seed=args.seed, users=args.demo_users)
    if args.config is not None:
        organizations.extend(load_organizations(args.config))
    kinds: list[FaultKind] = [
        parse_fault_kind(kind) for kind in args.fault_kinds.split(",") if kind.strip()
    ]
    return ServerConfig(
        host=args.host,
        port=args.port,
        database=args.database,
        organizations=organizations,
        latency_ms=args.latency_ms,
        duplicate_add=args.duplicate_add,
        retry_after_s=args.retry_after,
        stall_s=args.stall_seconds,
        fault_rate=args.fault_rate,
        fault_kinds=kinds if args.fault_rate else (),
        fault_seed=args.fault_seed,
        demo=demo,
        allow_remote=args.allow_remote,
    )


def _announce(server: LocalServer) -> None:
    print(f"Listening on {server.base_url}", flush=True)
    if server.config.demo is not None:
        demo = server.demo
        summary = server.demo_summary
        print(f"Demo organization {demo.org_id}", end="")
        if summary is not None:
            print(
                f": {summary.users} users, {summary.plates} plates,"
                f" {summary.cameras} cameras, {summary.lpr_events} LPR events",
                end="",
            )
        print()
        print(f"  API key:      {demo.api_key}")
        print(f"  Bearer token: {demo.token}")
        print("Try:")
        print(f'  curl -H "X-API-Key: {demo.api_key}" {server.base_url}/cameras/my')
    print("Press Ctrl+C to stop.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
