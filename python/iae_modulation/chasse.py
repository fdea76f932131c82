"""Largeur d'un texte imprimé en Arial (ou Liberation Sans, de mêmes chasses), sans police
installée : de quoi dimensionner une colonne de tableau Word ou Excel pour que SIRET, numéros
d'annexe et montants n'y soient jamais coupés.

Chasses d'Helvetica (métriques publiques d'Adobe, identiques à celles d'Arial), en millièmes de
cadratin ; une lettre accentuée a la chasse de sa lettre de base. Le gras est compté un peu plus
large que le romain, par prudence.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_CHASSES = {
    " !,./:;I[\\]ft\u00a0\u202f": 278,
    "'": 191,
    "ijl’‘": 222,
    '"': 355,
    "()-r*`": 333,
    "^": 469,
    "+<=>~×÷": 584,
    "#$0123456789?Ldeghnopqu_abé€«»–": 556,
    "ckszvxyJ": 500,
    "&ABEKPSVXY": 667,
    "CDHNRUw": 722,
    "FTZ": 611,
    "GOQ": 778,
    "Mm": 833,
    "%": 889,
    "W": 944,
    "@": 1015,
    "—": 1000,
    "{}": 334,
    "|": 260,
    "°": 400,
    "œ": 944,
    "Œ": 1000,
}
_PAR_CARACTERE = {c: chasse for groupe, chasse in _CHASSES.items() for c in groupe}
CHASSE_PAR_DEFAUT = 556
SUPPLEMENT_GRAS = 1.08


@cache
def _chasse(caractere: str) -> int:
    if caractere in _PAR_CARACTERE:
        return _PAR_CARACTERE[caractere]
    base = unicodedata.normalize("NFD", caractere)[:1]
    return _PAR_CARACTERE.get(base, CHASSE_PAR_DEFAUT)


def largeur_points(texte: str, taille: float, gras: bool = False) -> float:
    """Largeur de `texte` en points, à la taille `taille` (points)."""
    millemes = sum(map(_chasse, texte))
    return millemes * taille / 1000 * (SUPPLEMENT_GRAS if gras else 1)


def mots(texte: str) -> list[str]:
    """Les morceaux entre lesquels un traitement de texte peut aller à la ligne : les espaces
    ordinaires seulement (jamais une espace insécable, ni dans un nombre)."""
    return texte.split(" ") if texte else [""]
