"""Properties of the plate rules that must hold for any text at all.

The dialog feeds ``canonicalize`` whatever the keyboard, the clipboard or a
spreadsheet gives it, so these tests throw arbitrary Unicode at it, lone
surrogates included, and check the promises the rest of the app relies on.
"""

from __future__ import annotations

import string
import sys
import time
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from spkey_desktop.plates import (
    CONFUSABLE_GROUPS,
    SHAPE_TWINS,
    CollisionKind,
    PlateIndex,
    canonicalize,
    lookalike_key,
)

# Any code point, surrogates included; the second strategy makes sure lone
# surrogates turn up often rather than by luck.
ANY_CHAR = st.one_of(
    st.characters(codec=None),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
)
ANY_TEXT = st.text(ANY_CHAR)
ASCII_PLATE = st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=12)
SEPARATORS = [" ", "-", "\u2013", "\u2014", "\u2212", ".", "\u00b7", "_", "/"]
SEPARATORS += ["\u200b", "\u200d", "\u00a0", "\t", "\x00", "\U0001f697"]


def is_letter_or_digit(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or category == "Nd"


@given(ANY_TEXT)
def test_never_raises_and_keeps_only_letters_and_digits(text: str) -> None:
    result = canonicalize(text)

    assert all(is_letter_or_digit(char) for char in result.plate)
    assert not any(char in SHAPE_TWINS for char in result.plate)
    assert not any(c.isdecimal() and not c.isascii() for c in result.plate)
    assert result.input == text


@given(ANY_TEXT)
def test_canonicalize_is_idempotent_and_has_nothing_more_to_say(text: str) -> None:
    plate = canonicalize(text).plate
    again = canonicalize(plate)

    assert again.plate == plate
    assert again.changes == ()


@given(ANY_TEXT)
def test_valid_exactly_when_something_is_left(text: str) -> None:
    result = canonicalize(text)

    assert result.valid == bool(result.plate)
    assert (result.error is None) == result.valid
    if not result.valid:
        assert result.warnings == ()


@given(ANY_TEXT)
def test_every_change_is_reported(text: str) -> None:
    # Composing a decomposed accent changes nothing the operator can see, so
    # only a plate that differs from the composed input must come with words.
    result = canonicalize(text)

    if result.plate != unicodedata.normalize("NFC", text):
        assert result.changes


@given(st.text(string.printable))
def test_ascii_text_keeps_its_letters_and_digits_upper_cased(text: str) -> None:
    expected = "".join(char for char in text if char.isalnum()).upper()

    assert canonicalize(text).plate == expected


@given(
    ASCII_PLATE, st.lists(st.tuples(st.integers(0, 12), st.sampled_from(SEPARATORS)))
)
def test_separators_anywhere_leave_the_plate_alone(
    plate: str, inserts: list[tuple[int, str]]
) -> None:
    text = plate
    for position, separator in inserts:
        text = text[:position] + separator + text[position:]

    assert canonicalize(text).plate == plate


@given(st.text(string.ascii_letters + string.digits, min_size=1))
def test_shortcut_for_keyboard_plates_says_what_the_full_path_says(text: str) -> None:
    # A trailing hyphen sends the same letters down the general path.
    short = canonicalize(text)
    full = canonicalize(text + "-")

    assert full.plate == short.plate
    assert full.changes == ("removed a hyphen (-)", *short.changes)
    assert full.warnings == short.warnings


def test_every_single_character_is_idempotent() -> None:
    """Each code point that leaves something behind, canonicalized twice.

    Hypothesis samples; this covers all of Unicode once, because a rare letter
    whose upper case NFKC would rewrite is exactly what sampling misses.
    """
    survivors = (
        chr(code)
        for code in range(sys.maxunicode + 1)
        if any(map(is_letter_or_digit, unicodedata.normalize("NFKC", chr(code))))
    )
    unstable = []
    for char in survivors:
        plate = canonicalize(char).plate
        if canonicalize(plate).plate != plate:
            unstable.append(char)

    assert unstable == []


def _long_inputs() -> dict[str, str]:
    every_char = "".join(chr(code) for code in range(0x20, 0x20 + 100_000))
    return {
        "keyboard plate": "AB12" * 25_000,
        "pasted text": ("Lorem ipsum, AB-123 \u00e4 \u2013 \u0410\u0412 " * 5000)[
            :100_000
        ],
        "100,000 distinct characters": every_char,
        "emoji": "\U0001f697" * 100_000,
        "combining marks": "a" + "\u0301" * 99_999,
        "lone surrogates": "\ud800\udfff" * 50_000,
    }


def test_100k_characters_of_any_kind_are_handled_quickly() -> None:
    # A sanity bound only: real timings belong to the benchmarks.
    for kind, text in _long_inputs().items():
        start = time.perf_counter()
        result = canonicalize(text)
        elapsed = time.perf_counter() - start

        assert elapsed < 2.0, f"{kind}: {elapsed:.2f} s"
        assert all(map(is_letter_or_digit, result.plate)), kind
        assert len(result.changes) <= 40, kind


@given(ANY_TEXT)
def test_lookalike_key_is_idempotent_and_ignores_how_plates_are_typed(
    text: str,
) -> None:
    key = lookalike_key(text)
    plate = canonicalize(text).plate

    assert lookalike_key(key) == key
    assert lookalike_key(plate) == key
    assert len(key) == len(plate)


@given(ANY_TEXT)
def test_lookalike_key_holds_one_character_per_group(text: str) -> None:
    stand_ins = {char for group in CONFUSABLE_GROUPS for char in group[1:]}

    assert not stand_ins & set(lookalike_key(text))


def _same_group(one: str, other: str) -> bool:
    return one == other or any(
        one in group and other in group for group in CONFUSABLE_GROUPS
    )


@given(ASCII_PLATE, ASCII_PLATE)
def test_same_key_exactly_when_only_confusable_characters_differ(
    one: str, other: str
) -> None:
    lookalike = len(one) == len(other) and all(map(_same_group, one, other))

    assert (lookalike_key(one) == lookalike_key(other)) == lookalike


@given(st.data())
def test_swapping_a_character_within_its_group_keeps_the_key(
    data: st.DataObject,
) -> None:
    group = data.draw(st.sampled_from(CONFUSABLE_GROUPS))
    plate = data.draw(ASCII_PLATE)
    position = data.draw(st.integers(0, len(plate)))
    one, other = data.draw(st.permutations(group))[:2]

    assert lookalike_key(plate[:position] + one + plate[position:]) == lookalike_key(
        plate[:position] + other + plate[position:]
    )


# Roster operations against a model that checks every entry one by one.
USERS = st.sampled_from(["u1", "u2", "u3"])
NAMES = st.sampled_from(["Ann", "Bob", "", "Cléa"])
ROSTER_PLATES = st.text("AB0Oo8DQ1Ii-\u0410 ", max_size=3)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), USERS, NAMES, ROSTER_PLATES),
        st.tuples(st.just("remove"), USERS, ROSTER_PLATES),
        st.tuples(st.just("remove_user"), USERS),
    ),
    max_size=25,
)


