"""spkey-desktop: manage the licence plates registered on SmartphoneKey users."""

from importlib import metadata

try:
    __version__ = metadata.version("spkey-desktop")
except metadata.PackageNotFoundError:  # running from a source tree never installed
    __version__ = "0+unknown"
