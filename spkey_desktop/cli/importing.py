"""``spkey-desktop import FILE --profile NAME``: a bulk import without the window.

For a nightly sync from another system: the same preview and the same outbox
as the window's import. Columns come from the options, else from the mapping
remembered for the file's layout (the window's, once the operator has
confirmed one), else from the headers. ``--dry-run`` prints the preview and
sends nothing. Progress goes to standard error; the rows that were not sent
go, with the reason, to a file next to the input named after its whole name,
``tenants.csv-rejected.csv`` (``--rejected`` to choose). The file always
belongs to the last run that got as far as sending: a run that leaves no row
unsent removes the one an earlier run wrote, so a file found there in the
morning lists last night's rows, never older ones.

Credentials come from the keychain, as ``spkey-desktop profile add`` stored
them. Exit status: 0 every row imported or nothing to do; 1 some rows were
not sent (see the rejected rows); 2 wrong options, or a file that cannot be
read; 3 the server could not be reached: changes are still queued after
``--wait`` seconds (they are sent by the next run, or by the window), or
rows whose user had to be looked up were not sent (in the rejected rows: run
the import again). Rows whose user the roster knows are queued either way.
A run also sends what earlier ones left queued before it ends, and counts
those changes in its exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import ApiError
from spkey_desktop.api.tls import CaBundleError, trust_context
from spkey_desktop.bulk.mapping import ColumnMapping, Field, MappingMemory
from spkey_desktop.bulk.sheets import DELIMITERS, Sheet, SheetError
from spkey_desktop.credentials import CredentialError, CredentialStore
from spkey_desktop.paths import AppPaths
from spkey_desktop.services.bulk_import import (
    ImportService,
    rejected_path,
    write_rejected,
)
from spkey_desktop.services.delivery import Reachability
from spkey_desktop.services.import_preview import (
    NEEDS_ATTENTION,
    ImportPreview,
    RowStatus,
)
from spkey_desktop.services.import_run import (
    ImportOptions,
    ImportReport,
    ImportRun,
    Outcome,
    Progress,
    to_send,
)
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.settings import ConnectionProfile, SettingsStore
from spkey_desktop.store.outbox import Outbox
from spkey_desktop.store.roster import RosterStore

EXIT_REJECTED = 1
EXIT_USAGE = 2
# Changes still queued, or users not looked up: the server could not be reached
# (or the command was stopped before it answered). Run it again.
EXIT_UNREACHABLE = 3

_COLUMN_OPTIONS = {
    Field.EMAIL: "--email-column",
    Field.PHONE: "--phone-column",
    Field.USER_ID: "--user-id-column",
    Field.PLATE: "--plate-column",
    Field.LABEL: "--label-column",
    Field.NAME: "--name-column",
}
# Progress lines on standard error, at most this often.
_PROGRESS_EVERY_S = 1.0


class _Refused(Exception):
    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import users and plates from a CSV or Excel file",
        description="Import plates (and users) from a CSV or .xlsx file through "
        "the profile's outbox, as the window's File > Import does. Exit status: "
        "0 done, 1 rows not sent, 2 wrong input, 3 the server could not be "
        "reached (changes still queued, or users not looked up: run it again).",
    )
    parser.add_argument("file", type=Path, help="the CSV or .xlsx file")
    parser.add_argument("--profile", required=True, help="the connection profile")
    for field, option in _COLUMN_OPTIONS.items():
        parser.add_argument(
            option,
            metavar="COLUMN",
            help=f"the column with the {field.value}: its header, or its number "
            "counting from 1",
        )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what the import would do, row by row, and send nothing",
    )
    parser.add_argument(
        "--create-missing-users",
        action="store_true",
        help="create users nobody has yet (from the e-mail or phone column)",
    )
    parser.add_argument(
        "--send-collisions",
        action="store_true",
        help="also send plates that collide with another user's plate",
    )
    parser.add_argument("--encoding", help="the CSV file's text encoding")
    parser.add_argument(
        "--delimiter",
        choices=["comma", "semicolon", "tab", "bar"],
        help="the CSV file's delimiter",
    )
    parser.add_argument(
        "--rejected",
        type=Path,
        metavar="FILE",
        help="where to write the rows not sent (default: next to FILE, "
        "FILE-rejected.csv; removed when a run leaves no row unsent)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for an unreachable server (default: %(default)s)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_import(args))
    except _Refused as refusal:
        print(f"spkey-desktop import: {refusal}", file=sys.stderr)
        return refusal.status


async def _import(args: argparse.Namespace) -> int:
    stop = _stop_on_signals()
    paths = AppPaths.resolve(args.home).ensure()
    profile = _profile(paths, args.profile)
    client = SpkeyClient(
        profile.base_url, _credentials(profile), verify=_trust(profile)
    )
    path = paths.roster_file(profile.name)
    store, outbox = RosterStore(path), Outbox(path)
    service = RosterService(client, store, outbox)
    try:
        importer = ImportService(service, MappingMemory(paths.config_dir))
        sheet = await _read(importer, args)
        mapping = _mapping(importer, sheet, args)
        try:
            preview = await _preview(importer, service, sheet, mapping)
        except ApiError as error:
            raise _Refused(error.user_message, EXIT_REJECTED) from None
        options = ImportOptions(args.create_missing_users, args.send_collisions)
        _print_preview(preview, options)
        if args.dry_run:
            held = [r for r in preview.rows if r.status in NEEDS_ATTENTION]
            if any(r.status is RowStatus.UNREACHABLE for r in held):
                return EXIT_UNREACHABLE
            return EXIT_REJECTED if any(not to_send(r, options) for r in held) else 0
        if stop.is_set():
            print("Stopped before anything was sent; run the import again.")
            return EXIT_UNREACHABLE
        importer.remember(sheet, mapping)
        service.start()
        if service.sender.lock_problem:
            raise _Refused(service.sender.lock_problem, EXIT_USAGE)
        if not service.sender.owns_outbox:
            raise _Refused(
                "Another copy of spkey-desktop (the window, or another import) is "
                f"sending the changes of profile {profile.name!r}; two senders "
                "would send changes twice and out of order. Import from the window "
                "(File > Import…), or run this command once the other has closed.",
                EXIT_USAGE,
            )
        refused_before = service.status().counts.failed
        report = await _send(service, preview, options, args.wait, stop)
        earlier = _Earlier()
        if not report.count(Outcome.QUEUED) and not stop.is_set():
            earlier = await _send_earlier(service, args.wait, refused_before, stop)
        status = service.status()
        refused = (
            status.last_error if status.reachability is Reachability.REFUSED else ""
        )
        return _finish(args, preview, report, earlier, refused)
    finally:
        await service.aclose()
        await client.aclose()
        outbox.close()
        store.close()


def _profile(paths: AppPaths, name: str) -> ConnectionProfile:
    loaded = SettingsStore(paths.config_dir).load()
    if loaded.warning:
        print(f"spkey-desktop import: {loaded.warning}", file=sys.stderr)
    profile = loaded.value.profile(name)
    if profile is None:
        names = ", ".join(repr(p.name) for p in loaded.value.profiles) or "none"
        raise _Refused(
            f"There is no profile named {name!r} (profiles: {names}). Add one with "
            "'spkey-desktop profile add'.",
            EXIT_REJECTED,
        )
    return profile


def _credentials(profile: ConnectionProfile) -> Any:
    keychain = CredentialStore()
    try:
        values = {
            kind: keychain.load(profile.name, kind) for kind in profile.credential_kinds
        }
    except CredentialError as error:
        raise _Refused(str(getattr(error, "summary", error)), EXIT_REJECTED) from None
    missing = [kind for kind, value in values.items() if not value]
    if missing:
        raise _Refused(
            f"The keychain holds no {' or '.join(missing)} for profile "
            f"{profile.name!r}; store it with 'spkey-desktop profile credentials "
            f"{profile.name}'.",
            EXIT_REJECTED,
        )
    credentials = Credentials(api_key=values.get("api_key"), token=values.get("jwt"))
    return lambda: credentials


def _trust(profile: ConnectionProfile) -> Any:
    if profile.ca_bundle is None:
        return None
    try:
        return trust_context(profile.ca_bundle)
    except CaBundleError as error:
        raise _Refused(str(error), EXIT_REJECTED) from None


async def _read(importer: ImportService, args: argparse.Namespace) -> Sheet:
    delimiter = None
    if args.delimiter:
        delimiter = DELIMITERS[
            ["comma", "semicolon", "tab", "bar"].index(args.delimiter)
        ]
    try:
        sheet = await importer.read(
            args.file, encoding=args.encoding, delimiter=delimiter
        )
    except SheetError as error:
        raise _Refused(str(error)) from None
    print(f"Read {args.file.name}: {sheet.describe()}.", file=sys.stderr)
    for note in sheet.notes:
        print(f"  {note}", file=sys.stderr)
    return sheet


def _mapping(
    importer: ImportService, sheet: Sheet, args: argparse.Namespace
) -> ColumnMapping:
    explicit = {
        f: getattr(args, o[2:].replace("-", "_")) for f, o in _COLUMN_OPTIONS.items()
    }
    if any(explicit.values()):
        mapping = ColumnMapping()
        for field, column in explicit.items():
            if column:
                mapping = mapping.with_column(field, _header(sheet, column, field))
        source = "the options"
    else:
        mapping, source = importer.mapping_for(sheet)
    problem = mapping.problem()
    if problem is not None:
        raise _Refused(
            f"{problem} The columns are: {', '.join(sheet.headers)}. Name them with "
            "--email-column, --phone-column, --plate-column and --label-column."
        )
    shown = ", ".join(
        f"{f.value} = {mapping.column_of(f)!r}"
        for f in _COLUMN_OPTIONS
        if mapping.column_of(f)
    )
    print(f"Columns ({source}): {shown}.", file=sys.stderr)
    used = {mapping.column_of(f) for f in _COLUMN_OPTIONS}
    unused = [header for header in sheet.headers if header and header not in used]
    if unused:
        options = ", ".join(
            option for f, option in _COLUMN_OPTIONS.items() if not mapping.column_of(f)
        )
        print(
            f"Not used: {', '.join(repr(h) for h in unused)}"
            + (f" (to use one, name it with {options})." if options else "."),
            file=sys.stderr,
        )
    return mapping


def _header(sheet: Sheet, column: str, field: Field) -> str:
    if column in sheet.headers:
        return column
    if column.isdigit() and 1 <= int(column) <= len(sheet.headers):
        return sheet.headers[int(column) - 1]
    raise _Refused(
        f"There is no column {column!r} for the {field.value}; the columns are: "
        f"{', '.join(sheet.headers)}."
    )


async def _preview(
    importer: ImportService,
    service: RosterService,
    sheet: Sheet,
    mapping: ColumnMapping,
) -> ImportPreview:
    roster = service.load_roster()
    index = RosterPlateIndex(roster)
    progress = _ProgressLine()
    try:
        return await importer.preview(
            sheet,
            mapping,
            roster,
            index.check,
            on_progress=lambda step, done, total: progress.show(
                f"{step}: {done}/{total}"
            ),
        )
    finally:
        progress.end()


def _print_preview(preview: ImportPreview, options: ImportOptions) -> None:
    print(f"Preview of {preview.sheet.path.name}, {len(preview.rows)} rows:")
    for line in preview.summary():
        print(line)
    print(preview.collision_scope())
    attention = [r for r in preview.rows if r.status in NEEDS_ATTENTION]
    if attention:
        print("Rows to look at:")
    for row in attention:
        sent = " (will be sent)" if to_send(row, options) else ""
        print(f"  row {row.number}: {row.status.value}{sent}: {row.reason}")


def _stop_on_signals() -> asyncio.Event:
    """An event set by Ctrl+C or SIGTERM (what cron, systemd and timeout send):
    the import then stops following its rows, leaves what is not answered
    queued, and still writes its summary and rejected rows."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            # Not on Windows' event loop: there Ctrl+C ends the command.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(number, stop.set)
    return stop


