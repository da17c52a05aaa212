"""In CI a skipped test is a failure: a skip there hides a missing service or
package that the machine should have. Registered in tests/conftest.py.

CI is on when the environment variable CI is set to anything but "", "0",
"false" or "no". Expected failures (xfail) are left as they are.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


def ci_is_on() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if ci_is_on() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in CI, which counts as a failure: {_skip_reason(report)}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if ci_is_on() and report.skipped:
        report.outcome = "failed"
        report.longrepr = (
            f"module skipped in CI, which counts as a failure: {_skip_reason(report)}"
        )
