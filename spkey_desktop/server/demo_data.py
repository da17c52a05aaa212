"""Raw material for the demo organization: names, e-mail domains, phones, plates.

All of it is invented. E-mail domains are under example.com/.org/.net and
camera addresses are in 192.0.2.0/24 (TEST-NET-1), so nothing points anywhere.
"""

from __future__ import annotations

from random import Random


def _items(text: str) -> list[str]:
    """The items of a comma-separated list (an item may be empty)."""
    return text.split(", ")


# Per locale: male first names, female first names, surnames. A surname with a
# "|" has a female form after the bar (Polish -ski/-ska, Czech -ová).
NAMES: dict[str, tuple[str, str, str]] = {
    "PL": (
        "Łukasz, Paweł, Grzegorz, Jędrzej, Michał, Tomasz, Wojciech, Krzysztof, "
        "Bartłomiej, Maciej, Przemysław, Zbigniew",
        "Małgorzata, Zofia, Agnieszka, Katarzyna, Joanna, Bożena, Ewa, Magdalena, "
        "Żaneta, Urszula, Jadwiga, Halina",
        "Kowalski|Kowalska, Wójcik, Wiśniewski|Wiśniewska, Zając, "
        "Szymański|Szymańska, Woźniak, Dąbrowski|Dąbrowska, Kaczmarek, "
        "Lewandowski|Lewandowska, Żółkiewski|Żółkiewska, Grabowski|Grabowska, "
        "Pawłowski|Pawłowska, Krawczyk, Mazur, Jabłoński|Jabłońska, "
        "Chmielewski|Chmielewska, Ślusarczyk, Gołębiowski|Gołębiowska",
    ),
    "DE": (
        "Jürgen, Björn, Lukas, Matthias, Jörg, Maximilian, Günther",
        "Käthe, Jana, Sophie, Bärbel, Lena, Anja, Lea",
        "Müller, Schröder, Weiß, Groß, Köhler, Schäfer, Hoffmann, Becker, Krüger, "
        "Wagner, Straßburger",
    ),
    "FR": (
        "Jérôme, François, Loïc, Benoît, Théo, Anaël",
        "Hélène, Françoise, Chloé, Léa, Mélanie, Noémie",
        "Lefèvre, Dubois, Gauthier, Moreau, Rousseau, Fournier, Girard, Faure, "
        "Bélanger",
    ),
    "NL": (
        "Sven, Daan, Bram, Joost, Sjoerd",
        "Anouk, Sanne, Femke, Lotte, Eline",
        "de Vries, van den Berg, Jansen, Bakker, van Dijk, Visser, de Jong, van 't Hof",
    ),
    "UK": (
        "Oliver, Harry, George, Rhys, Callum, Eóin",
        "Siobhán, Amelia, Isla, Niamh, Charlotte, Zoë",
        "O'Connor, Smith, Taylor, Davies, Evans, MacDonald, Hughes, Ó Briain",
    ),
    "CZ": (
        "Tomáš, Jiří, Ondřej, Matěj",
        "Kateřina, Lucie, Markéta, Zuzana",
        "Dvořák|Dvořáková, Novák|Nováková, Černý|Černá, Procházka|Procházková, "
        "Růžička|Růžičková",
    ),
    "ES": (
        "José, Íñigo, Raúl, Martín",
        "Begoña, María José, Núria, Lucía",
        "Núñez García, Fernández, Muñoz Peña, Ibáñez, Gómez",
    ),
    "TR": (
        "Emre, Çağrı, Barış, İlker",
        "Gülay, Özge, Şeyma, Ayşe",
        "Öztürk, Yılmaz, Şahin, Çelik, Doğan",
    ),
}


def names_of(locale: str) -> tuple[list[str], list[str], list[str]]:
    """Male first names, female first names and surnames of a locale."""
    male, female, surnames = NAMES[locale]
    return _items(male), _items(female), _items(surnames)


