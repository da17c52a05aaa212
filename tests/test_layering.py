"""The floors of the code base, checked on every module's imports.

Each floor imports only from floors below it: plate rules, the API client,
storage and services import no Qt; widgets import no httpx; the local server
imports nothing else of the app, so it stays a model of the real service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "spkey_desktop"

# Higher number = higher floor. A module may import from its own floor or below.
FLOORS = {
    "spkey_desktop.app": 4,
    "spkey_desktop.__main__": 4,
    "spkey_desktop.window_session": 4,
    "spkey_desktop.cli": 4,
    "spkey_desktop.demo": 4,
    "spkey_desktop.ui": 3,
    "spkey_desktop.services": 2,
    "spkey_desktop.store": 1,
}
GROUND = 0
QT = ("PySide6", "qasync", "shiboken6")


def floor_of(module: str) -> int:
    for prefix, floor in FLOORS.items():
        if module == prefix or module.startswith(prefix + "."):
            return floor
    return GROUND


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (
                    package.rsplit(".", node.level - 1)[0]
                    if node.level > 1
                    else package
                )
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_module_imports_only_from_its_floor_or_below(path: Path) -> None:
    name = module_name(path)
    floor = floor_of(name)
    problems = []
    for imported in imports_of(path):
        if imported.startswith(QT) and floor < FLOORS["spkey_desktop.ui"]:
            problems.append(f"{imported} (Qt below ui/)")
        if (
            imported.startswith("httpx")
            and floor_of(name) == FLOORS["spkey_desktop.ui"]
        ):
            problems.append(f"{imported} (httpx in ui/)")
        if imported.startswith("spkey_desktop.") and floor_of(imported) > floor:
            problems.append(f"{imported} (a higher floor)")
        if (
            name.startswith("spkey_desktop.server")
            and imported.startswith("spkey_desktop.")
            and not imported.startswith("spkey_desktop.server")
        ):
            problems.append(f"{imported} (the server imports nothing else of the app)")
    assert not problems, f"{name} imports " + ", ".join(sorted(problems))


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The parser finds imports at all, so a passing run means something."""
    assert "PySide6.QtCore" in imports_of(PACKAGE / "ui" / "models.py")
    assert "spkey_desktop.store.roster" in imports_of(
        PACKAGE / "services" / "roster_service.py"
    )
