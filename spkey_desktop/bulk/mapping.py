"""Which column of a file holds what: the plate, and the e-mail, phone or user
id that finds the user.

A mapping names columns by their header text, so it still fits when a file
arrives next month with its columns in another order. It is guessed from the
headers (in English, Polish and German, the languages of the files operators
receive) and remembered per file layout: the next file with the same headers
gets the mapping the operator confirmed, and a file with new headers gets the
last mapping wherever its columns are still there.

The memory is a small JSON file of its own in the config folder
(``import-mappings.json``), written atomically like the settings; losing it
costs a guess, never a choice that matters for safety, since every import is
previewed before anything is sent.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from spkey_desktop.settings import write_atomically

log = logging.getLogger(__name__)

MAPPINGS_FILE_NAME = "import-mappings.json"
SCHEMA_VERSION = 1
# Layouts remembered; the oldest is forgotten first.
_MAX_LAYOUTS = 50
# A header word this long or longer also counts inside a header ("Plate 1").
_MIN_CONTAINED = 5


class Field(Enum):
    """What a column can hold, as the mapping and the operator call it."""

    EMAIL = "e-mail"
    PHONE = "phone"
    USER_ID = "user id"
    PLATE = "plate"
    LABEL = "label"
    NAME = "name"


# Header words for each field, compared without case, spaces or punctuation.
_SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.EMAIL: ("email", "mail", "emailaddress", "adresemail", "emailadresse"),
    Field.PHONE: (
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "cell",
        "tel",
        "telephone",
        "telefon",
        "nrtelefonu",
        "telefonnummer",
        "handy",
    ),
    Field.USER_ID: ("userid", "uuid", "spkeyid", "smartphonekeyid"),
    Field.PLATE: (
        "plate",
        "licenseplate",
        "licenceplate",
        "numberplate",
        "registration",
        "registrationnumber",
        "reg",
        "regno",
        "vrm",
        "tablica",
        "tablicarejestracyjna",
        "nrrejestracyjny",
        "numerrejestracyjny",
        "kennzeichen",
        "plates",
    ),
    Field.LABEL: ("label", "description", "note", "notes", "car", "vehicle", "opis"),
    Field.NAME: (
        "name",
        "fullname",
        "displayname",
        "imienazwisko",
        "imieinazwisko",
        "nazwa",
    ),
}


def _normal(header: str) -> str:
    """ "E-Mail Address" -> "emailaddress"; "Imię i nazwisko" -> "imieinazwisko"."""
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and ch.isascii())


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """The header of the column holding each field, or None."""

    email: str | None = None
    phone: str | None = None
    user_id: str | None = None
    plate: str | None = None
    label: str | None = None
    name: str | None = None

    def column_of(self, field: Field) -> str | None:
        value: str | None = getattr(self, _ATTRIBUTE[field])
        return value

    def with_column(self, field: Field, header: str | None) -> ColumnMapping:
        return replace(self, **{_ATTRIBUTE[field]: header})

    def problem(self) -> str | None:
        """Why this mapping cannot be imported with, as a sentence."""
        if self.plate is None and not self.finds_users():
            return "Choose the column with the plates and the one that finds users."
        if not self.finds_users():
            return "Choose the column with e-mail addresses or phone numbers."
        return None

    def finds_users(self) -> bool:
        return any((self.email, self.phone, self.user_id))

    def indices(self, headers: tuple[str, ...]) -> dict[Field, int]:
        """Each mapped field's column number in ``headers``."""
        found = {}
        for field in Field:
            header = _match(self.column_of(field), headers)
            if header is not None:
                found[field] = headers.index(header)
        return found

    def fitted_to(self, headers: tuple[str, ...]) -> ColumnMapping:
        """This mapping in the spelling of ``headers``, without the columns
        they lack ("E-Mail" matches "e-mail")."""
        return ColumnMapping(
            **{_ATTRIBUTE[f]: _match(self.column_of(f), headers) for f in Field}
        )

    def to_json(self) -> dict[str, str]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}

    @classmethod
    def from_json(cls, data: Any) -> ColumnMapping:
        if not isinstance(data, dict):
            raise ValueError("a mapping must be a JSON object")
        known = {f.name for f in fields(cls)}
        return cls(
            **{k: v for k, v in data.items() if k in known and isinstance(v, str)}
        )


