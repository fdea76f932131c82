"""Valeurs peu vraisemblables d'une ligne préparée : signalées, jamais corrigées.

Ces contrôles s'ajoutent à ceux de la table canonique (`donnees.valider`, que `preparer` passe
aussi et dont les anomalies bloquantes sont celles que `calculer` refuserait) : ils portent sur ce
que seule la préparation voit (période d'aide, état de l'annexe, publics particuliers, nombres de
personnes non entiers, cofinancement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from iae_modulation.donnees import EFFECTIFS, NOMS_PUBLICS
from iae_modulation.formats import nombre_fr

# Une règle : (colonne signalée, fonction de la ligne -> message ou None).
Regle = tuple[str, Callable[[dict], str | None]]


def _nombre(d: Decimal) -> str:
    return nombre_fr(d, max(0, -d.as_tuple().exponent))


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


def _cofinancement(ligne: dict) -> str | None:
    cofinancement, socle = ligne.get("dont_cofinancement_cd"), ligne.get("montant_socle")
    if cofinancement is None or socle is None or cofinancement <= socle:
        return None
    return (
        f"cofinancement du département ({_nombre(cofinancement)} €) supérieur au montant "
        f"total de l'aide au poste ({_nombre(socle)} €), qui le comprend"
    )


def _effort(ligne: dict) -> str | None:
    encadrement, insertion = ligne.get("etp_encadrement"), ligne.get("etp_insertion")
    if not encadrement or not insertion or encadrement <= insertion:
        return None
    return (
        f"plus d'ETP d'encadrement ({_nombre(encadrement)}) que d'ETP en insertion "
        f"({_nombre(insertion)}) : à vérifier dans la demande d'aide"
    )


def _au_plus_les_salaries(colonne: str, constat: str) -> Callable[[dict], str | None]:
    """Une valeur comptée parmi les salariés en insertion de l'année ne peut les dépasser."""

    def regle(ligne: dict) -> str | None:
        valeur, salaries = ligne.get(colonne), ligne.get("nb_salaries_insertion")
        if valeur is None or salaries is None or valeur <= salaries:
            return None
        return constat.format(valeur=_nombre(valeur), salaries=_nombre(salaries))

    return regle


def _entier(colonne: str) -> Callable[[dict], str | None]:
    def regle(ligne: dict) -> str | None:
        valeur = ligne.get(colonne)
        if valeur is None or valeur == valeur.to_integral_value():
            return None
        return f"{_nombre(valeur)} : un nombre de personnes ou de sorties est entier"

    return regle


REGLES: tuple[Regle, ...] = (
    ("montant_socle", _periode),
    ("montant_socle", _provisoire),
    ("dont_cofinancement_cd", _cofinancement),
    ("etp_encadrement", _effort),
    (
        "sorties_totales",
        _au_plus_les_salaries(
            "sorties_totales",
            "{valeur} sorties examinées pour {salaries} salariés en insertion ayant travaillé "
            "dans l'année : plus de sorties que de salariés",
        ),
    ),
    *(
        (
            c,
            _au_plus_les_salaries(
                c,
                "{valeur} pour {salaries} salariés en insertion : ce public est compté parmi "
                "les salariés, il ne peut pas être plus nombreux",
            ),
        )
        for c in NOMS_PUBLICS
    ),
    *((c, _entier(c)) for c in EFFECTIFS),
)


def signalements(ligne: dict) -> list[tuple[str, str]]:
    """(colonne, message) de chaque règle que la ligne (valeurs en Decimal ou None, plus
    `_debut`, `_fin`, `_annee`, `_etat`) ne passe pas."""
    return [(colonne, message) for colonne, regle in REGLES if (message := regle(ligne))]
