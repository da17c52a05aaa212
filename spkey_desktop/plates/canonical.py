"""The canonical form of a licence plate: exactly what a camera will read.

Cameras read only letters and digits, and the server only upper-cases and
drops spaces and dashes. Whatever else an operator types or pastes (a dot, an
invisible zero-width space from a web page, a Cyrillic С that looks like a
Latin C) would be stored as is and never match a camera read: a car left at
the barrier. So the app computes the canonical form itself, shows it while the
operator types, and says in plain words what it changed, because a plate that
silently differs from what was typed is as bad as a wrong one.

The steps are those of "Plate canonical form" in docs/product.md. This module
is pure: no I/O, no Qt. The dialog calls ``canonicalize`` on every keystroke,
so the common case (ASCII letters and digits) takes a shortcut, and the
general case decides each distinct character once and rewrites the string
with ``str.translate``: a pasted 100,000-character document takes tens of
milliseconds, a quarter of a second if every character in it is different.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from spkey_desktop.plates import wording

MIN_LENGTH = 2
MAX_LENGTH = 10

# How many items of one kind a list of changes or warnings names before it
# sums up the rest: the dialog has room for a few lines, not for a novel.
_MAX_LISTED = 8

# Passes over a plate before giving up on reaching a fixed point. One pass is
# enough for every single code point (the tests check them all); the rest are
# a guard for combinations nobody has found yet.
_MAX_PASSES = 4

_UPPER_CASED = "made lower-case letters upper case"
_EMPTY_INPUT = "Type a plate: letters and digits only."
_NOTHING_LEFT = "No letters or digits left: type a plate with letters and digits only."


def _twins(script: str, pairs: str) -> dict[str, str]:
    """Map ``<script> <name>`` letters to their Latin twin, looked up by name.

    Spelling the letters by their Unicode names keeps the table readable: in
    source code, a Cyrillic А cannot be told from a Latin A, but "EN" -> "H"
    plainly says that Cyrillic Н is folded by shape, not by sound.
    """
    twins = {}
    for pair in pairs.split(","):
        name, latin = pair.strip().rsplit(" ", 1)
        twins[unicodedata.lookup(f"{script} {name}")] = latin
    return twins


# Upper-case Cyrillic and Greek letters with a Latin twin of the same shape.
# The list in docs/product.md, plus the few letters drawn exactly like a Latin
# capital in common fonts: straight U (Ү), palochka (Ӏ), QA (Ԛ), WE (Ԝ), yot
# (Ϳ) and the lunate sigma (Ϲ). Letters that only resemble a Latin letter in
# lower case (п, г, и) or only roughly (Ё, Й) are kept, with a warning.
SHAPE_TWINS: dict[str, str] = {
    **_twins(
        "CYRILLIC CAPITAL LETTER",
        "A A, VE B, IE E, KA K, EM M, EN H, O O, ER P, ES C, TE T, U Y, HA X,"
        " BYELORUSSIAN-UKRAINIAN I I, JE J, DZE S, STRAIGHT U Y, QA Q, WE W",
    ),
    **_twins("CYRILLIC LETTER", "PALOCHKA I"),
    **_twins(
        "GREEK CAPITAL LETTER",
        "ALPHA A, BETA B, EPSILON E, ZETA Z, ETA H, IOTA I, KAPPA K, MU M, NU N,"
        " OMICRON O, RHO P, TAU T, UPSILON Y, CHI X, YOT J",
    ),
    **_twins("GREEK CAPITAL", "LUNATE SIGMA SYMBOL C"),
}
_FOLD_TWINS = str.maketrans(SHAPE_TWINS)

# In Python's re, \d is any decimal digit (Nd), of any script.
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")


class _Step(Enum):
    """What the canonical form does to one character (after NFKC)."""

    KEPT = "kept"
    REMOVED = "removed"
    UPPER_CASED = "upper-cased"
    FOLDED = "folded to its Latin twin"
    DIGIT = "changed to an ASCII digit"


@dataclass(frozen=True, slots=True)
class CanonicalPlate:
    """A plate as typed, its canonical form, and what the operator should know.

    ``changes`` and ``warnings`` are short sentences in plain words, ready to
    show under the field. ``valid`` is false only when nothing is left to
    store; warnings never block, they ask the operator to look again.
    """

    input: str
    plate: str
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    valid: bool = False

    @property
    def error(self) -> str | None:
        """Why the plate cannot be stored, as a sentence; None when it can."""
        if self.valid:
            return None

        # A field holding only spaces or invisible characters looks empty to
        # the operator, so it is answered as one.
        looks_empty = not any(
            char.isprintable() and not char.isspace() for char in self.input
        )
        return _EMPTY_INPUT if looks_empty else _NOTHING_LEFT


def canonicalize(text: str) -> CanonicalPlate:
    """The canonical form of ``text``, with every change and warning explained.

    Never raises for any ``str`` (lone surrogates included), and is idempotent:
    canonicalizing a canonical plate changes nothing.
    """
    # Plates typed on a normal keyboard are done with two C-level checks.
    if text.isascii() and text.isalnum():
        upper = text.upper()
        said = (_UPPER_CASED,) if upper != text else ()
        return CanonicalPlate(text, upper, said, _warnings(upper), valid=True)

    plate, changes = _canonical_form(text)

    # Upper case and folding come after NFKC, so they could in principle
    # leave a string that NFKC would write differently. Going round until
    # nothing changes makes canonicalize idempotent, which the dialog relies
    # on when it canonicalizes a plate it produced itself.
    seen = dict.fromkeys(changes)
    for _ in range(_MAX_PASSES):
        if _is_canonical(plate):
            break
        plate, more = _canonical_form(plate)
        seen.update(dict.fromkeys(more))

    return CanonicalPlate(
        text, plate, tuple(seen), _warnings(plate) if plate else (), bool(plate)
    )


def _canonical_form(text: str) -> tuple[str, list[str]]:
    """One pass of the product's steps over ``text``; returns plate and changes."""
    # Step 1: NFKC over the whole string, so that combining sequences compose
    # as Unicode defines (half-width ｶ followed by ﾞ is ガ).
    normal = unicodedata.normalize("NFKC", text)

    # Steps 2 to 5 depend on the character alone, so each distinct character
    # is decided once and the string rewritten in one C-level translate.
    counts = Counter(normal)
    steps = {char: _step(char) for char in counts}
    table = {ord(char): out for char, (_, out) in steps.items() if out != char}

    # Removing a dash can bring together Hangul letters that NFKC joins into
    # one syllable; composing them now saves a second pass.
    plate = unicodedata.normalize("NFKC", normal.translate(table))

    done: dict[_Step, list[tuple[str, str]]] = {step: [] for step in _Step}
    for char, (step, out) in steps.items():
        done[step].append((char, out))

    changes = _compatibility_changes(text)
    changes += _listed(
        done[_Step.REMOVED],
        lambda char, _: wording.removal(char, counts[char]),
        "removed {n} other kinds of characters",
    )
    if done[_Step.UPPER_CASED]:
        changes.append(_UPPER_CASED)
    changes += _listed(
        done[_Step.FOLDED],
        lambda char, out: (
            f"changed {wording.script_of(char)} letter {char} to Latin {out}"
        ),
        "changed {n} other letters to their Latin twins",
    )
    changes += _listed(
        done[_Step.DIGIT],
        lambda char, out: f"changed {wording.digit_kind(char)} {char} to {out}",
        "changed {n} other kinds of digits to 0–9",
    )
    return plate, changes