_ATTRIBUTE = {
    Field.EMAIL: "email",
    Field.PHONE: "phone",
    Field.USER_ID: "user_id",
    Field.PLATE: "plate",
    Field.LABEL: "label",
    Field.NAME: "name",
}


def _match(header: str | None, headers: tuple[str, ...]) -> str | None:
    """``header`` as spelled in ``headers``: exactly, else alike."""
    if header is None or header in headers:
        return header
    wanted = _normal(header)
    return next((h for h in headers if wanted and _normal(h) == wanted), None)


def guess_mapping(headers: tuple[str, ...]) -> ColumnMapping:
    """The mapping the headers suggest; a header is used for one field only."""
    mapping = ColumnMapping()
    taken: set[str] = set()
    normals = [(header, _normal(header)) for header in headers]
    # Exact words first, then headers that merely contain one ("Plate 1").
    for exact in (True, False):
        for field in Field:
            if mapping.column_of(field) is not None:
                continue
            for header, normal in normals:
                if header in taken or not normal:
                    continue
                words = _SYNONYMS[field]
                if exact:
                    hit = normal in words
                else:
                    # Short words ("reg", "tel") would match inside others.
                    hit = field is not Field.NAME and any(
                        len(w) >= _MIN_CONTAINED and w in normal for w in words
                    )
                if hit:
                    mapping = mapping.with_column(field, header)
                    taken.add(header)
                    break
    return mapping


def _filled(mapping: ColumnMapping, guessed: ColumnMapping) -> ColumnMapping:
    """``mapping`` with the fields it lacks taken from the guess, where the
    guessed column is not used for another field already."""
    used = {mapping.column_of(f) for f in Field} - {None}
    for field in Field:
        header = guessed.column_of(field)
        if mapping.column_of(field) is None and header not in used:
            mapping = mapping.with_column(field, header)
            used.add(header)
    return mapping


def layout_key(headers: tuple[str, ...]) -> str:
    """The headers of a file, as the key its mapping is remembered under."""
    return "\x1f".join(_normal(h) for h in headers)


class MappingMemory:
    """The mappings operators confirmed, by file layout; see the module text."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / MAPPINGS_FILE_NAME

    def mapping_for(self, headers: tuple[str, ...]) -> tuple[ColumnMapping, str]:
        """The mapping to start from, and where it came from, in words."""
        layouts, last = self._load()
        remembered = layouts.get(layout_key(headers))
        if remembered is not None:
            return remembered.fitted_to(headers), "the mapping used for this layout"
        guessed = guess_mapping(headers)
        if last is not None:
            fitted = last.fitted_to(headers)
            if fitted.problem() is None:
                return _filled(fitted, guessed), "the mapping used last time"
        return guessed, "a guess from the column names"

    def remember(self, headers: tuple[str, ...], mapping: ColumnMapping) -> None:
        """Keep ``mapping`` for this layout and as the last one used."""
        layouts, _ = self._load()
        layouts.pop(layout_key(headers), None)
        layouts[layout_key(headers)] = mapping
        while len(layouts) > _MAX_LAYOUTS:
            layouts.pop(next(iter(layouts)))
        document = {
            "schema_version": SCHEMA_VERSION,
            "layouts": {key: m.to_json() for key, m in layouts.items()},
            "last": mapping.to_json(),
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, text.encode("utf-8"))

    def _load(self) -> tuple[dict[str, ColumnMapping], ColumnMapping | None]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("schema_version") != SCHEMA_VERSION:
                raise ValueError(f"schema {document.get('schema_version')!r}")
            layouts = {
                str(key): ColumnMapping.from_json(value)
                for key, value in document.get("layouts", {}).items()
            }
            last = document.get("last")
            return layouts, None if last is None else ColumnMapping.from_json(last)
        except FileNotFoundError:
            return {}, None
        except (OSError, ValueError, AttributeError, TypeError) as error:
            # Only guesses are lost: start afresh, and say so in the log.
            log.info("Ignoring the saved import mappings in %s: %s", self.path, error)
            return {}, None
