"""Where the app's files go: --home, then $SPKEY_DESKTOP_HOME, then the platform."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs
import pytest

from spkey_desktop.paths import APP_NAME, HOME_ENV, AppPaths, HomeFolderError


def test_home_holds_all_four_folders(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)

    assert paths.all() == (
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "logs",
        tmp_path / "cache",
    )
    assert len(set(paths.all())) == 4


def test_explicit_home_wins_over_the_environment(tmp_path: Path) -> None:
    environ = {HOME_ENV: str(tmp_path / "from-env")}

    paths = AppPaths.resolve(tmp_path / "explicit", environ=environ)

    assert paths == AppPaths.under(tmp_path / "explicit")


def test_environment_is_used_without_explicit_home(tmp_path: Path) -> None:
    environ = {HOME_ENV: str(tmp_path / "from-env")}

    assert AppPaths.resolve(None, environ=environ) == AppPaths.under(
        tmp_path / "from-env"
    )


def test_environment_is_read_from_the_process_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))

    assert AppPaths.resolve() == AppPaths.under(tmp_path)


@pytest.mark.parametrize("home", [None, ""])
def test_platform_folders_without_home_or_environment(home: str | None) -> None:
    paths = AppPaths.resolve(home, environ={HOME_ENV: ""})

    assert paths == AppPaths.platform_default()
    assert paths.config_dir == Path(
        platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )
    assert paths.data_dir == Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert paths.log_dir == Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    assert paths.cache_dir == Path(
        platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    )
    for folder in paths.all():
        assert APP_NAME in folder.parts


def test_relative_home_becomes_absolute_at_resolution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    paths = AppPaths.resolve("relative")
    monkeypatch.chdir("/")

    assert paths.config_dir == tmp_path / "relative" / "config"
    assert all(folder.is_absolute() for folder in paths.all())


def test_tilde_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))

    assert AppPaths.under("~/spkey").data_dir == tmp_path / "spkey" / "data"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ensure_creates_private_folders(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        paths = AppPaths.under(tmp_path / "new" / "home").ensure()
    finally:
        os.umask(previous)

    for folder in paths.all():
        assert folder.is_dir()
        assert _mode(folder) == 0o700


def test_ensure_makes_existing_folders_private_and_keeps_their_files(
    tmp_path: Path,
) -> None:
    paths = AppPaths.under(tmp_path)
    paths.config_dir.mkdir(mode=0o755)
    kept = paths.config_dir / "settings.json"
    kept.write_text("{}")

    assert paths.ensure() is paths
    paths.ensure()

    assert _mode(paths.config_dir) == 0o700
    assert kept.read_text() == "{}"


# --- a home folder that cannot be one --------------------------------------------


def test_ensure_names_the_file_in_the_way(tmp_path: Path) -> None:
    home = tmp_path / "notes.txt"
    home.write_text("not a folder")

    with pytest.raises(HomeFolderError) as caught:
        AppPaths.under(home).ensure()

    sentence = str(caught.value)
    assert f"{home} is a file, not a folder" in sentence
    assert str(home / "config") in sentence
    assert sentence.endswith(".")
    assert isinstance(caught.value, OSError)
    assert home.read_text() == "not a folder"


def test_ensure_names_a_file_deeper_in_the_path(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "data").write_text("")

    with pytest.raises(HomeFolderError, match="data is a file, not a folder"):
        AppPaths.under(tmp_path / "home").ensure()


def test_check_finds_the_file_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(HomeFolderError):
        AppPaths.under(tmp_path / "file" / "deeper").check()

    AppPaths.under(tmp_path / "fresh").check()
    assert not (tmp_path / "fresh").exists()
