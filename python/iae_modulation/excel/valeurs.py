"""La valeur qu'une cellule d'Excel reçoit pour une valeur Python (classeur ouvert dans Excel,
classeur sur disque, copie de la feuille des données, fonctions de feuille)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import cast

from iae_modulation.texte_xml import texte_xml


def valeur_excel(valeur: object) -> object:
    """Une valeur Python telle qu'une cellule peut la recevoir.

    Excel ne stocke que des nombres à virgule flottante : un Decimal (montant déjà arrondi au
    centime, taux déjà arrondi) ou une Fraction n'est converti qu'ici, au moment de l'écrire.
    """
    genre = type(valeur)  # les cas fréquents d'abord : une action écrit des milliers de cellules
    if genre is str:
        return texte_xml(cast(str, valeur))
    if valeur is None or genre is float or genre is int:
        return valeur
    if isinstance(valeur, Decimal | Fraction):
        return float(valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, str):
        return texte_xml(valeur)
    return valeur
