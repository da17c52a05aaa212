"""In CI a skip is a failure (tests/helpers/ci_policy.py); elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.ci_policy import ci_is_on

REPO = Path(__file__).resolve().parents[1]

SAMPLE = """
import pytest

def test_passes():
    pass

def test_skips():
    pytest.skip("no camera attached")

@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False
"""

SKIPPED_MODULE = """
import pytest
pytest.skip("whole module", allow_module_level=True)
"""


def run_pytest(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the hook under test
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH")])
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.helpers.ci_policy",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(folder),
            str(folder),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    return tmp_path


def test_skips_fail_in_ci(sample: Path) -> None:
    result = run_pytest(sample, "true")

    assert result.returncode == 1, result.stdout
    assert "skipped in CI, which counts as a failure: Skipped: no camera attached" in (
        result.stdout
    )
    assert "1 failed, 1 passed, 1 xfailed" in result.stdout


def test_a_skipped_module_stops_the_run_in_ci(sample: Path) -> None:
    (sample / "test_skipped_module.py").write_text(SKIPPED_MODULE)

    result = run_pytest(sample, "true")

    assert result.returncode == 2, result.stdout
    assert "module skipped in CI, which counts as a failure" in result.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_skips_stay_skips_outside_ci(sample: Path, ci: str | None) -> None:
    (sample / "test_skipped_module.py").write_text(SKIPPED_MODULE)

    result = run_pytest(sample, ci)

    assert result.returncode == 0, result.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in result.stdout


@pytest.mark.parametrize(
    ("value", "on"),
    [("true", True), ("1", True), ("yes", True), ("", False), ("False", False)],
)
def test_ci_detection(monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert ci_is_on() is on
