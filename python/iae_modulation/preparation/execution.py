"""Une exécution de `preparer` : lire, assembler, écrire `donnees.csv`, `donnees.xlsx`,
`preparation.xlsx` et `manifeste.json` dans un dossier de sortie sûr (`sorties.DossierDeSortie`).
Porte commune de la ligne de commande et du bouton « Importer les données ASP » du classeur."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation import parametres, ramasse_miettes
from iae_modulation.parallele import en_parallele
from iae_modulation.preparation.preparer import NOM_DONNEES, Preparation, preparer
from iae_modulation.preparation.rapport import NOM_RAPPORT, ecrire_rapport, resume
from iae_modulation.referentiel import probleme_annee_campagne
from iae_modulation.sorties import ErreurEntree, dossier_atomique, ecrire_manifeste
from iae_modulation.synthetique import ecrire_csv, ecrire_xlsx

NOM_DONNEES_XLSX = "donnees.xlsx"
SIGNALEMENTS_AU_TERMINAL = 15


@dataclass
class RapportPreparation:
    preparation: Preparation
    sortie: Path
    fichiers: list[Path] = field(default_factory=list)

    @property
    def donnees(self) -> Path:
        return self.sortie / NOM_DONNEES

    def resume(self) -> str:
        """Le résumé pour le terminal et le journal du classeur."""
        p = self.preparation
        lignes = [
            f"{libelle} : {nombre}" if nombre != "" else libelle for libelle, nombre in resume(p)
        ]
        bloquants = [s for s in p.signalements if s.bloquant]
        if bloquants:
            lignes.append(f"À corriger dans {NOM_DONNEES} avant « calculer » ({len(bloquants)}) :")
            lignes += [
                f"  - {s.identifiant}, {s.colonne} : {s.message}"
                for s in bloquants[:SIGNALEMENTS_AU_TERMINAL]
            ]
        if p.illisibles:
            lignes.append("Lignes illisibles (l'annexe n'est pas dans la table) :")
            lignes += [f"  - {i.message}" for i in p.illisibles[:SIGNALEMENTS_AU_TERMINAL]]
        if p.bilan is None:
            lignes.append(
                "Sans bilan (--bilan) : publics et sorties vides, indicateurs « publics » et "
                "« résultats » non calculables."
            )
        if p.structures is None:
            lignes.append(
                "Sans FluxIAE des structures (--structures) : adresses vides, à compléter avant "
                "les notifications."
            )
        lignes.append(f"Table écrite : {self.donnees} (détail : {self.sortie / NOM_RAPPORT})")
        return "\n".join(lignes)


def executer_preparation(
    annexes: Path,
    annee: int,
    sortie: Path,
    *,
    bilan: Path | None = None,
    structures: Path | None = None,
    encadrement_elargi: bool = False,
    ecraser: bool = False,
    dossier_parametres: Path | None = None,
) -> RapportPreparation:
    """`iae-modulation preparer` ; lève `ErreurEntree` (fichier refusé, aucune annexe) ou
    `ErreurSortie` (dossier de sortie refusé) sans rien écrire. `dossier_parametres` : celui que
    `calculer` recevra (`parametres.surcharge`), pour annoncer exactement ce qu'il refusera."""
    probleme = probleme_annee_campagne(annee)
    if probleme:
        raise ErreurEntree(probleme)
    entrees = {"annexes": annexes, "bilan": bilan, "structures": structures}
    with (
        ramasse_miettes.suspendu(),
        parametres.surcharge(dossier_parametres),
        dossier_atomique(sortie, ecraser, entrees.values()) as dossier,
    ):
        preparation = preparer(
            Path(annexes),
            annee,
            bilan=bilan,
            structures=structures,
            encadrement_elargi=encadrement_elargi,
        )
        table = preparation.table()
        # le rapport sur le second cœur, la table sur celui-ci
        with en_parallele(ecrire_rapport, preparation, dossier / NOM_RAPPORT) as rapport_ecrit:
            ecrire_csv(table, dossier / NOM_DONNEES)
            ecrire_xlsx(table, dossier / NOM_DONNEES_XLSX, campagne=annee)
            rapport_ecrit()
        ecrire_manifeste(
            dossier,
            "preparer",
            entrees,
            {"annee": annee, "encadrement_elargi": encadrement_elargi},
        )
    sortie = Path(sortie).resolve()
    noms = (NOM_DONNEES, NOM_DONNEES_XLSX, NOM_RAPPORT, "manifeste.json")
    return RapportPreparation(preparation, sortie, [sortie / n for n in noms])
