"""Fixtures shared by the whole suite live in tests/helpers/ and are registered here."""

pytest_plugins = [
    "tests.helpers.server_fixtures",
    "tests.helpers.keychain_fixtures",
    "tests.helpers.qt_fixtures",
    "tests.helpers.window_fixtures",
    "tests.helpers.api_fixtures",
    "tests.helpers.proxy_fixtures",
    "tests.helpers.ci_policy",
]
