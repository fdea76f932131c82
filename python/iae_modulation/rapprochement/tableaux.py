"""Le tableau annexé à une décision (`annexe5_…xlsx`, note DGEFP 2014-04, annexe 5), envoyé à
l'ASP avec elle : retrouvé dans le dossier de la décision par ses structures (feuille
« Contrôle »), il doit payer, ligne à ligne, ce que paient les données intégrées de la décision
(colonne « Montant prévu modulation » ou « Montant modulé prévu » de la feuille « Tableau »),
avec une ligne « Total » égale à leur somme.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from iae_modulation.annexe5 import ENTETE_MODULE, cle_annexe
from iae_modulation.exports.classeurs_asp import FEUILLE_CONTROLE
from iae_modulation.formats import montant_fr
from iae_modulation.lecture import lire_nombre, lire_table
from iae_modulation.rapprochement.inventaire import Acte, Fichier

COLONNE_IDENTIFIANT = "Identifiant (grand livre)"
FEUILLE_TABLEAU = "Tableau"


@dataclass(frozen=True)
class Annexe:
    """Le tableau trouvé pour une décision (ou None), et ce qui ne va pas (« » sinon)."""

    fichier: Fichier | None
    probleme: str = ""


class Tableaux:
    """Les classeurs de l'annexe 5 d'un dossier de campagne, lus une fois chacun."""

    def __init__(self, classeurs: list[Fichier]) -> None:
        self._classeurs = classeurs
        self._structures: dict[Path, list[str] | None] = {}

    def _structures_de(self, fichier: Fichier) -> list[str] | None:
        """Les identifiants (sans avenant) de la feuille « Contrôle », ou None si le classeur
        n'est pas un tableau annexé."""
        if fichier.chemin not in self._structures:
            self._structures[fichier.chemin] = _identifiants(fichier.chemin)
        return self._structures[fichier.chemin]

    def annexe(self, acte: Acte, lignes: list[tuple[str, Decimal]]) -> Annexe:
        """Le tableau du dossier de la décision qui a les mêmes structures, dans le même ordre,
        comparé à la décision ligne à ligne."""
        identifiants = [identifiant for identifiant, _ in lignes]
        fichier = next(
            (
                f
                for f in self._classeurs
                if f.execution.dossier == acte.execution.dossier
                and self._structures_de(f) == identifiants
            ),
            None,
        )
        if fichier is None:
            return Annexe(
                None,
                "tableau annexé introuvable : aucun tableau de son dossier n'a les mêmes "
                "structures que la décision",
            )
        if fichier.probleme:
            return Annexe(fichier, f"tableau annexé : {fichier.probleme}")
        mesure = str((acte.donnees or {}).get("mesure", ""))
        return Annexe(fichier, _comparer(fichier, mesure, lignes))


def _identifiants(chemin: Path) -> list[str] | None:
    try:
        if FEUILLE_CONTROLE not in CalamineWorkbook.from_path(str(chemin)).sheet_names:
            return None
        controle = lire_table(chemin, FEUILLE_CONTROLE).table
    except Exception:  # calamine signale un classeur abîmé par des erreurs variées : pas un tableau
        return None
    if COLONNE_IDENTIFIANT not in controle.columns:
        return None
    return [cle_annexe(v) for v in controle[COLONNE_IDENTIFIANT]]


def _comparer(fichier: Fichier, mesure: str, lignes: list[tuple[str, Decimal]]) -> str:
    """« » si la colonne du montant versé du tableau paie ce que paie la décision."""
    entete = ENTETE_MODULE.get(mesure, "")
    rangees = _rangees(fichier.chemin)
    trouvee = next(
        (
            (numero, position)
            for numero, rangee in enumerate(rangees)
            for position, cellule in enumerate(rangee)
            if entete and str(cellule).startswith(entete)
        ),
        None,
    )
    if trouvee is None:
        return f"tableau annexé {fichier.nom} : colonne « {entete} » introuvable"
    numero, position = trouvee
    montants, total = [], None
    for rangee in rangees[numero + 1 :]:
        if str(rangee[0]).strip() == "Total":
            total = lire_nombre(rangee[position])
            break
        montants.append(lire_nombre(rangee[position]))
    differences = [
        f"{identifiant} : tableau {montant_fr(tableau)}, décision {montant_fr(montant)}"
        for (identifiant, montant), tableau in zip(lignes, montants, strict=False)
        if tableau != montant
    ]
    if len(montants) != len(lignes):
        differences.append(f"{len(montants)} ligne(s) au tableau, {len(lignes)} à la décision")
    if total is None or total != sum(montants, Decimal(0)):
        differences.append("ligne « Total » ≠ somme des lignes")
    if differences:
        return f"tableau annexé {fichier.nom} : " + " ; ".join(differences)
    return ""


def _rangees(chemin: Path) -> list[list]:
    tableau = lire_table(chemin, FEUILLE_TABLEAU).table
    return [list(tableau.columns), *(list(r) for r in tableau.itertuples(index=False, name=None))]
