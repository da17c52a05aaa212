"""Render the app icon (resources/spkey-desktop.svg) into the files installers need.

    python packaging/make_icons.py OUT_DIR

writes ``spkey-desktop-<N>.png`` for every size below, ``spkey-desktop.ico``
(Windows: the executable, the installer, shortcuts) and ``spkey-desktop.icns``
(the macOS application bundle). They are build outputs, made from the one SVG
at build time, never committed.

Qt draws the SVG (the Python running this needs PySide6: the app's own
dependency, so any environment the app is installed in will do). The two
container formats are written here because Qt writes a single image per ICO or
ICNS file, and a good icon holds one image per size it is shown at.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)

# Windows shows 16 to 48 pixels in lists and shortcuts, 256 in large views.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

# ICNS element types that hold PNG data, with the pixel size of each. The
# "@2x" types (ic11 to ic14, ic10) are the Retina versions of the sizes.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)

SVG = Path(__file__).resolve().parents[1] / "resources" / "spkey-desktop.svg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the icons to")
    parser.add_argument("--svg", type=Path, default=SVG, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    # Text in the SVG needs Qt's font database, hence an application object;
    # off-screen, so that no display is needed.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    pngs = render_pngs(args.svg.read_bytes(), PNG_SIZES)
    write_icons(args.out_dir, pngs)
    del app
    print(f"Icons written to {args.out_dir}")
    return 0


def write_icons(out_dir: Path, pngs: dict[int, bytes]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for size, data in pngs.items():
        (out_dir / f"spkey-desktop-{size}.png").write_bytes(data)
    images = {size: _argb_rows(pngs[size]) for size in ICO_SIZES}
    (out_dir / "spkey-desktop.ico").write_bytes(ico(pngs, images))
    (out_dir / "spkey-desktop.icns").write_bytes(icns(pngs))


def render_pngs(svg: bytes, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """The SVG drawn at each size, as PNG data."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("The SVG icon could not be read.")
    pngs = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not QImageWriter(buffer, QByteArray(b"png")).write(image):
            raise SystemExit(f"The {size} pixel icon could not be written as PNG.")
        pngs[size] = bytes(buffer.data().data())
    return pngs


def _argb_rows(png: bytes) -> list[bytes]:
    """The pixels of a PNG, top row first, each pixel as B, G, R, A bytes."""
    from PySide6.QtGui import QImage

    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_ARGB32)
    # ARGB32 keeps each pixel as a native 32-bit 0xAARRGGBB: B, G, R, A in memory
    # on little-endian machines, which is the byte order ICO wants.
    if sys.byteorder != "little":
        raise SystemExit("ICO writing assumes a little-endian machine.")
    bits = bytes(image.constBits())
    stride = image.bytesPerLine()
    width = image.width() * 4
    return [bits[y * stride : y * stride + width] for y in range(image.height())]


def ico(pngs: dict[int, bytes], rows: dict[int, list[bytes]]) -> bytes:
    """A Windows icon with one image per size in ICO_SIZES.

    256 pixels is stored as PNG (as Windows itself does), the smaller sizes as
    32-bit bitmaps with alpha, which every Windows component can read.
    """
    images = [
        pngs[size] if size >= 256 else _ico_bitmap(size, rows[size])
        for size in ICO_SIZES
    ]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, data in zip(ICO_SIZES, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)


def _ico_bitmap(size: int, rows: list[bytes]) -> bytes:
    # A BITMAPINFOHEADER whose height counts the colour rows and the mask rows,
    # the colour rows bottom-up, then a 1-bit AND mask (unused with alpha)
    # whose rows are padded to 32 bits.
    mask_row = ((size + 31) // 32) * 4
    pixels = b"".join(reversed(rows))
    mask = bytes(mask_row * size)
    data = pixels + mask
    header = struct.pack(
        "<IiiHHIIiiII", 40, size, 2 * size, 1, 32, 0, len(data), 0, 0, 0, 0
    )
    return header + data


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon: every ICNS_TYPES element, each holding PNG data."""
    elements = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(elements)) + elements


if __name__ == "__main__":
    sys.exit(main())
