"""``spkey-desktop normalize``, run as the real command in a child process.

Running the installed command, rather than calling the function, also checks
the entry point, the routing to the CLI and what reaches a real stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

COMMAND = shutil.which("spkey-desktop")


def normalize(
    *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``spkey-desktop normalize ARGS...`` and decode its output as UTF-8."""
    assert COMMAND is not None, "spkey-desktop is not on PATH: is the app installed?"
    return subprocess.run(
        [COMMAND, "normalize", *args],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_lines_for_a_dashed_and_a_cyrillic_plate() -> None:
    # The second plate's А, В and С are Cyrillic.
    done = normalize("--json", "ab\u201312 3", "\u0410123\u0412\u042177")

    assert done.returncode == 0, done.stderr
    first, second = json_lines(done.stdout)
    assert first == {
        "input": "ab\u201312 3",
        "plate": "AB123",
        "valid": True,
        "changes": [
            "removed an en dash (\u2013)",
            "removed a space",
            "made lower-case letters upper case",
        ],
        "warnings": [],
    }
    assert second == {
        "input": "\u0410123\u0412\u042177",
        "plate": "A123BC77",
        "valid": True,
        "changes": [
            "changed Cyrillic letter \u0410 to Latin A",
            "changed Cyrillic letter \u0412 to Latin B",
            "changed Cyrillic letter \u0421 to Latin C",
        ],
        "warnings": [],
    }


def test_json_is_not_ascii_escaped() -> None:
    done = normalize("--json", "T\u00dc 1")

    assert "T\u00dc1" in done.stdout
    assert "\\u00dc" not in done.stdout
    (record,) = json_lines(done.stdout)
    assert record["warnings"] == [
        "\u00dc is not a letter A–Z: many cameras cannot read it."
    ]


def test_any_invalid_plate_makes_the_status_1() -> None:
    done = normalize("--json", "AB12", "--", "-.-")

    assert done.returncode == 1
    valid, invalid = json_lines(done.stdout)
    assert valid["valid"] is True
    assert invalid == {
        "input": "-.-",
        "plate": "",
        "valid": False,
        "changes": ["removed 2 hyphens (-)", "removed a dot (.)"],
        "warnings": [],
    }


def test_text_output_shows_plate_changes_warnings_and_errors() -> None:
    done = normalize("ab\u201312 3", "x", "\u200b")

    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        '"ab\u201312 3" → AB123',
        "    removed an en dash (\u2013)",
        "    removed a space",
        "    made lower-case letters upper case",
        '"x" → X',
        "    made lower-case letters upper case",
        "    warning: The plate has only 1 character, fewer than the usual 2: "
        "check that nothing is missing.",
        '"<U+200B>" → (nothing to store)',
        "    removed an invisible zero-width space",
        "    error: Type a plate: letters and digits only.",
    ]


def test_undecodable_argument_bytes_are_removed_not_fatal() -> None:
    # On Linux, bytes that are not UTF-8 reach Python as lone surrogates.
    done = normalize("--json", b"AB\xff12")

    assert done.returncode == 0, done.stderr
    (record,) = json_lines(done.stdout)
    assert record["input"] == "AB\udcff12"
    assert record["plate"] == "AB12"
    assert record["changes"] == ["removed the broken character U+DCFF"]


def test_console_without_cyrillic_gets_escapes_instead_of_a_crash() -> None:
    done = normalize("\u0410B1", env={"PYTHONIOENCODING": "ascii"})

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == '"\\u0410B1" \\u2192 AB1'


def test_plates_starting_with_a_dash_follow_a_double_dash() -> None:
    done = normalize("--json", "--", "-AB12")

    assert done.returncode == 0, done.stderr
    assert json_lines(done.stdout)[0]["plate"] == "AB12"


def test_no_plate_is_a_usage_error() -> None:
    done = normalize()

    assert done.returncode == 2
    assert "PLATE" in done.stderr


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spkey_desktop", "normalize", "--json", "ab-1"],
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json_lines(done.stdout)[0]["plate"] == "AB1"


def _first_line_then_hang_up(*args: str) -> tuple[bytes, int, bytes]:
    """``spkey-desktop normalize ARGS | head -1``: read one line, close the pipe."""
    assert COMMAND is not None, "spkey-desktop is not on PATH: is the app installed?"
    with subprocess.Popen(
        [COMMAND, "normalize", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()
        stderr = child.stderr.read()
        status = child.wait(timeout=60)
    return first, status, stderr


def test_a_reader_that_stops_early_ends_it_quietly_with_141() -> None:
    # 20,000 plates fill far more than a pipe's buffer: the writes after
    # "head -1" hung up fail with EPIPE.
    plates = [f"AB{n}" for n in range(1, 20_001)]

    for args in (plates, ["--json", *plates]):
        first, status, stderr = _first_line_then_hang_up(*args)

        assert b"AB1" in first
        assert stderr == b""
        assert status == 141  # as a shell reports a process ended by SIGPIPE


def test_the_help_explains_status_141() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spkey_desktop", "normalize", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "141" in " ".join(done.stdout.split())
