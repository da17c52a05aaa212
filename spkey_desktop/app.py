"""Entry point: parses the command line, builds the object graph, starts the loop.

Every collaborator is built here once and handed in through constructors: the
paths, settings, keychain, HTTP client, roster store and services, then the
window. ``spkey-desktop --demo`` also starts the built-in server in-process on a
loopback port, so the app runs out of the box.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spkey_desktop.cli import COMMANDS

# asyncio, Qt and the package's version are imported where the window needs
# them: a command such as 'spkey-desktop normalize' starts without them.
if TYPE_CHECKING:
    from spkey_desktop.ui.single_instance import SingleInstance


@dataclass(frozen=True, slots=True)
class WindowOptions:
    home: Path | None
    demo: bool
    screenshot: Path | None
    profile: str | None
    demo_users: int | None


def parse_window_args(argv: Sequence[str]) -> WindowOptions:
    from spkey_desktop import __version__

    parser = argparse.ArgumentParser(
        prog="spkey-desktop",
        description="Manage the licence plates registered on SmartphoneKey users.",
        epilog=_commands_help(),
        # The epilog's table keeps its lines; the description fits on one.
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--home",
        metavar="DIR",
        type=Path,
        help=(
            "keep every file the app writes under DIR "
            "(default: $SPKEY_DESKTOP_HOME, else the platform's folders)"
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in server with demo data and connect to it",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="render the main window after the first load to a PNG file and exit",
    )
    parser.add_argument("--profile", help="the connection profile to open")
    parser.add_argument("--demo-users", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv))
    return WindowOptions(
        home=args.home,
        demo=args.demo,
        screenshot=args.screenshot,
        profile=args.profile,
        demo_users=args.demo_users,
    )


def _commands_help() -> str:
    """Every command without a window with its line of help, from the registry
    (no command module is imported for it)."""
    width = max(len(command.name) for command in COMMANDS)
    rows = [f"  {command.name.ljust(width)}  {command.help}" for command in COMMANDS]
    return "\n".join(
        ["commands without a window (see 'spkey-desktop COMMAND --help'):", *rows]
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)

    # Commands that run without a window go to the CLI; everything else opens it.
    from spkey_desktop.cli import COMMAND_NAMES, run

    if _command_of(args) in COMMAND_NAMES:
        return run(args)
    return run_window(parse_window_args(args))


#: Options of the window (and the global --home) that take a value, so that
#: "--profile normalize" names a profile instead of starting that command.
_OPTIONS_WITH_VALUES = frozenset(
    {"--home", "--profile", "--screenshot", "--demo-users"}
)


def _command_of(args: Sequence[str]) -> str | None:
    """The first word that is neither an option nor an option's value."""
    takes_value = False
    for arg in args:
        if takes_value:
            takes_value = False
        elif arg in _OPTIONS_WITH_VALUES:
            takes_value = True
        elif not arg.startswith("-"):
            return arg
    return None


def run_window(options: WindowOptions) -> int:
    """Start Qt and the asyncio loop on it, and run the window until it closes."""
    if options.screenshot and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        # A screenshot needs no screen: render off-screen on a headless machine.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from spkey_desktop.startup_check import startup_problem

    problem = startup_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from spkey_desktop import __version__
    from spkey_desktop.paths import AppPaths, HomeFolderError
    from spkey_desktop.ui.single_instance import SingleInstance, bring_forward
    from spkey_desktop.window_session import StartupError, WindowSession

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("spkey-desktop")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)

    # One app per data folder: a second start shows the first one's window.
    try:
        paths = AppPaths.resolve(options.home).ensure()
    except HomeFolderError as error:
        print(f"spkey-desktop: {error}", file=sys.stderr)
        return 2
    instance = SingleInstance(paths.data_dir)
    if not instance.acquire():
        return _hand_over_to_first(instance)
    instance.on_activate(lambda: bring_forward(app))

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        session = WindowSession(app, options)
    except StartupError as error:
        print(f"spkey-desktop: {error}", file=sys.stderr)
        instance.release()
        return 2
    try:
        return loop.run_until_complete(_run(session))
    finally:
        loop.close()
        instance.release()
        # Destroy Qt's objects now, while Python is still whole; left to the
        # interpreter's final garbage collection they can crash it on exit.
        app.shutdown()


def _hand_over_to_first(instance: SingleInstance) -> int:
    if instance.activate_first():
        print(
            "spkey-desktop is already running on this data folder; "
            "its window was brought forward."
        )
        return 0
    print(
        "spkey-desktop: another copy holds this data folder but does not answer. "
        "Close it (or end it in the task manager), then start again.",
        file=sys.stderr,
    )
    return 1


async def _run(session: object) -> int:
    from spkey_desktop.window_session import WindowSession

    assert isinstance(session, WindowSession)
    async with AsyncExitStack() as stack:
        return await session.run(stack)


if __name__ == "__main__":
    sys.exit(main())