LOCALE_WEIGHTS = {
    "PL": 45,
    "DE": 15,
    "UK": 8,
    "NL": 8,
    "FR": 8,
    "CZ": 6,
    "ES": 5,
    "TR": 5,
}

EMAIL_DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "acme-logistics.example.com",
    "tenants.example.org",
]

# Country calling code and (first digits, number of further digits).
PHONES: dict[str, tuple[str, list[str], int]] = {
    "PL": ("48", ["50", "51", "53", "60", "66", "69", "72", "79", "88"], 7),
    "DE": ("49", ["151", "160", "170", "176"], 8),
    "UK": ("44", ["74", "77", "78", "79"], 8),
    "NL": ("31", ["6"], 8),
    "FR": ("33", ["6", "7"], 8),
    "CZ": ("420", ["60", "72", "77"], 7),
    "ES": ("34", ["6"], 8),
    "TR": ("90", ["53", "54", "55"], 8),
}

LABELS = _items(
    "Company car, Private, Visitor, Delivery van, Pool car, Second car, Motorbike, "
    "Leased, Electric, "
)
LABEL_WEIGHTS = [22, 30, 8, 6, 6, 10, 3, 6, 5, 4]

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DIGITS = "0123456789"
_PL_AREAS = _items("WA, WE, WI, KR, KK, GD, GA, PO, PZ, WR, DW, LU, SZ, BI, EL, RZ, OP")
_DE_CITIES = _items("B, M, HH, K, F, S, TÜ, D, HB, L, MÜ, GÖ")
_ES_LETTERS = "BCDFGHJKLMNPRSTVWXYZ"


def _pick(rng: Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def typed_plate(rng: Random, country: str) -> str:
    """A plate the way a person would type it: with the usual spaces and dashes."""
    if country == "PL":
        area = rng.choice(_PL_AREAS)
        tail = (
            _pick(rng, DIGITS, 5)
            if rng.random() < 0.6
            else (
                _pick(rng, DIGITS, 2) + _pick(rng, LETTERS, 2) + _pick(rng, DIGITS, 1)
            )
        )
        return f"{area} {tail}" if rng.random() < 0.8 else area + tail
    if country == "DE":
        city = rng.choice(_DE_CITIES)
        return f"{city}-{_pick(rng, LETTERS, rng.randint(1, 2))} {rng.randint(1, 9999)}"
    if country == "UK":
        return (
            f"{_pick(rng, LETTERS, 2)}{_pick(rng, DIGITS, 2)} {_pick(rng, LETTERS, 3)}"
        )
    if country == "NL":
        # Three of the Dutch side-code patterns: 99-XXX-9, XX-999-X, 9-XXX-99.
        pattern = rng.choice(["D2 L3 D1", "L2 D3 L1", "D1 L3 D2"])
        alphabets = {"D": DIGITS, "L": LETTERS}
        return "-".join(
            _pick(rng, alphabets[group[0]], int(group[1])) for group in pattern.split()
        )
    if country == "FR":
        return (
            f"{_pick(rng, LETTERS, 2)}-{_pick(rng, DIGITS, 3)}-{_pick(rng, LETTERS, 2)}"
        )
    if country == "CZ":
        head = f"{rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.randint(0, 9)}"
        return f"{head} {_pick(rng, DIGITS, 4)}"
    if country == "ES":
        return f"{_pick(rng, DIGITS, 4)} {_pick(rng, _ES_LETTERS, 3)}"
    return f"{rng.randint(1, 81):02d} {_pick(rng, LETTERS, 3)} {rng.randint(10, 999)}"


def with_en_dashes(typed: str) -> str:
    """The plate as someone typed it with en dashes where dashes or spaces go."""
    return typed.replace("-", "\u2013").replace(" ", "\u2013")


# Characters a camera (or a person) confuses, each with its lookalikes.
LOOKALIKES = {
    "O": "0D",
    "0": "OD",
    "D": "0",
    "Q": "0",
    "I": "1",
    "1": "I",
    "B": "8",
    "8": "B",
    "S": "5",
    "5": "S",
    "Z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
}
