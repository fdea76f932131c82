"""Le tableau « Données SIAE » tel qu'Excel le donne -> table brute -> calcul -> cellules.

Les cellules sont mises en texte comme `lecture.lire_table` le fait pour un fichier : une formule
`=MODULATION_TABLEAU(...)`, un bouton du ruban et `iae-modulation calculer` voient donc les mêmes
valeurs et produisent les mêmes résultats.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

import pandas as pd

from iae_modulation import donnees
from iae_modulation.classeur_resultats import ENTETES
from iae_modulation.colonnes import (
    COLONNES_FRACTION,
    COLONNES_MONTANT,
    COLONNES_RESULTATS,
    colonnes_du_grand_livre,
    optionnels_des_colonnes,
)
from iae_modulation.excel.classeur import (
    FORMAT_EUROS,
    FORMAT_FRACTION,
    FORMAT_POURCENT,
)
from iae_modulation.excel.valeurs import valeur_excel
from iae_modulation.lecture import TableBrute, _texte_excel, noms_uniques
from iae_modulation.modulation import OptionsCalcul, calculer_modulation
from iae_modulation.resultats import COLONNES_NUMERIQUES


def formats_resultats(colonnes: Sequence[str]) -> tuple[str | None, ...]:
    """Le format Excel de chaque colonne du grand livre (euros, pourcentage, fraction)."""
    return tuple(
        FORMAT_EUROS
        if colonne in COLONNES_MONTANT
        else FORMAT_POURCENT
        if colonne in POURCENTAGES or colonne.startswith(("poids_", "part_"))
        else FORMAT_FRACTION
        if colonne in COLONNES_FRACTION or colonne.startswith("score_")
        else None
        for colonne in colonnes
    )


POURCENTAGES = (
    "taux_calcule",
    "taux_effectif",
    "plafond",
    "plafond_methode",
    "taux_moyen_cible",
    "taux_precedent",
)
FORMATS_RESULTATS = formats_resultats(COLONNES_RESULTATS)


class DonneesInvalides(ValueError):
    """Le tableau ne passe pas la validation ; le message résume les problèmes bloquants."""

    def __init__(self, rapport: donnees.RapportValidation) -> None:
        bloquantes = rapport.bloquantes
        premiere = bloquantes[0].texte() if bloquantes else ""
        super().__init__(
            f"{len(bloquantes)} problème(s) bloquant(s) dans les données, dont : {premiere}"
        )
        self.rapport = rapport


def _textes(colonne: Sequence[object]) -> list[str]:
    """Les cellules d'une colonne en texte (`lecture._texte_excel`) ; les mêmes nombres
    reviennent souvent : chaque double distinct n'est converti qu'une fois."""
    doubles = {v: _texte_excel(v) for v in {v for v in colonne if type(v) is float}}
    return [
        v if type(v) is str else doubles[v] if type(v) is float else _texte_excel(v)
        for v in colonne
    ]


def table_brute(
    cellules: Sequence[Sequence[object]],
    fichier: Path,
    feuille: str | None,
) -> TableBrute:
    """En-têtes de la première ligne non vide ; lignes vides ignorées ; numéros de ligne Excel.

    Un en-tête répété reçoit un suffixe « (2) », comme dans `lecture.lire_table` ; une colonne
    sans en-tête est ignorée. Conversion colonne par colonne (une plage Excel est rectangulaire ;
    une ligne plus courte est complétée de cellules vides).
    """
    colonnes = [_textes(c) for c in zip_longest(*cellules, fillvalue="")]
    hauteur = len(colonnes[0]) if colonnes else 0
    vides = set(range(hauteur))
    for colonne in colonnes:  # une ligne est vide si toutes ses cellules le sont
        vides = {p for p in vides if not colonne[p].strip()}
        if not vides:
            break
    non_vides = [p for p in range(hauteur) if p not in vides]
    en_tetes = [c[non_vides[0]].strip() for c in colonnes] if non_vides else []
    donnees = non_vides[1:]
    gardees = [i for i, nom in enumerate(en_tetes) if nom]
    contigues = donnees and len(donnees) == hauteur - donnees[0]  # pas de ligne vide en dessous
    table = pd.DataFrame(
        {
            rang: colonnes[i][donnees[0] :] if contigues else [colonnes[i][p] for p in donnees]
            for rang, i in enumerate(gardees)
        },
        index=pd.RangeIndex(len(donnees)),
        dtype=str,
    )
    table.columns = noms_uniques([en_tetes[i] for i in gardees])
    numeros = [1 + position for position in donnees]
    entete = 1 + non_vides[0] if non_vides else None
    return TableBrute(
        table=table, fichier=Path(fichier), feuille=feuille, lignes=numeros, ligne_entete=entete
    )


def lignes_resultats(resultats: pd.DataFrame) -> list[list[object]]:
    """En-têtes français puis une ligne par structure (colonnes du grand livre, celles des
    critères facultatifs appliqués comprises), valeurs prêtes pour Excel
    (`valeurs.valeur_excel` : Decimal en double, None en cellule vide)."""
    noms = colonnes_du_grand_livre(optionnels_des_colonnes(resultats.columns))
    colonnes = [
        [float(v) if type(v) is Decimal else valeur_excel(v) for v in resultats[nom].tolist()]
        if nom in COLONNES_NUMERIQUES
        else resultats[nom].tolist()
        for nom in noms
    ]
    return [[ENTETES[c] for c in noms], *map(list, zip(*colonnes, strict=True))]


def resultats_du_tableau(
    cellules: Sequence[Sequence[object]], annee: int, methode: str
) -> list[list[object]]:
    """`MODULATION_TABLEAU` : valide puis calcule toute la table ; DonneesInvalides sinon."""
    brute = table_brute(cellules, Path("MODULATION_TABLEAU"), None)
    validees = donnees.valider(brute, annee)
    if not validees.rapport.est_valide:
        raise DonneesInvalides(validees.rapport)
    calcul = calculer_modulation(validees, OptionsCalcul(annee, methode))
    return lignes_resultats(calcul.resultats)
