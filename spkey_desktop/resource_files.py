"""Files shipped with the app (icons, the desktop entry), found the same way from
the source tree, an installed wheel and a frozen build: through
``importlib.resources`` on the ``spkey_desktop.resources`` package."""

from __future__ import annotations

from importlib import resources


def read_resource(name: str) -> bytes:
    """The bytes of one shipped file, e.g. ``read_resource("spkey-desktop.svg")``."""
    return resources.files("spkey_desktop.resources").joinpath(name).read_bytes()
