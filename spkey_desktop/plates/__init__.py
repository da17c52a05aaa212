"""Plate rules: the canonical form and the checks against the roster.

The ground floor of the app: plain Python, no Qt, no I/O. The add-plate
dialog, the bulk import and the ``normalize`` command all go through here, so
the plate an operator sees is the plate that is stored.
"""

from spkey_desktop.plates.canonical import (
    MAX_LENGTH,
    MIN_LENGTH,
    SHAPE_TWINS,
    CanonicalPlate,
    canonicalize,
)
from spkey_desktop.plates.roster import (
    CONFUSABLE_GROUPS,
    Collision,
    CollisionKind,
    PlateCheck,
    PlateIndex,
    RosterEntry,
    check_against_roster,
    lookalike_key,
)

__all__ = [
    "CONFUSABLE_GROUPS",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "SHAPE_TWINS",
    "CanonicalPlate",
    "Collision",
    "CollisionKind",
    "PlateCheck",
    "PlateIndex",
    "RosterEntry",
    "canonicalize",
    "check_against_roster",
    "lookalike_key",
]
