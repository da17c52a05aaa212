"""Column mapping: guessed from headers, remembered per file layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from spkey_desktop.bulk.mapping import (
    MAPPINGS_FILE_NAME,
    ColumnMapping,
    Field,
    MappingMemory,
    guess_mapping,
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ("User id", "Name", "E-mail", "Phone", "Status", "Plate", "Label", "Added"),
            ColumnMapping("E-mail", "Phone", "User id", "Plate", "Label", "Name"),
        ),
        (
            ("Imię i nazwisko", "Adres e-mail", "Nr telefonu", "Tablica rejestracyjna"),
            ColumnMapping(
                email="Adres e-mail",
                phone="Nr telefonu",
                plate="Tablica rejestracyjna",
                name="Imię i nazwisko",
            ),
        ),
        (
            ("Region", "Kennzeichen", "E-Mail-Adresse", "Handy"),
            ColumnMapping(email="E-Mail-Adresse", phone="Handy", plate="Kennzeichen"),
        ),
        (
            ("Licence plate 1", "Mail"),
            ColumnMapping(email="Mail", plate="Licence plate 1"),
        ),
        (("Username", "Colour"), ColumnMapping()),
    ],
)
def test_guessed_from_headers(headers, expected) -> None:
    assert guess_mapping(headers) == expected


def test_a_mapping_needs_a_way_to_find_users() -> None:
    assert ColumnMapping(plate="Plate").problem() is not None
    assert ColumnMapping().problem() is not None
    assert ColumnMapping(phone="Tel", plate="Plate").problem() is None
    assert ColumnMapping(phone="Tel", plate="Plate").indices(("Plate", "x", "Tel")) == {
        Field.PHONE: 2,
        Field.PLATE: 0,
    }


def test_the_confirmed_mapping_is_used_for_the_same_layout(tmp_path: Path) -> None:
    headers = ("Kol1", "Kol2", "Kol3")
    memory = MappingMemory(tmp_path)
    assert memory.mapping_for(headers)[0] == ColumnMapping()

    chosen = ColumnMapping(email="Kol3", plate="Kol1", label="Kol2")
    memory.remember(headers, chosen)

    again = MappingMemory(tmp_path)  # a later run reads the file
    assert again.mapping_for(headers) == (chosen, "the mapping used for this layout")
    # Header case and punctuation do not make a new layout.
    assert again.mapping_for(("kol1", "KOL2", "kol 3")) == (
        ColumnMapping(email="kol 3", plate="kol1", label="KOL2"),
        "the mapping used for this layout",
    )


def test_the_last_mapping_serves_a_new_layout_that_has_its_columns(tmp_path) -> None:
    memory = MappingMemory(tmp_path)
    memory.remember(("Kol1", "Kol3"), ColumnMapping(email="Kol3", plate="Kol1"))
    mapping, source = memory.mapping_for(("Extra", "Kol1", "Kol3"))
    assert mapping == ColumnMapping(email="Kol3", plate="Kol1")
    assert source == "the mapping used last time"
    # What the last mapping lacks is guessed, if its column is free.
    mapping, _ = memory.mapping_for(("Kol1", "Kol3", "Label", "Kol1 plate"))
    assert mapping == ColumnMapping(email="Kol3", plate="Kol1", label="Label")
    # Without those columns, the headers are guessed from.
    assert memory.mapping_for(("Plate", "Email"))[1] == "a guess from the column names"


def test_a_damaged_memory_file_costs_only_the_memory(tmp_path: Path) -> None:
    (tmp_path / MAPPINGS_FILE_NAME).write_text("{not json", encoding="utf-8")
    memory = MappingMemory(tmp_path)
    assert memory.mapping_for(("Plate", "Email"))[0] == ColumnMapping(
        email="Email", plate="Plate"
    )
    memory.remember(("a",), ColumnMapping(plate="a"))
    assert memory.mapping_for(("a",))[0] == ColumnMapping(plate="a")