_STOPPED = (
    "Queued: the import was stopped before the server answered; the next run "
    "or the window sends it."
)


async def _send(
    service: RosterService,
    preview: ImportPreview,
    options: ImportOptions,
    wait: float,
    stop: asyncio.Event,
) -> ImportReport:
    """Run the import; once the server has been unreachable for ``wait``
    seconds, or the command is told to stop, leave the rest queued for the
    next run."""
    progress = _ProgressLine()
    offline_since: float | None = None
    give_up = False

    def show(state: Progress) -> None:
        nonlocal offline_since, give_up
        line = (
            f"Sending: {state.sent} sent, {state.failed} refused, "
            f"{state.remaining} remaining, {state.rate:.1f}/s"
        )
        if state.waiting:
            line += f"; waiting for the server ({state.waiting})"
            offline_since = offline_since or time.monotonic()
            # Waiting cannot fix refused credentials.
            give_up = give_up or state.credentials_refused
        else:
            offline_since = None
        progress.show(line)

    run = ImportRun(service, preview, options, on_progress=show)
    task = asyncio.ensure_future(run.run())
    try:
        while not task.done():
            await asyncio.wait([task], timeout=1.0)
            waited = time.monotonic() - (offline_since or time.monotonic())
            if give_up:
                run.detach(_CREDENTIALS_REFUSED)
            elif stop.is_set():
                run.detach(_STOPPED)
            elif waited > wait:
                run.detach()
        return task.result()
    finally:
        progress.end()


