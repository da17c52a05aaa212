"""Examples for the plate rules: what operators type and paste, and what is stored.

Characters that look alike are written as escapes or looked up by their
Unicode names, so that a reader can tell a Cyrillic А from a Latin A here.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest

from spkey_desktop.plates import (
    SHAPE_TWINS,
    CanonicalPlate,
    CollisionKind,
    PlateIndex,
    canonicalize,
    check_against_roster,
    lookalike_key,
)

UPPER = "made lower-case letters upper case"


def cyrillic(name: str) -> str:
    return unicodedata.lookup(f"CYRILLIC CAPITAL LETTER {name}")


def greek(name: str) -> str:
    return unicodedata.lookup(f"GREEK CAPITAL LETTER {name}")


# Separators of every kind between "AB" and "123": (text, the one change).
SEPARATORS = [
    ("AB-123", "removed a hyphen (-)"),
    ("AB\u2013123", "removed an en dash (\u2013)"),
    ("AB\u2014123", "removed an em dash (\u2014)"),
    ("AB\u2212123", "removed a minus sign (\u2212)"),
    # NFKC turns the non-breaking hyphen into the plain hyphen U+2010.
    ("AB\u2011123", "removed a hyphen (\u2010)"),
    ("AB\u2010123", "removed a hyphen (\u2010)"),
    ("AB\u2012123", "removed a figure dash (\u2012)"),
    ("AB\u2015123", "removed a horizontal bar (\u2015)"),
    ("AB\uff0d123", "removed a hyphen (-)"),
    ("AB\ufe63123", "removed a hyphen (-)"),
    ("AB.123", "removed a dot (.)"),
    ("AB\u00b7123", "removed a middle dot (\u00b7)"),
    ("AB\u2022123", "removed a bullet (\u2022)"),
    ("AB_123", "removed an underscore (_)"),
    ("AB/123", "removed a slash (/)"),
    ("AB\\123", "removed a backslash (\\)"),
    ("AB 123", "removed a space"),
    ("AB\u00a0123", "removed a space"),
    ("AB\u202f123", "removed a space"),
    ("AB\u3000123", "removed a space"),
    ("AB\t123", "removed a tab"),
    ("AB\n123", "removed a line break"),
    ("AB\u200b123", "removed an invisible zero-width space"),
    ("AB\u200c123", "removed an invisible zero-width non-joiner"),
    ("AB\u200d123", "removed an invisible zero-width joiner"),
    ("AB\u2060123", "removed an invisible word joiner"),
    ("AB\ufeff123", "removed an invisible byte order mark"),
    ("AB\u00ad123", "removed an invisible soft hyphen"),
    (
        "AB\u2066123",
        "removed the invisible character U+2066 (left-to-right isolate)",
    ),
    ("AB\x00123", "removed the control character U+0000"),
    ("AB\x1b123", "removed the control character U+001B"),
    ("AB\x7f123", "removed the control character U+007F"),
    ("AB\x85123", "removed the control character U+0085"),
    ("AB\U0001f697123", "removed \U0001f697 (automobile)"),
    ("AB\ud83d123", "removed the broken character U+D83D"),
    ("AB\ue000123", "removed the private-use character U+E000"),
    ("AB\u0378123", "removed the unassigned character U+0378"),
]


@pytest.mark.parametrize(("text", "change"), SEPARATORS)
def test_separator_is_removed_and_reported(text: str, change: str) -> None:
    result = canonicalize(text)

    assert result.plate == "AB123"
    assert result.changes == (change,)
    assert result.warnings == ()
    assert result.valid


@pytest.mark.parametrize(
    ("text", "plate", "changes"),
    [
        ("A-B-1-2", "AB12", ("removed 3 hyphens (-)",)),
        ("A B 1 2", "AB12", ("removed 3 spaces",)),
        ("A.B.1.2", "AB12", ("removed 3 dots (.)",)),
        (
            "ab\u201312 3",
            "AB123",
            ("removed an en dash (\u2013)", "removed a space", UPPER),
        ),
        (
            "AB\U0001f697\U0001f69712",
            "AB12",
            ("removed \U0001f697 (automobile) 2 times",),
        ),
        (
            "AB\U0001f44d\U0001f3fd12",
            "AB12",
            (
                "removed \U0001f44d (thumbs up sign)",
                "removed \U0001f3fd (emoji modifier fitzpatrick type-4)",
            ),
        ),
        (
            "\U0001f1e9\U0001f1eaAB12",
            "AB12",
            (
                "removed \U0001f1e9 (regional indicator symbol letter d)",
                "removed \U0001f1ea (regional indicator symbol letter e)",
            ),
        ),
        (
            "1\ufe0f\u20e3AB",
            "1AB",
            (
                "removed the mark U+FE0F (variation selector-16)",
                "removed the mark U+20E3 (combining enclosing keycap)",
            ),
        ),
        ("A\u0331B12", "AB12", ("removed the mark U+0331 (combining macron below)",)),
    ],
)
def test_removals_are_grouped_and_named(
    text: str, plate: str, changes: tuple[str, ...]
) -> None:
    result = canonicalize(text)

    assert result.plate == plate
    assert result.changes == changes


@pytest.mark.parametrize(
    ("text", "plate", "changes"),
    [
        ("ab123", "AB123", (UPPER,)),
        ("Ab123", "AB123", (UPPER,)),
        ("AB123", "AB123", ()),
        (
            "\uff21\uff22\uff11\uff12\uff13",
            "AB123",
            (
                "changed full-width \uff21 to A",
                "changed full-width \uff22 to B",
                "changed full-width \uff11 to 1",
                "changed full-width \uff12 to 2",
                "changed full-width \uff13 to 3",
            ),
        ),
        (
            "\uff41\uff11",
            "A1",
            ("changed full-width \uff41 to a", "changed full-width \uff11 to 1", UPPER),
        ),
        ("AB\u00b2", "AB2", ("changed superscript \u00b2 to 2",)),
        ("AB\u2460", "AB1", ("changed circled \u2460 to 1",)),
        (
            "\ufb01\u0031",
            "FI1",
            ("changed \ufb01 (latin small ligature fi) to fi", UPPER),
        ),
        (
            "AB\u00bd",
            "AB12",
            (
                "changed \u00bd (vulgar fraction one half) to 1\u20442",
                "removed \u2044 (fraction slash)",
            ),
        ),
    ],
)
def test_case_and_compatibility_forms(
    text: str, plate: str, changes: tuple[str, ...]
) -> None:
    result = canonicalize(text)

    assert result.plate == plate
    assert result.changes == changes


CYRILLIC_TWINS = [
    ("A", "A"),
    ("VE", "B"),
    ("IE", "E"),
    ("KA", "K"),
    ("EM", "M"),
    ("EN", "H"),
    ("O", "O"),
    ("ER", "P"),
    ("ES", "C"),
    ("TE", "T"),
    ("U", "Y"),
    ("HA", "X"),
    ("BYELORUSSIAN-UKRAINIAN I", "I"),
    ("JE", "J"),
    ("DZE", "S"),
]
GREEK_TWINS = [
    ("ALPHA", "A"),
    ("BETA", "B"),
    ("EPSILON", "E"),
    ("ZETA", "Z"),
    ("ETA", "H"),
    ("IOTA", "I"),
    ("KAPPA", "K"),
    ("MU", "M"),
    ("NU", "N"),
    ("OMICRON", "O"),
    ("RHO", "P"),
    ("TAU", "T"),
    ("UPSILON", "Y"),
    ("CHI", "X"),
]


@pytest.mark.parametrize(("name", "latin"), CYRILLIC_TWINS)
def test_cyrillic_twin_is_folded_by_shape(name: str, latin: str) -> None:
    letter = cyrillic(name)
    result = canonicalize(f"1{letter}2")

    assert result.plate == f"1{latin}2"
    assert result.changes == (f"changed Cyrillic letter {letter} to Latin {latin}",)
    assert result.warnings == ()


@pytest.mark.parametrize(("name", "latin"), CYRILLIC_TWINS)
def test_lower_case_cyrillic_twin_is_folded_too(name: str, latin: str) -> None:
    small = cyrillic(name).lower()
    result = canonicalize(f"1{small}2")

    assert result.plate == f"1{latin}2"
    assert result.changes == (f"changed Cyrillic letter {small} to Latin {latin}",)


@pytest.mark.parametrize(("name", "latin"), GREEK_TWINS)
def test_greek_twin_is_folded_by_shape(name: str, latin: str) -> None:
    letter = greek(name)
    result = canonicalize(f"1{letter}2")

    assert result.plate == f"1{latin}2"
    assert result.changes == (f"changed Greek letter {letter} to Latin {latin}",)


def test_cyrillic_plate_from_the_brief() -> None:
    # А, В and С below are Cyrillic.
    text = "\u0410123\u0412\u042177"
    result = canonicalize(text)

    assert result.plate == "A123BC77"
    assert result.changes == (
        "changed Cyrillic letter \u0410 to Latin A",
        "changed Cyrillic letter \u0412 to Latin B",
        "changed Cyrillic letter \u0421 to Latin C",
    )


@pytest.mark.parametrize(
    "letter",
    [
        # Letters with no Latin twin of the same shape: kept, with a warning.
        cyrillic("BE"),
        cyrillic("GHE"),
        cyrillic("DE"),
        cyrillic("ZHE"),
        cyrillic("I"),
        cyrillic("PE"),
        cyrillic("YA"),
        cyrillic("IO"),
        greek("GAMMA"),
        greek("DELTA"),
        greek("LAMDA"),
        greek("PI"),
        greek("SIGMA"),
        greek("PHI"),
        greek("OMEGA"),
    ],
)
def test_letter_without_latin_twin_is_kept_with_warning(letter: str) -> None:
    result = canonicalize(f"AB{letter}1")

    assert result.plate == f"AB{letter}1"
    assert result.warnings == (
        f"{letter} is not a letter A–Z: many cameras cannot read it.",
    )


@pytest.mark.parametrize(
    ("small", "kept"),
    [
        # Lower-case п, г and и look like n, r and u, but the plate is upper
        # case, and П, Г and И look like no Latin letter.
        ("\u043f", "\u041f"),
        ("\u0433", "\u0413"),
        ("\u0438", "\u0418"),
    ],
)
def test_lower_case_lookalikes_are_judged_by_their_upper_case(
    small: str, kept: str
) -> None:
    assert canonicalize(f"A{small}1").plate == f"A{kept}1"


def test_shape_twins_are_cyrillic_or_greek_and_map_to_a_to_z() -> None:
    for letter, latin in SHAPE_TWINS.items():
        assert unicodedata.name(letter).split()[0] in {"CYRILLIC", "GREEK"}
        assert letter.isupper()
        assert len(latin) == 1
        assert "A" <= latin <= "Z"


@pytest.mark.parametrize(
    ("text", "plate", "changes"),
    [
        (
            "\u0663\u0664AB",
            "34AB",
            (
                "changed Arabic-Indic digit \u0663 to 3",
                "changed Arabic-Indic digit \u0664 to 4",
            ),
        ),
        (
            "AB\u06f1\u06f2",
            "AB12",
            (
                "changed Extended Arabic-Indic digit \u06f1 to 1",
                "changed Extended Arabic-Indic digit \u06f2 to 2",
            ),
        ),
        (
            "\u0967\u0968\u0969",
            "123",
            (
                "changed Devanagari digit \u0967 to 1",
                "changed Devanagari digit \u0968 to 2",
                "changed Devanagari digit \u0969 to 3",
            ),
        ),
        (
            "\u0660\u0660",
            "00",
            ("changed Arabic-Indic digit \u0660 to 0",),
        ),
    ],
)
def test_digits_of_other_scripts_become_ascii(
    text: str, plate: str, changes: tuple[str, ...]
) -> None:
    result = canonicalize(text)

    assert result.plate == plate
    assert result.changes == changes


@pytest.mark.parametrize(
    ("text", "plate", "changes", "warnings"),
    [
        (
            "T\u00dc 123",
            "T\u00dc123",
            ("removed a space",),
            ("\u00dc is not a letter A–Z: many cameras cannot read it.",),
        ),
        # A decomposed Ü (U and a combining diaeresis) becomes the same Ü.
        (
            "TU\u0308123",
            "T\u00dc123",
            (),
            ("\u00dc is not a letter A–Z: many cameras cannot read it.",),
        ),
        (
            "\u4eacA12345",
            "\u4eacA12345",
            (),
            ("\u4eac is not a letter A–Z: many cameras cannot read it.",),
        ),
        (
            "\u4eacA\u00b712345",
            "\u4eacA12345",
            ("removed a middle dot (\u00b7)",),
            ("\u4eac is not a letter A–Z: many cameras cannot read it.",),
        ),
        (
            "\u00c4\u00d6\u00dc1",
            "\u00c4\u00d6\u00dc1",
            (),
            (
                "\u00c4, \u00d6 and \u00dc are not letters A–Z: "
                "many cameras cannot read them.",
            ),
        ),
        (
            "t\u00fc1",
            "T\u00dc1",
            (UPPER,),
            ("\u00dc is not a letter A–Z: many cameras cannot read it.",),
        ),
        # Half-width katakana and its voicing mark compose, as NFKC defines.
        (
            "\uff76\uff9e12",
            "\u30ac12",
            ("changed half-width \uff76 to \u30ab",),
            ("\u30ac is not a letter A–Z: many cameras cannot read it.",),
        ),
    ],
)
def test_other_letters_are_kept_with_a_warning(
    text: str, plate: str, changes: tuple[str, ...], warnings: tuple[str, ...]
) -> None:
    result = canonicalize(text)

    assert result.plate == plate
    assert result.changes == changes
    assert result.warnings == warnings
    assert result.valid


def test_many_letters_outside_a_to_z_are_summed_up() -> None:
    result = canonicalize("\u00c4\u00d6\u00dc\u00c9\u00c8\u00ca\u00cb\u00cf")

    assert result.warnings == (
        "\u00c4, \u00d6, \u00dc, \u00c9, \u00c8 and 3 more are not letters A–Z: "
        "many cameras cannot read them.",
    )


def test_hangul_letters_split_by_a_dash_are_joined() -> None:
    # The dash sits between a leading consonant and a vowel; once it is gone
    # they are one syllable, as a second canonicalization would make them.
    result = canonicalize("\u1112-\u1161")

    assert result.plate == "\ud558"
    assert result.changes == ("removed a hyphen (-)",)


@pytest.mark.parametrize(
    ("text", "error", "changes"),
    [
        ("", "Type a plate: letters and digits only.", ()),
        ("   ", "Type a plate: letters and digits only.", ("removed 3 spaces",)),
        (
            "\t\n",
            "Type a plate: letters and digits only.",
            ("removed a tab", "removed a line break"),
        ),
        (
            "\u200b\u00a0",
            "Type a plate: letters and digits only.",
            ("removed an invisible zero-width space", "removed a space"),
        ),
        (
            "--",
            "No letters or digits left: type a plate with letters and digits only.",
            ("removed 2 hyphens (-)",),
        ),
        (
            "\U0001f697",
            "No letters or digits left: type a plate with letters and digits only.",
            ("removed \U0001f697 (automobile)",),
        ),
    ],
)
def test_nothing_left_is_invalid_with_an_error(
    text: str, error: str, changes: tuple[str, ...]
) -> None:
    result = canonicalize(text)

    assert result.plate == ""
    assert not result.valid
    assert result.error == error
    assert result.warnings == ()
    assert result.changes == changes


def test_valid_plate_has_no_error() -> None:
    assert canonicalize("AB-12").error is None


@pytest.mark.parametrize(
    ("text", "warnings"),
    [
        (
            "A",
            (
                "The plate has only 1 character, fewer than the usual 2: "
                "check that nothing is missing.",
            ),
        ),
        ("AB", ()),
        ("ABCDE12345", ()),
        (
            "ABCDE-123456",
            (
                "The plate has 11 characters, more than the usual 10: "
                "check for anything extra.",
            ),
        ),
        (
            "A" * 40,
            (
                "The plate has 40 characters, more than the usual 10: "
                "check for anything extra.",
            ),
        ),
    ],
)
def test_length_warnings(text: str, warnings: tuple[str, ...]) -> None:
    result = canonicalize(text)

    assert result.warnings == warnings
    assert result.valid


def test_many_kinds_of_removed_characters_are_summed_up() -> None:
    symbols = "!#$%&()*+,-./:;<=>?@[]^_`{|}~"
    result = canonicalize(f"AB{symbols}12")

    assert result.plate == "AB12"
    assert len(result.changes) == 8
    assert result.changes[-1] == f"removed {len(symbols) - 7} other kinds of characters"


def test_canonical_plate_is_frozen() -> None:
    result = canonicalize("ab-12")

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.plate = "XY99"  # type: ignore[misc]
    assert isinstance(result, CanonicalPlate)
    assert result.input == "ab-12"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("AB0123", "ABO123"),
        ("ABD123", "ABQ123"),
        ("O0DQ", "QDO0"),
        ("AI1", "A1I"),
        ("B8X", "8BX"),
        ("S5X", "5SX"),
        ("Z2X", "2ZX"),
        ("G6X", "6GX"),
        ("ab-0 1", "ABOI"),
        # Cyrillic О and К fold to Latin O and K first.
        ("\u041e\u041a1", "0KI"),
    ],
)
def test_confusable_plates_share_a_lookalike_key(one: str, other: str) -> None:
    assert lookalike_key(one) == lookalike_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("AB123", "AB124"),
        ("ABC", "ABE"),
        ("I1", "L1"),
        ("AB12", "AB123"),
        ("B8", "B3"),
    ],
)
def test_different_plates_have_different_lookalike_keys(one: str, other: str) -> None:
    assert lookalike_key(one) != lookalike_key(other)


ROSTER = [
    ("u1", "Alice Martin", "AB123"),
    ("u2", "Bob Durand", "XY0123"),
    ("u3", "Carol Petit", "XYO123"),
    ("u4", "Dan Roux", "KL55"),
]


def test_plate_already_on_this_user() -> None:
    collisions = PlateIndex(ROSTER).check("ab-123", "u1")

    assert [(c.kind, c.plate, c.user_id) for c in collisions] == [
        (CollisionKind.ALREADY_ON_THIS_USER, "AB123", "u1")
    ]
    assert collisions[0].message == "AB123 is already on this user: nothing to add."


def test_plate_on_another_user_says_who() -> None:
    collisions = PlateIndex(ROSTER).check("AB 123", "u9")

    assert len(collisions) == 1
    assert collisions[0].kind is CollisionKind.ON_ANOTHER_USER
    assert collisions[0].user_name == "Alice Martin"
    assert collisions[0].message == (
        "AB123 is already on Alice Martin: check who the car belongs to before "
        "adding it here."
    )


def test_lookalike_on_another_user_says_which_plate_and_whose() -> None:
    collisions = PlateIndex(ROSTER).check("KLS5", "u9")

    assert len(collisions) == 1
    collision = collisions[0]
    assert collision.kind is CollisionKind.CONFUSABLE
    assert (collision.plate, collision.user_id, collision.user_name) == (
        "KL55",
        "u4",
        "Dan Roux",
    )
    assert collision.message == (
        "KL55 on Dan Roux differs from KLS5 only by characters cameras confuse "
        "(S and 5): check that it is not the same car."
    )


def test_exact_plate_on_another_user_is_not_also_a_lookalike() -> None:
    collisions = PlateIndex(ROSTER).check("XY0123", "u9")

    assert [(c.kind, c.user_id) for c in collisions] == [
        (CollisionKind.ON_ANOTHER_USER, "u2"),
        (CollisionKind.CONFUSABLE, "u3"),
    ]


def test_lookalike_on_the_same_user_is_not_reported() -> None:
    # Whichever of Bob's plates the camera reads, the gate opens for Bob.
    collisions = PlateIndex(ROSTER).check("XYD123", "u2")

    assert [(c.kind, c.user_id) for c in collisions] == [
        (CollisionKind.CONFUSABLE, "u3")
    ]


def test_collisions_come_in_order_own_then_others_then_lookalikes() -> None:
    index = PlateIndex(
        [
            ("u1", "Zoe", "CD0"),
            ("u2", "Yann", "CD0"),
            ("u3", "Xavier", "CDO"),
            ("u4", "Anna", "CD0"),
        ]
    )

    collisions = index.check("CD0", "u1")

    assert [(c.kind, c.user_name) for c in collisions] == [
        (CollisionKind.ALREADY_ON_THIS_USER, "Zoe"),
        (CollisionKind.ON_ANOTHER_USER, "Anna"),
        (CollisionKind.ON_ANOTHER_USER, "Yann"),
        (CollisionKind.CONFUSABLE, "Xavier"),
    ]


def test_roster_plate_stored_with_cyrillic_letters_still_matches() -> None:
    # An older client stored Bob's plate with Cyrillic А, В and С.
    stored = "\u0410123\u0412\u042177"
    index = PlateIndex([("u2", "Bob", stored)])

    collisions = index.check("a123bc77", "u1")

    assert [(c.kind, c.plate) for c in collisions] == [
        (CollisionKind.ON_ANOTHER_USER, stored)
    ]


def test_nameless_user_is_named_by_id() -> None:
    collisions = PlateIndex([("u42", "  ", "AB1")]).check("AB1", "u1")

    assert collisions[0].message.startswith("AB1 is already on user u42:")


def test_nothing_to_collide_with_for_an_empty_plate() -> None:
    index = PlateIndex([("u1", "Alice", "--")])

    assert index.check("", "u2") == ()
    assert index.check("- -", "u2") == ()
    assert len(index) == 1


def test_add_and_remove_update_the_index() -> None:
    index = PlateIndex(ROSTER)
    assert len(index) == 4

    index.add("u5", "Eve", "NEW1")
    assert len(index) == 5
    assert [c.user_id for c in index.check("NEWI", "u9")] == ["u5"]

    assert index.remove("u5", "NEW1")
    assert len(index) == 4
    assert index.check("NEW1", "u9") == ()
    assert not index.remove("u5", "NEW1")
    assert not index.remove("u1", "NOPE")


def test_adding_the_same_plate_twice_counts_once() -> None:
    index = PlateIndex(ROSTER)
    index.add("u1", "Alice Martin", "AB123")

    assert len(index) == 4
    assert len(index.check("AB123", "u9")) == 1


def test_remove_user_drops_all_their_plates() -> None:
    index = PlateIndex([*ROSTER, ("u2", "Bob Durand", "QQ1")])

    assert index.remove_user("u2") == 2
    assert len(index) == 3
    assert index.check("QQ1", "u9") == ()
    assert [c.user_id for c in index.check("XY0123", "u9")] == ["u3"]
    assert index.remove_user("u2") == 0


def test_removing_one_holder_keeps_the_other() -> None:
    index = PlateIndex([("u1", "Alice", "AB1"), ("u2", "Bob", "AB1")])
    index.remove("u1", "AB1")

    assert [c.user_id for c in index.check("AB1", "u9")] == ["u2"]
    assert [c.user_id for c in index.check("ABI", "u9")] == ["u2"]


def test_the_name_given_last_is_shown() -> None:
    index = PlateIndex(ROSTER)
    index.add("u1", "Alice Martin-Leroy", "AB999")

    (collision,) = index.check("AB123", "u9")
    assert collision.user_name == "Alice Martin-Leroy"
    assert "Alice Martin-Leroy" in collision.message


def test_check_against_roster_bundles_plate_and_collisions() -> None:
    index = PlateIndex(ROSTER)

    mine = check_against_roster("ab\u2013123", roster=index, user_id="u1")
    theirs = check_against_roster("ab\u2013123", roster=index, user_id="u9")

    assert mine.plate == "AB123"
    assert mine.valid
    assert mine.already_on_user
    assert mine.canonical.changes == (
        "removed an en dash (\u2013)",
        "made lower-case letters upper case",
    )
    assert not theirs.already_on_user
    assert [c.kind for c in theirs.collisions] == [CollisionKind.ON_ANOTHER_USER]


def test_check_against_roster_of_nothing() -> None:
    result = check_against_roster(" ", roster=PlateIndex(ROSTER), user_id="u1")

    assert not result.valid
    assert result.collisions == ()
