"""spkey-desktop: manage the licence plates registered on SmartphoneKey users."""

from __future__ import annotations

from functools import cache


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use, not at
    # import: importlib.metadata costs a command like 'normalize' ~15 ms.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("spkey-desktop")
    except metadata.PackageNotFoundError:  # running from a source tree never installed
        return "0+unknown"
