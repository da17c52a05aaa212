"""The add-plate preview, one keystroke at a time, with a large roster loaded.

Each keystroke canonicalizes what was typed and checks it against every plate
of the roster: already on this user, on another user, or one confusable
character away from another user's plate. Measured twice: the check alone
(the roster's ``PlateIndex``, as the dialog calls it), and the real
add-plate dialog updating its labels (``AddPlateDialog`` with the index's
check, the text typed character by character). Baseline: the same check as
a scan over every roster plate, which is what the index replaces.

Run by the driver: ``python -m benchmarks.plate_preview USERS``.
"""

from __future__ import annotations

import random
import sys
import time

from benchmarks.common import Result, emit, median, offscreen
from benchmarks.data import roster_users

# Plates typed by the operator, as they come: spaces, dashes, lower case,
# a Cyrillic letter pasted from a message, a lookalike of a roster plate.
TYPED = ("wx 12345a", "KR-55 1B", "po0a123", "gd.777 k", "ВХ 2000", "lu 9i8z7")


def keystrokes(plates: list[str]) -> list[str]:
    texts = []
    for plate in (*TYPED, *plates):
        texts += [plate[:n] for n in range(1, len(plate) + 1)]
    return texts


def main(argv: list[str]) -> int:
    offscreen()
    from PySide6.QtWidgets import QApplication

    from spkey_desktop.plates import canonicalize, lookalike_key
    from spkey_desktop.services.plate_check import RosterPlateIndex
    from spkey_desktop.services.roster_service import PlateChange
    from spkey_desktop.store.roster import RosterUser
    from spkey_desktop.ui.add_plate_dialog import AddPlateDialog

    app = QApplication.instance() or QApplication([])
    users = roster_users(int(argv[0]))
    index = RosterPlateIndex(users)
    rng = random.Random(7)
    # Roster plates typed again, some with a confusable character changed.
    samples = [rng.choice(u.plates).plate for u in rng.sample(users, 20)]
    samples = [p.replace("0", "O").replace("1", "I") for p in samples[:10]] + samples[
        10:
    ]
    texts = keystrokes(samples)
    me = users[0].user_id

    check_times = []
    for text in texts:
        started = time.perf_counter()
        index.check(text, me)
        check_times.append(time.perf_counter() - started)

    # What a scan would cost: every roster plate's canonical form and
    # lookalike key precomputed, one comparison of each per keystroke.
    table = [
        (u.user_id, canonicalize(p.plate).plate, lookalike_key(p.plate))
        for u in users
        for p in u.plates
    ]
    scan_times = []
    for text in texts[:40]:
        started = time.perf_counter()
        plate = canonicalize(text).plate
        key = lookalike_key(plate)
        _ = [row for row in table if row[1] == plate or row[2] == key]
        scan_times.append(time.perf_counter() - started)

    async def submit(user: RosterUser, plate: str, label: str) -> PlateChange:
        raise AssertionError("the benchmark never submits")

    dialog = AddPlateDialog(users[0], index.check, submit)
    dialog.show()
    app.processEvents()
    dialog_times = []
    for plate in (*TYPED, *samples):
        dialog.plate_edit.clear()
        app.processEvents()
        for char in plate:
            started = time.perf_counter()
            dialog.plate_edit.insert(char)
            dialog.repaint()
            dialog_times.append(time.perf_counter() - started)
    dialog.close()

    plates = len(table)
    emit(
        [
            Result(
                "preview.check_median",
                median(check_times),
                "s",
                target=0.002,
                baseline=median(scan_times),
                baseline_name=f"a scan over {plates} plates",
                note=f"{len(check_times)} keystrokes, {plates} roster plates",
            ),
            Result("preview.check_max", max(check_times), "s"),
            Result(
                "preview.dialog_keystroke_median",
                median(dialog_times),
                "s",
                note="the add-plate dialog: check, labels, repaint",
            ),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
