"""One app per data folder: a second start hands over to the first and exits;
a crash (SIGKILL) leaves a lock and a socket that never block the next start.

The second start is the real app (``python -m spkey_desktop --home``) in a
process of its own; the first is this process, holding the folder as the app
does at start-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

from spkey_desktop.paths import AppPaths
from spkey_desktop.ui.single_instance import (
    LOCK_FILE,
    SingleInstance,
    bring_forward,
    socket_name,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    AppPaths.under(tmp_path / "home").ensure()
    return tmp_path / "home"


def data_dir(home: Path) -> Path:
    return AppPaths.under(home).data_dir


def start_app(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("SPKEY_DESKTOP_HOME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "spkey_desktop", "--home", str(home)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_socket_name_follows_the_folder_not_its_spelling(tmp_path: Path):
    (tmp_path / "a").mkdir()
    assert socket_name(tmp_path / "a") == socket_name(tmp_path / "a" / ".." / "a")
    assert socket_name(tmp_path / "a") != socket_name(tmp_path)


def test_a_second_start_brings_the_first_window_forward_and_exits(
    qtbot, qapp, home: Path
) -> None:
    first = SingleInstance(data_dir(home))
    assert first.acquire()
    asked: list[bool] = []
    first.on_activate(lambda: asked.append(True))
    try:
        second = start_app(home)
        qtbot.waitUntil(lambda: asked == [True], timeout=30000)
        out, err = second.communicate(timeout=30)
    finally:
        first.release()

    assert second.returncode == 0, err
    assert "brought forward" in out
    # It stopped before opening anything of its own in the folder.
    assert not (home / "data" / "rosters").exists()


def test_a_lock_held_by_a_live_app_is_never_taken_over(qapp, home: Path) -> None:
    first = SingleInstance(data_dir(home))
    second = SingleInstance(data_dir(home))
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from spkey_desktop.ui.single_instance import SingleInstance

    app = QCoreApplication([])
    guard = SingleInstance(Path(sys.argv[1]))
    print("held" if guard.acquire() else "refused", flush=True)
    time.sleep(120)
    """
)


def test_a_crashed_app_does_not_block_the_next_start(qtbot, qapp, home: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir(home))],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    assert not SingleInstance(data_dir(home)).acquire()  # alive: refused

    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    assert (data_dir(home) / LOCK_FILE).exists()  # left behind by the crash

    after_crash = SingleInstance(data_dir(home))
    assert after_crash.acquire()
    asked: list[bool] = []
    after_crash.on_activate(lambda: asked.append(True))
    try:
        # The socket the crash left was replaced: a later start gets through.
        later = start_app(home)
        qtbot.waitUntil(lambda: asked == [True], timeout=30000)
        later.communicate(timeout=30)
    finally:
        after_crash.release()
    assert later.returncode == 0


def test_bring_forward_restores_and_raises_the_main_window(qtbot, qapp) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)

    bring_forward(qapp)

    qtbot.waitUntil(lambda: not window.isMinimized())
    assert window.isVisible()