@dataclass(frozen=True)
class _Earlier:
    """Changes queued before this run (by an earlier one, or the window):
    ``unsent`` still waiting for the server, ``refused`` by it during this run."""

    unsent: int = 0
    refused: int = 0


async def _send_earlier(
    service: RosterService, wait: float, refused_before: int, stop: asyncio.Event
) -> _Earlier:
    """Follow what earlier runs left queued until it has gone out, or the
    server has been unreachable for ``wait`` seconds: this run's rows are
    answered, but the next run is what sends the rest, so it must not stop
    the sender under them."""
    progress = _ProgressLine()
    moved = asyncio.Event()
    stop_listening = service.add_listener(lambda _event: moved.set())
    offline_since: float | None = None
    try:
        while True:
            status = service.status()
            unsent = status.counts.unsent
            if not unsent or status.reachability is Reachability.REFUSED:
                break
            if stop.is_set():
                break
            line = f"Sending changes queued earlier: {unsent} left"
            if status.reachability is Reachability.OFFLINE:
                offline_since = offline_since or time.monotonic()
                if time.monotonic() - offline_since > wait:
                    break
                line += f"; waiting for the server ({status.last_error})"
            else:
                offline_since = None
            progress.show(line)
            moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), 1.0)
    finally:
        stop_listening()
        progress.end()
    return _Earlier(unsent, max(0, status.counts.failed - refused_before))


