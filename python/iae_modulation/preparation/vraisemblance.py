"""Valeurs peu vraisemblables d'une ligne préparée : signalées, jamais corrigées.

Ces contrôles s'ajoutent à ceux de la table canonique (`donnees.valider` avec ses contrôles de
vraisemblance, que `preparer` passe aussi et dont les anomalies bloquantes sont celles que
`calculer` refuserait) : ils portent sur ce que seule la préparation voit, la période d'aide et
l'état de l'annexe financière.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# Une règle : (colonne signalée, fonction de la ligne -> message ou None).
Regle = tuple[str, Callable[[dict], str | None]]


def _periode(ligne: dict) -> str | None:
    debut, fin, annee = ligne["_debut"], ligne["_fin"], ligne["_annee"]
    if debut <= dt.date(annee, 1, 1) and fin >= dt.date(annee, 12, 31):
        return None
    return (
        f"période d'aide du {debut:%d/%m/%Y} au {fin:%d/%m/%Y} : une partie de l'année "
        f"{annee} seulement (montant socle de la période ; une autre annexe de la structure "
        "couvre-t-elle le reste de l'année ?)"
    )


def _provisoire(ligne: dict) -> str | None:
    if ligne["_etat"] != "PROVISOIRE":
        return None
    return (
        "annexe à l'état PROVISOIRE (en vigueur, validation définitive à confirmer) : le "
        "montant socle peut encore changer"
    )


REGLES: tuple[Regle, ...] = (("montant_socle", _periode), ("montant_socle", _provisoire))


def signalements(ligne: dict) -> list[tuple[str, str]]:
    """(colonne, message) de chaque règle que la ligne (`_debut`, `_fin`, `_annee`, `_etat`)
    ne passe pas."""
    return [(colonne, message) for colonne, regle in REGLES if (message := regle(ligne))]
