"""Each connection profile has a roster file of its own, whatever its name."""

from __future__ import annotations

from spkey_desktop.paths import AppPaths
from spkey_desktop.window_session import roster_path


def test_profiles_never_share_a_roster_file(tmp_path) -> None:
    paths = AppPaths.under(tmp_path)
    names = ["Прод", "Тест", "生产", "Site A/B", "Site A B", "Demo", "demo"]
    files = {roster_path(paths, name) for name in names}
    assert len(files) == len(names)
    assert roster_path(paths, "Demo", demo=True) not in files
    assert all(f.parent.parent == paths.data_dir for f in files)


def test_the_same_profile_keeps_its_file(tmp_path) -> None:
    paths = AppPaths.under(tmp_path)
    assert roster_path(paths, "Production") == roster_path(paths, "Production")
    assert roster_path(paths, "Production").name.startswith("Production-")