def _step(char: str) -> tuple[_Step, str]:
    """What becomes of one NFKC-normalized character, and what it becomes."""
    if char.isalpha():
        return _letter_step(char)

    # Step 5: digits of other scripts become ASCII digits.
    if char.isdecimal():
        if char.isascii():
            return _Step.KEPT, char
        return _Step.DIGIT, str(unicodedata.decimal(char))

    # Step 2: only letters (L*) and decimal digits (Nd) reach the camera.
    return _Step.REMOVED, ""


def _letter_step(char: str) -> tuple[_Step, str]:
    """Steps 3 and 4 for one letter: upper case, then its Latin twin if any."""
    # A few letters have no single upper-case letter (ǰ becomes J plus a
    # combining caron); those stay as typed rather than losing their mark, and
    # get the outside-A–Z warning.
    upper = char.upper()
    if upper != char and not upper.isalpha():
        upper = char

    folded = upper.translate(_FOLD_TWINS)
    if folded != upper:
        return _Step.FOLDED, folded
    if upper != char:
        return _Step.UPPER_CASED, upper
    return _Step.KEPT, char


def _is_canonical(plate: str) -> bool:
    """True when one more pass would leave ``plate`` as it is.

    Whole-string checks first, so that a long plate in another script costs
    no per-character work unless it holds a letter with no upper case of its
    own (ǰ).
    """
    if plate.isascii():
        return True
    if not unicodedata.is_normalized("NFKC", plate):
        return False
    if plate.translate(_FOLD_TWINS) != plate or _NON_ASCII_DIGIT.search(plate):
        return False
    if plate.upper() == plate:
        return True
    # Only the letters that upper case would change need a closer look.
    return all(_step(char)[1] == char for char in set(plate).difference(plate.upper()))


