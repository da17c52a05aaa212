"""``spkey-desktop-server`` as a process: its URL line, credentials, signals."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from spkey_desktop.server import new_organization
from tests.helpers.spec import Spec

LISTENING = re.compile(r"Listening on (http://127\.0\.0\.1:(\d+))")


class ServerProcess:
    """The CLI in a subprocess, with its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spkey_desktop.server", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 10) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            match = pattern.search(line)
            if match:
                return match
        raise AssertionError(f"no {pattern.pattern!r} in output: {self.output}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=10)


@pytest.fixture
def run_cli() -> Iterator[type[ServerProcess]]:
    started: list[ServerProcess] = []

    class Tracked(ServerProcess):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for proc in started:
        if proc.process.poll() is None:
            proc.process.kill()
            proc.process.wait(timeout=10)
        for stream in (proc.process.stdout, proc.process.stderr):
            if stream is not None:
                stream.close()


def test_demo_prints_its_url_and_credentials_and_answers(
    run_cli: type[ServerProcess], spec: Spec
) -> None:
    server = run_cli("--demo", "--port", "0")
    url = server.wait_for(LISTENING).group(1)
    api_key = server.wait_for(re.compile(r"API key:\s+([A-Za-z0-9]{40})")).group(1)
    token = server.wait_for(re.compile(r"Bearer token:\s+(\S+)")).group(1)
    curl = server.wait_for(re.compile(r"curl .*"))

    by_key = httpx.get(f"{url}/cameras/my", headers={"X-API-Key": api_key})
    by_token = httpx.get(
        f"{url}/cameras/my", headers={"Authorization": f"Bearer {token}"}
    )

    assert api_key in curl.group(0)
    assert url in curl.group(0)
    assert by_key.status_code == by_token.status_code == 200
    assert spec.response_problems(by_key) == []
    assert by_key.json()["total"] == 2
    assert server.stop(signal.SIGTERM) == 0
    assert "Stopped." in "".join(server.output)


def test_ctrl_c_stops_it_cleanly(run_cli: type[ServerProcess]) -> None:
    server = run_cli("--demo", "--port", "0", "--demo-users", "20")
    server.wait_for(LISTENING)
    assert server.stop(signal.SIGINT) == 0


def test_config_file_organizations_and_options(
    run_cli: type[ServerProcess], tmp_path: Path, spec: Spec
) -> None:
    org = new_organization("From file")
    config = tmp_path / "orgs.json"
    entry = {"id": org.org_id, "name": org.name, "apiKey": org.api_key}
    config.write_text(json.dumps({"organizations": [{**entry, "tokens": org.tokens}]}))
    server = run_cli(
        "--config", str(config), "--port", "0", "--duplicate-add", "error",
        "--fault-rate", "1", "--fault-kinds", "429", "--retry-after", "9",
    )  # fmt: skip
    url = server.wait_for(LISTENING).group(1)

    reply = httpx.get(f"{url}/cameras/my", headers={"X-API-Key": org.api_key})

    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "9"
    assert spec.response_problems(reply, fault=429) == []
    assert server.stop() == 0


def test_latency_option(run_cli: type[ServerProcess], tmp_path: Path) -> None:
    org = new_organization("Slow")
    config = tmp_path / "orgs.json"
    entry = {"id": org.org_id, "apiKey": org.api_key}
    config.write_text(json.dumps({"organizations": [entry]}))
    server = run_cli("--config", str(config), "--port", "0", "--latency-ms", "300")
    url = server.wait_for(LISTENING).group(1)

    started = time.monotonic()
    httpx.get(f"{url}/cameras/my", headers={"X-API-Key": org.api_key})

    assert time.monotonic() - started >= 0.3
    assert server.stop() == 0


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--host", "0.0.0.0", "--demo"], "--allow-remote"),
        (["--port", "0"], "pass --demo"),
        (["--demo", "--fault-rate", "0.5", "--fault-kinds", "418"], "unknown fault"),
        (["--config", "/nonexistent/orgs.json"], "cannot read"),
    ],
)
def test_bad_invocations_exit_2_with_a_reason(
    run_cli: type[ServerProcess], args: list[str], complaint: str
) -> None:
    server = run_cli(*args)
    status = server.process.wait(timeout=10)
    assert server.process.stderr is not None
    assert status == 2
    assert complaint in server.process.stderr.read()


def test_a_bad_config_file_is_refused(
    run_cli: type[ServerProcess], tmp_path: Path
) -> None:
    config = tmp_path / "orgs.json"
    config.write_text(json.dumps({"organizations": [{"id": "x", "apiKey": "short"}]}))
    server = run_cli("--config", str(config), "--port", "0")
    assert server.process.wait(timeout=10) == 2


def test_the_console_script_is_declared() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["spkey-desktop-server"] == "spkey_desktop.server.__main__:main"
