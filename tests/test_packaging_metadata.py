"""pyproject.toml lists packages by hand (resources/ is mapped into the package),
so a new sub-package must be added there or a built wheel would lack it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "spkey_desktop").rglob("__init__.py")
    }
    on_disk.add("spkey_desktop.resources")
    assert on_disk == listed
