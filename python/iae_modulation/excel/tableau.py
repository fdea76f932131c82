"""Le tableau « Données SIAE » tel qu'Excel le donne -> table brute -> calcul -> cellules.

Les cellules sont mises en texte comme `lecture.lire_table` le fait pour un fichier : une formule
`=MODULATION_TABLEAU(...)`, un bouton du ruban et `iae-modulation calculer` voient donc les mêmes
valeurs et produisent les mêmes résultats.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from iae_modulation import donnees
from iae_modulation.campagne import calculer
from iae_modulation.classeur_resultats import ENTETES
from iae_modulation.excel.classeur import (
    FORMAT_EUROS,
    FORMAT_FRACTION,
    FORMAT_POURCENT,
    valeur_excel,
)
from iae_modulation.lecture import TableBrute, _texte_excel
from iae_modulation.modulation import OptionsCalcul
from iae_modulation.resultats import COLONNES_FRACTION, COLONNES_MONTANT, COLONNES_RESULTATS

COLONNES_NUMERIQUES = frozenset(COLONNES_FRACTION + COLONNES_MONTANT)
FORMATS_RESULTATS: tuple[str | None, ...] = tuple(
    FORMAT_EUROS
    if colonne in COLONNES_MONTANT
    else FORMAT_POURCENT
    if colonne == "taux_modulation"
    else FORMAT_FRACTION
    if colonne in COLONNES_FRACTION
    else None
    for colonne in COLONNES_RESULTATS
)


class DonneesInvalides(ValueError):
    """Le tableau ne passe pas la validation ; le message résume les problèmes bloquants."""

    def __init__(self, rapport: donnees.RapportValidation) -> None:
        bloquantes = rapport.bloquantes
        premiere = bloquantes[0].texte() if bloquantes else ""
        super().__init__(
            f"{len(bloquantes)} problème(s) bloquant(s) dans les données, dont : {premiere}"
        )
        self.rapport = rapport


def table_brute(
    cellules: Sequence[Sequence[object]],
    fichier: Path,
    feuille: str | None,
    premiere_ligne: int = 1,
) -> TableBrute:
    """En-têtes de la première ligne non vide ; lignes vides ignorées ; numéros de ligne Excel."""
    en_tetes: list[str] | None = None
    rangees, numeros = [], []
    textes: dict[object, str] = {}  # les mêmes nombres reviennent souvent : convertis une fois

    def texte(valeur: object) -> str:
        if type(valeur) is str:
            return valeur
        if type(valeur) is float:
            if valeur not in textes:
                textes[valeur] = _texte_excel(valeur)
            return textes[valeur]
        return _texte_excel(valeur)

    for position, valeurs in enumerate(cellules):
        rangee = [texte(v) for v in valeurs]
        if not any(cellule.strip() for cellule in rangee):
            continue
        if en_tetes is None:
            en_tetes = [c.strip() for c in rangee]
            continue
        rangees.append(rangee)
        numeros.append(premiere_ligne + position)
    en_tetes = en_tetes or []
    gardees = [i for i, nom in enumerate(en_tetes) if nom]
    table = pd.DataFrame(
        [[rangee[i] if i < len(rangee) else "" for i in gardees] for rangee in rangees],
        columns=[en_tetes[i] for i in gardees],
        dtype=str,
    )
    return TableBrute(table=table, fichier=Path(fichier), feuille=feuille, lignes=numeros)


def lignes_resultats(resultats: pd.DataFrame) -> list[list[object]]:
    """En-têtes français puis une ligne par structure, valeurs prêtes pour Excel."""
    colonnes = [
        [valeur_excel(v) for v in resultats[nom]]
        if nom in COLONNES_NUMERIQUES
        else list(resultats[nom])
        for nom in COLONNES_RESULTATS
    ]
    return [[ENTETES[c] for c in COLONNES_RESULTATS], *map(list, zip(*colonnes, strict=True))]


def resultats_du_tableau(
    cellules: Sequence[Sequence[object]], annee: int, methode: str
) -> list[list[object]]:
    """`MODULATION_TABLEAU` : valide puis calcule toute la table ; DonneesInvalides sinon."""
    brute = table_brute(cellules, Path("MODULATION_TABLEAU"), None)
    validees = donnees.valider(brute, annee)
    if not validees.rapport.est_valide:
        raise DonneesInvalides(validees.rapport)
    calcul = calculer(validees, OptionsCalcul(annee, methode))
    return lignes_resultats(calcul.resultats)