def _compatibility_changes(text: str) -> list[str]:
    """Sentences for the characters NFKC replaces by other letters or digits.

    Only replacements that leave something to store are told here (full-width
    Ａ to A); a character NFKC turns into punctuation is reported once, as a
    removal. Canonical equivalents (a decomposed Ü) look the same before and
    after, so composing them is not worth a sentence.
    """
    if unicodedata.is_normalized("NFKC", text):
        return []

    found = []
    for char in dict.fromkeys(unicodedata.normalize("NFC", text)):
        plain = unicodedata.normalize("NFKC", char)
        if plain != char and any(c.isalpha() or c.isdecimal() for c in plain):
            found.append((char, plain))
    return _listed(
        found,
        wording.compatibility_change,
        "changed {n} other kinds of characters to plain ones",
    )


def _listed(
    items: list[tuple[str, str]], say: Callable[[str, str], str], rest: str
) -> list[str]:
    """Sentences for ``items``, or for the first few and one for the rest.

    Only the sentences shown are built: a pasted document can hold tens of
    thousands of distinct characters.
    """
    if len(items) <= _MAX_LISTED:
        return [say(*item) for item in items]
    shown = [say(*item) for item in items[: _MAX_LISTED - 1]]
    return [*shown, rest.format(n=len(items) - len(shown))]


def _warnings(plate: str) -> tuple[str, ...]:
    """What the operator should look at again before storing ``plate``."""
    warnings = []
    if len(plate) < MIN_LENGTH:
        warnings.append(
            f"The plate has only {len(plate)} character, fewer than the usual "
            f"{MIN_LENGTH}: check that nothing is missing."
        )
    elif len(plate) > MAX_LENGTH:
        warnings.append(
            f"The plate has {len(plate)} characters, more than the usual "
            f"{MAX_LENGTH}: check for anything extra."
        )

    if not plate.isascii():
        warnings.append(_outside_a_to_z(plate))
    return tuple(warnings)


def _outside_a_to_z(plate: str) -> str:
    """The warning for letters a camera may not read, such as Ü or 京."""
    letters = [char for char in dict.fromkeys(plate) if not char.isascii()]
    if len(letters) == 1:
        return f"{letters[0]} is not a letter A–Z: many cameras cannot read it."

    shown = letters[:5]
    if len(letters) > len(shown):
        shown.append(f"{len(letters) - len(shown)} more")
    return (
        f"{wording.listing(shown)} are not letters A–Z: many cameras cannot read them."
    )
