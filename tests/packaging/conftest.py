"""Fixtures for the packaging tests: the built artefacts and how to run them.

The ``test_built_*`` modules test what packaging/build-bundle and
packaging/build-app produced, found in the folder named by $SPKEY_PACKAGING_DIST
(.ci/packaging builds them there, then runs these tests through .ci/test). A
build takes minutes, so without that variable those modules are not collected:
the ordinary test run checks the packaging sources, .ci/packaging the builds.

packaging/ is no package (its scripts run alone, importing each other by
name), so it goes on the import path for the tests that import its modules.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

DIST_VARIABLE = "SPKEY_PACKAGING_DIST"
PACKAGING = Path(__file__).resolve().parents[2] / "packaging"

if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name.startswith("test_built_"):
        return not os.environ.get(DIST_VARIABLE)
    return None


@pytest.fixture(scope="session")
def dist() -> Path:
    return Path(os.environ[DIST_VARIABLE]).resolve()


@pytest.fixture(scope="session")
def bundle(dist: Path) -> Path:
    """The offline bundle folder build-bundle made."""
    found = sorted(dist.glob("spkey-desktop-*-bundle"))
    if len(found) != 1:
        pytest.fail(f"Expected one bundle folder in {dist}, found {found}")
    return found[0]


@pytest.fixture(scope="session")
def app_folder(dist: Path) -> Path:
    """The application folder build-app made."""
    folder = dist / "spkey-desktop"
    if not (folder / "spkey-desktop").is_file():
        pytest.fail(f"No application folder with an executable in {folder}")
    return folder