def _model_collisions(
    entries: dict[tuple[str, str], str], plate: str, user_id: str
) -> set[tuple[CollisionKind, str, str, str]]:
    """Collisions found the slow way: every roster entry compared."""
    mine = canonicalize(plate).plate
    found = set()
    for (holder, stored), name in entries.items():
        theirs = canonicalize(stored).plate
        if not mine or not theirs:
            continue
        if theirs == mine:
            kind = (
                CollisionKind.ALREADY_ON_THIS_USER
                if holder == user_id
                else CollisionKind.ON_ANOTHER_USER
            )
        elif holder != user_id and lookalike_key(theirs) == lookalike_key(mine):
            kind = CollisionKind.CONFUSABLE
        else:
            continue
        found.add((kind, stored, holder, name))
    return found


@settings(deadline=None, max_examples=300)
@given(OPERATIONS, USERS, st.data())
def test_index_agrees_with_checking_every_entry(
    operations: list[tuple[str, ...]], user_id: str, data: st.DataObject
) -> None:
    index = PlateIndex()
    entries: dict[tuple[str, str], str] = {}
    for operation, *args in operations:
        if operation == "add":
            holder, name, stored = args
            index.add(holder, name, stored)
            entries[(holder, stored)] = name
            entries.update({key: name for key in entries if key[0] == holder})
        elif operation == "remove":
            holder, stored = args
            assert index.remove(holder, stored) == ((holder, stored) in entries)
            entries.pop((holder, stored), None)
        else:
            (holder,) = args
            gone = [key for key in entries if key[0] == holder]
            assert index.remove_user(holder) == len(gone)
            for key in gone:
                del entries[key]

    # Half the time, check a plate that is on the roster, as typed differently.
    on_roster = [stored for _, stored in entries]
    if data.draw(st.booleans()) and on_roster:
        plate = data.draw(st.sampled_from(on_roster)).lower() + "-"
    else:
        plate = data.draw(ROSTER_PLATES)
    collisions = index.check(plate, user_id)

    assert len(index) == len(entries)
    assert {(c.kind, c.plate, c.user_id, c.user_name) for c in collisions} == (
        _model_collisions(entries, plate, user_id)
    )
    kinds = [list(CollisionKind).index(c.kind) for c in collisions]
    assert kinds == sorted(kinds)


def test_checking_a_100k_roster_is_quick() -> None:
    # A sanity bound only: real timings belong to the benchmarks.
    roster = [
        (f"u{n}", f"User {n}", f"{string.ascii_uppercase[n % 26]}B{n:06d}")
        for n in range(100_000)
    ]
    index = PlateIndex(roster)
    typed = [f"AB-{n:06d}" for n in range(0, 100_000, 100)]

    start = time.perf_counter()
    results = [index.check(plate, "u-new") for plate in typed]
    elapsed = time.perf_counter() - start

    assert elapsed < 2.0, f"{len(typed)} checks took {elapsed:.2f} s"
    assert len(index) == 100_000
    assert sum(1 for found in results if found) >= len(typed) // 26
