"""Mise en forme française des montants, taux et dates (« 12 345,67 € », « 7,34 % »)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

CENTIME = Decimal("0.01")
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ESPACE_INSECABLE = "\u00a0"


def arrondi_centime(montant: Decimal) -> Decimal:
    """Arrondi au centime le plus proche, la moitié vers le haut (docs/conception.md,
    « Conventions »)."""
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


def nombre_fr(valeur: Decimal | int, decimales: int = 2) -> str:
    """« 12 345,67 » : espace insécable pour les milliers, virgule décimale."""
    quantum = Decimal(1).scaleb(-decimales)
    texte = f"{Decimal(valeur).quantize(quantum, rounding=ROUND_HALF_UP):,.{decimales}f}"
    return texte.replace(",", ESPACE_INSECABLE).replace(".", ",")


def montant_fr(montant: Decimal | int) -> str:
    """« 12 345,67 € »."""
    return f"{nombre_fr(montant, 2)}{ESPACE_INSECABLE}€"


def taux_fr(taux: Decimal, decimales: int = 2) -> str:
    """Taux en fraction (0,0734) affiché en pourcentage : « 7,34 % »."""
    return f"{nombre_fr(Decimal(taux) * 100, decimales)}{ESPACE_INSECABLE}%"


def date_fr(jour: dt.date) -> str:
    """« 22 novembre 2026 » (« 1er » pour le premier jour du mois)."""
    numero = "1er" if jour.day == 1 else str(jour.day)
    return f"{numero} {MOIS[jour.month - 1]} {jour.year}"


# Références qui ne doivent pas se couper en fin de ligne : « R. 5132-23 », « L. 5132-2 »,
# « n° 2014-04 », « loi n° 2018-771 » (un trait d'union entre deux chiffres devient insécable,
# U+2011 ; l'espace après « R. », « L. », « D. », « n° » ou « article » devient insécable).
_TRAIT_ENTRE_CHIFFRES = re.compile(r"(?<=\d)-(?=\d)")
_ESPACE_DE_REFERENCE = re.compile(r"(?<![\w.])([LRD]\.|n°|article|articles) (?=\d)")


def insecables(texte: str) -> str:
    """Le texte avec ses références d'articles et de textes rendues insécables."""
    texte = _ESPACE_DE_REFERENCE.sub("\\1\u00a0", texte)
    return _TRAIT_ENTRE_CHIFFRES.sub("\u2011", texte)
