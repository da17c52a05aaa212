"""Which text encoding a CSV file is in, and how sure that is.

A byte-order mark settles it, and so does text that is valid UTF-8 (other
encodings almost never produce it by chance). Anything else was written by an
older program in a Windows or ISO code page, and the bytes alone often cannot
say which: 0xA3 is Ł in Central European Windows-1250 and £ in Western
Windows-1252. The candidates are scored on what a name or a plate looks like
(letters next to letters, not currency signs inside a word); when candidates
that score alike read the file differently, the guess is marked uncertain and
the alternatives are offered, with the names they produce, for the operator
to choose.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

#: The code pages tried when a file is not UTF-8, in order of preference:
#: Excel's default on Western and on Central European Windows, then the
#: older ISO form of Central European text.
LEGACY_ENCODINGS = ("cp1252", "cp1250", "iso8859-2")

#: Every encoding the operator may choose from, with a name to show.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte order mark",
    "utf-16": "UTF-16 (Unicode text)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "iso8859-2": "ISO 8859-2 (Central European)",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    """The encoding used, whether the file leaves any doubt, and the others
    that would read it differently (best first)."""

    encoding: str
    certain: bool
    alternatives: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return encoding_name(self.encoding)


def encoding_name(encoding: str) -> str:
    return ENCODING_NAMES.get(codecs.lookup(encoding).name, encoding)


def has_bom(data: bytes) -> bool:
    return any(data.startswith(bom) for bom, _ in _BOMS)


def guess_encoding(data: bytes) -> EncodingGuess:
    """The encoding ``data`` is most likely in (see the module text)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return EncodingGuess(encoding, certain=True)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return EncodingGuess("utf-8", certain=True)

    readings: dict[str, str] = {}
    for encoding in LEGACY_ENCODINGS:
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not readings:
        # Latin-1 reads any byte; the operator sees what it made of the file.
        return EncodingGuess("latin-1", certain=False)

    ranked = sorted(readings, key=lambda e: -plausibility(readings[e]))
    best = ranked[0]
    others = tuple(e for e in ranked[1:] if readings[e] != readings[best])
    return EncodingGuess(best, certain=not others, alternatives=others)


def plausibility(text: str) -> int:
    """How much ``text`` reads like names and plates: higher is likelier.

    Only characters outside ASCII count, since every candidate reads ASCII
    the same. A letter scores; a symbol or control character next to a
    letter (the £ in "£ukasz", the ¹ in "W¹sik") costs more.
    """
    score = 0
    for index, char in enumerate(text):
        if char.isascii():
            continue
        if char.isalpha():
            score += 1
            continue
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        next_to_letter = before.isalpha() or after.isalpha()
        score -= 5 if not char.isprintable() else 3 if next_to_letter else 1
    return score
