"""make_icons.py: every icon file, read back by Qt's own ICO and ICNS readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from make_icons import ICNS_TYPES, ICO_SIZES, PNG_SIZES, SVG, render_pngs, write_icons
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QApplication


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory, qapp: QApplication) -> Path:
    folder = tmp_path_factory.mktemp("icons")
    write_icons(folder, render_pngs(SVG.read_bytes(), PNG_SIZES))
    return folder


def read_all(path: Path) -> list[QImage]:
    reader = QImageReader(str(path))
    assert reader.canRead(), reader.errorString()
    images = []
    for number in range(reader.imageCount()):
        assert reader.jumpToImage(number)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        images.append(image.convertToFormat(QImage.Format.Format_ARGB32))
    return images


def png(icons: Path, size: int) -> QImage:
    image = QImage(str(icons / f"spkey-desktop-{size}.png"))
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def test_pngs_have_their_sizes_and_show_the_icon(icons: Path) -> None:
    for size in PNG_SIZES:
        image = png(icons, size)
        assert (image.width(), image.height()) == (size, size)
        # The blue tile of the SVG, and a transparent corner.
        assert image.pixelColor(size // 2, size // 8).name() == "#1f5fa8"
        assert image.pixelColor(0, 0).alpha() == 0


def test_the_ico_holds_every_size_with_the_same_pixels(icons: Path) -> None:
    images = read_all(icons / "spkey-desktop.ico")

    assert [image.width() for image in images] == list(ICO_SIZES)
    for size, image in zip(ICO_SIZES, images, strict=True):
        # Same pixels as the PNG: rows not upside down, channels not swapped.
        assert image == png(icons, size), f"{size} px image differs from the PNG"


def test_the_icns_holds_every_element(icons: Path) -> None:
    images = read_all(icons / "spkey-desktop.icns")

    assert [image.width() for image in images] == [size for _, size in ICNS_TYPES]
    for (_, size), image in zip(ICNS_TYPES, images, strict=True):
        assert image == png(icons, size)
