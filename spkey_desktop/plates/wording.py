"""Plain-word descriptions of characters, for the sentences an operator reads.

The add-plate dialog tells the operator what it did to the text they typed or
pasted. Unicode names ("HYPHEN-MINUS", "ZERO WIDTH SPACE") are precise but not
what a parking operator would say, and some characters have no name at all
(control characters, lone surrogates from a badly decoded file). This module
turns a character into words that read well after "removed" or "changed", and
never puts an invisible or undisplayable character into a sentence.
"""

from __future__ import annotations

import unicodedata

# Characters operators really paste, with the words they would use. Each entry
# is (one, many); "{n}" in the second is replaced by the count.
_COMMON: dict[str, tuple[str, str]] = {
    " ": ("a space", "{n} spaces"),
    "\t": ("a tab", "{n} tabs"),
    "\n": ("a line break", "{n} line breaks"),
    "\r": ("a line break (carriage return)", "{n} line breaks (carriage return)"),
    "-": ("a hyphen (-)", "{n} hyphens (-)"),
    "\u2010": ("a hyphen (\u2010)", "{n} hyphens (\u2010)"),
    "\u2012": ("a figure dash (\u2012)", "{n} figure dashes (\u2012)"),
    "\u2013": ("an en dash (\u2013)", "{n} en dashes (\u2013)"),
    "\u2014": ("an em dash (\u2014)", "{n} em dashes (\u2014)"),
    "\u2015": ("a horizontal bar (\u2015)", "{n} horizontal bars (\u2015)"),
    "\u2212": ("a minus sign (\u2212)", "{n} minus signs (\u2212)"),
    ".": ("a dot (.)", "{n} dots (.)"),
    "\u00b7": ("a middle dot (\u00b7)", "{n} middle dots (\u00b7)"),
    "\u2022": ("a bullet (\u2022)", "{n} bullets (\u2022)"),
    "_": ("an underscore (_)", "{n} underscores (_)"),
    "/": ("a slash (/)", "{n} slashes (/)"),
    "\\": ("a backslash (\\)", "{n} backslashes (\\)"),
    ",": ("a comma (,)", "{n} commas (,)"),
    ":": ("a colon (:)", "{n} colons (:)"),
    ";": ("a semicolon (;)", "{n} semicolons (;)"),
    "'": ("an apostrophe (')", "{n} apostrophes (')"),
    "\u2019": ("an apostrophe (\u2019)", "{n} apostrophes (\u2019)"),
    '"': ('a quotation mark (")', '{n} quotation marks (")'),
    "#": ("a hash sign (#)", "{n} hash signs (#)"),
    "+": ("a plus sign (+)", "{n} plus signs (+)"),
    "*": ("an asterisk (*)", "{n} asterisks (*)"),
    "\u00ad": ("an invisible soft hyphen", "{n} invisible soft hyphens"),
    "\u200b": ("an invisible zero-width space", "{n} invisible zero-width spaces"),
    "\u200c": (
        "an invisible zero-width non-joiner",
        "{n} invisible zero-width non-joiners",
    ),
    "\u200d": ("an invisible zero-width joiner", "{n} invisible zero-width joiners"),
    "\u2060": ("an invisible word joiner", "{n} invisible word joiners"),
    "\ufeff": ("an invisible byte order mark", "{n} invisible byte order marks"),
}

# Unicode name prefixes of compatibility forms that NFKC turns into plain
# letters and digits, and how an operator would call them.
_COMPAT_KINDS = (
    ("FULLWIDTH ", "full-width"),
    ("HALFWIDTH ", "half-width"),
    ("SUPERSCRIPT ", "superscript"),
    ("SUBSCRIPT ", "subscript"),
    ("CIRCLED ", "circled"),
    ("PARENTHESIZED ", "bracketed"),
    ("MATHEMATICAL ", "styled"),
)

# Characters without a Unicode name, by general category.
_UNNAMED = {
    "Cc": "the control character",
    "Cs": "the broken character",
    "Co": "the private-use character",
    "Cn": "the unassigned character",
}


def code_point(char: str) -> str:
    """``U+200B``: how to point at a character that cannot be shown."""
    return f"U+{ord(char):04X}"


def removal(char: str, count: int) -> str:
    """The sentence for removing ``char`` ``count`` times, e.g. "removed 2 spaces".

    Repeats are grouped so that "AB - - 12" gives two lines, not five.
    """
    common = _COMMON.get(char)
    if common is not None:
        one, many = common
        return "removed " + (one if count == 1 else many.format(n=count))

    label = _label(char)
    return f"removed {label}" if count == 1 else f"removed {label} {count} times"


def _label(char: str) -> str:
    """Words for a character outside the common table.

    Visible symbols show themselves; invisible, combining and nameless ones
    show a code point instead, so that a sentence never holds a character that
    cannot be seen, or one that cannot be printed at all (a lone surrogate).
    """
    category = unicodedata.category(char)
    name = unicodedata.name(char, "").lower()
    if not name:
        return f"{_UNNAMED.get(category, 'the character')} {code_point(char)}"
    if category[0] in "CZ":
        return f"the invisible character {code_point(char)} ({name})"
    if category[0] == "M":
        return f"the mark {code_point(char)} ({name})"
    return f"{char} ({name})"


def compatibility_change(char: str, plain: str) -> str:
    """The sentence for NFKC turning ``char`` into ``plain``.

    Example: "changed full-width Ａ to A".
    """
    name = unicodedata.name(char, "")
    for prefix, kind in _COMPAT_KINDS:
        if name.startswith(prefix):
            return f"changed {kind} {char} to {plain}"
    return f"changed {char} ({name.lower()}) to {plain}"


def script_of(char: str) -> str:
    """The script a letter belongs to, in title case: "Cyrillic", "Greek"."""
    name = unicodedata.name(char, "")
    return name.split(" ")[0].title()


def digit_kind(char: str) -> str:
    """What to call a decimal digit: "Arabic-Indic digit", "Devanagari digit".

    Unicode names decimal digits "<SCRIPT> DIGIT <VALUE>", so the words before
    "DIGIT" name the script.
    """
    name = unicodedata.name(char, "")
    script, found, _ = name.partition(" DIGIT")
    return f"{script.title()} digit" if found else "digit"


def listing(items: list[str]) -> str:
    """``Ü``, ``Ü and Ö``, ``Ü, Ö and Ä``: a short list in plain words."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
