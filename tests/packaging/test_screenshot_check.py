"""The screenshot check the packaging tests rely on tells a roster from none.

Both pictures come from the real app (from this source tree, off-screen): the
demo's 300 users, and the same demo cut to one user. If the check passed the
second, a built app that opened its window but never loaded a roster would pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from tests.packaging.running import (
    MIN_TEXT_LINES,
    check_roster_screenshot,
    screenshot_facts,
    take_screenshot,
)

APP = [sys.executable, "-m", "spkey_desktop"]


def test_a_loaded_roster_passes(tmp_path: Path) -> None:
    target = tmp_path / "roster.png"

    result = take_screenshot(APP, tmp_path / "home", target, on_screen=False)

    assert result.returncode == 0, result.stderr
    facts = check_roster_screenshot(target)
    assert facts.text_lines >= MIN_TEXT_LINES


def test_a_window_with_one_user_fails(tmp_path: Path) -> None:
    target = tmp_path / "one-user.png"

    result = take_screenshot(
        APP,
        tmp_path / "home",
        target,
        on_screen=False,
        extra_args=["--demo-users", "1"],
    )

    assert result.returncode == 0, result.stderr
    assert screenshot_facts(target).text_lines < MIN_TEXT_LINES
    with pytest.raises(AssertionError, match="no roster"):
        check_roster_screenshot(target)


def test_a_blank_window_sized_image_fails(tmp_path: Path) -> None:
    target = tmp_path / "blank.png"
    image = QImage(1100, 650, QImage.Format.Format_RGB32)
    image.fill(QColor("#efefef"))
    assert image.save(str(target))

    with pytest.raises(AssertionError, match="blank"):
        check_roster_screenshot(target)


def test_a_file_that_is_no_png_fails(tmp_path: Path) -> None:
    target = tmp_path / "fake.png"
    target.write_bytes(b"GIF89a")

    with pytest.raises(AssertionError, match="not a PNG"):
        check_roster_screenshot(target)