_CREDENTIALS_REFUSED = (
    "Queued: the server refused the credentials; it is sent once the profile "
    "has valid ones."
)


def _finish(
    args: argparse.Namespace,
    preview: ImportPreview,
    report: ImportReport,
    earlier: _Earlier,
    refused_credentials: str = "",
) -> int:
    print(f"Import: {report.summary()}")
    if refused_credentials:
        print(
            f"The server refused the profile's credentials ({refused_credentials}). "
            "What was not sent stays queued: save new credentials with "
            f"'spkey-desktop profile credentials {args.profile}' (or in the window) "
            "and run the import again."
        )
    if earlier.unsent:
        print(
            f"{_changes(earlier.unsent, 'still waits', 'still wait')} for the "
            "server; the next run or the window sends them."
        )
    if earlier.refused:
        print(
            f"{_changes(earlier.refused, 'was', 'were')} refused by the server; "
            "the window lists them, with the reason, in View > Pending changes."
        )
    not_looked_up = [
        r
        for r in report.results
        if r.outcome is Outcome.HELD and r.row.status is RowStatus.UNREACHABLE
    ]
    if not_looked_up:
        count = len(not_looked_up)
        print(
            f"{count} row{'s were' if count > 1 else ' was'} not sent because the "
            "server could not be reached to look up whose plate it is; run the "
            "import again once it answers."
        )
    rejected = report.rejected()
    target: Path = args.rejected or rejected_path(args.file)
    if rejected:
        try:
            write_rejected(target, preview, report)
        except OSError as error:
            print(
                f"spkey-desktop import: the rejected rows could not be written to "
                f"{target} ({error.strerror or error}).",
                file=sys.stderr,
            )
            if _remove_earlier(target):
                print(
                    f"spkey-desktop import: removed {target}, left by an earlier run.",
                    file=sys.stderr,
                )
        else:
            print(
                f"The {len(rejected)} rows not sent are in {target}, with the reason."
            )
    elif _remove_earlier(target):
        print(f"No row was left unsent: removed {target}, left by an earlier run.")
    if refused_credentials:
        return EXIT_REJECTED  # waiting for the server will not fix this
    if report.count(Outcome.QUEUED) or not_looked_up or earlier.unsent:
        return EXIT_UNREACHABLE
    return EXIT_REJECTED if rejected or earlier.refused else 0


def _changes(count: int, one: str, many: str) -> str:
    """ "1 change queued earlier was", "2 changes queued earlier were"."""
    if count == 1:
        return f"1 change queued earlier {one}"
    return f"{count} changes queued earlier {many}"


def _remove_earlier(target: Path) -> bool:
    """Remove the rejected rows an earlier run left at ``target``, so nobody
    reads them as this run's; True if there was such a file."""
    if not target.is_file():
        return False
    try:
        target.unlink()
    except OSError as error:
        print(
            f"spkey-desktop import: {target} is from an earlier run and could not "
            f"be removed ({error.strerror or error}); do not read it as this run's.",
            file=sys.stderr,
        )
        return False
    return True


class _ProgressLine:
    """Progress on standard error: rewritten in place at a terminal, else a
    line at most every second."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last = 0.0
        self._pending = ""

    def show(self, text: str) -> None:
        self._pending = text
        now = time.monotonic()
        if now - self._last >= _PROGRESS_EVERY_S:
            self._last = now
            self._write()

    def end(self) -> None:
        """Show the last state, whenever it came."""
        if self._pending:
            self._write()
        if self._tty and self._last:
            sys.stderr.write("\n")

    def _write(self) -> None:
        text, self._pending = self._pending, ""
        sys.stderr.write(f"\r{text}\x1b[K" if self._tty else text + "\n")
        sys.stderr.flush()
