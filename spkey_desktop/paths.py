"""Where the app keeps its files: every file it writes lives under one of four folders.

The folders come from, in this order: an explicit home folder (``--home DIR``),
the environment variable ``SPKEY_DESKTOP_HOME``, or the platform's per-user folders
(``~/.config/spkey-desktop`` and friends on Linux, ``%APPDATA%`` on Windows, …).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "spkey-desktop"
HOME_ENV = "SPKEY_DESKTOP_HOME"

# Private to the operator: settings name servers, logs name users and plates.
DIR_MODE = 0o700


class HomeFolderError(OSError):
    """A folder the app keeps its files in cannot be used (a file is in the way,
    or it cannot be created); the text is a sentence naming it."""


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def under(cls, home: str | os.PathLike[str]) -> AppPaths:
        """All four folders inside one home folder (``--home``, tests, portable use)."""
        root = Path(home).expanduser().absolute()
        return cls(
            config_dir=root / "config",
            data_dir=root / "data",
            log_dir=root / "logs",
            cache_dir=root / "cache",
        )

    @classmethod
    def platform_default(cls) -> AppPaths:
        """The platform's per-user folders for this app."""
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def resolve(
        cls,
        home: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> AppPaths:
        """The folders for this run: ``home``, else ``$SPKEY_DESKTOP_HOME``, else
        the platform's folders. An empty value counts as not given."""
        if home is not None and str(home) != "":
            return cls.under(home)

        from_env = (os.environ if environ is None else environ).get(HOME_ENV, "")
        if from_env:
            return cls.under(from_env)

        return cls.platform_default()

    def roster_file(self, profile_name: str, *, demo: bool = False) -> Path:
        """The SQLite file of a profile's roster and outbox (one per profile).

        The name keeps a readable part of the profile's name and adds a digest
        of the whole name, so "Прод" and "生产", or "Site A/B" and "Site A B",
        never share a file; demo mode's roster lives apart from any profile
        that happens to be named "Demo".
        """
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", profile_name).strip("._")[:40]
        digest = hashlib.sha256(profile_name.encode("utf-8")).hexdigest()[:10]
        folder = "demo-rosters" if demo else "rosters"
        return self.data_dir / folder / f"{slug or 'profile'}-{digest}.sqlite3"

    def all(self) -> tuple[Path, ...]:
        return (self.config_dir, self.data_dir, self.log_dir, self.cache_dir)

    def check(self) -> AppPaths:
        """Raise HomeFolderError when a file stands where one of the folders, or
        a folder above it, should be; creates nothing."""
        for folder in self.all():
            blocker = _file_in_the_way(folder)
            if blocker is not None:
                raise HomeFolderError(_blocked(folder, blocker))
        return self

    def ensure(self) -> AppPaths:
        """Create the folders (and missing parents); make them private to the user.

        Raises HomeFolderError, with a sentence naming the folder, when one
        cannot be created or used.
        """
        self.check()
        for folder in self.all():
            try:
                folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                # mkdir's mode is filtered by the umask and ignored for an existing
                # folder, so set it explicitly. On Windows chmod only affects
                # read-only.
                folder.chmod(DIR_MODE)
            except OSError as error:
                blocker = _file_in_the_way(folder)
                reason = (
                    _blocked(folder, blocker)
                    if blocker is not None
                    else f"The folder {folder} cannot be created or used "
                    f"({error.strerror or error}). Choose another home folder "
                    f"(--home or {HOME_ENV}), or check the permissions of the "
                    "folders above it."
                )
                raise HomeFolderError(reason) from error
        return self


def _file_in_the_way(folder: Path) -> Path | None:
    """The first of ``folder`` and its parents that exists but is no folder."""
    for candidate in (*reversed(folder.parents), folder):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return None


def _blocked(folder: Path, blocker: Path) -> str:
    return (
        f"{blocker} is a file, not a folder, so spkey-desktop cannot keep its "
        f"files in {folder}. Choose another home folder (--home or {HOME_ENV}), "
        "or move the file away."
    )
