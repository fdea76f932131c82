"""`iae-modulation demo` : toute la chaîne sur les données fictives embarquées (Grand Est, 2026),
depuis les fichiers de l'ASP : préparation, calcul, annexe 5, notifications, rapprochement."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.annexe5 import demo_annexe5
from iae_modulation.campagne import executer_calcul
from iae_modulation.demonstration import dossier_demo
from iae_modulation.documents.notifications import demo_notifications
from iae_modulation.documents.pdf import ajouter_options_pdf, pdf_a_produire
from iae_modulation.lecture import lire_table
from iae_modulation.preparation.execution import executer_preparation
from iae_modulation.rapprochement import NOM_RAPPROCHEMENT, rapport_remplacable, rapprocher
from iae_modulation.rapprochement.bordereau import (
    NOM_BORDEREAU,
    NOM_BORDEREAU_TEXTE,
    bordereau_remplacable,
)
from iae_modulation.rapprochement.rapport import publier
from iae_modulation.sorties import (
    NOM_REGISTRE,
    DossierDeSortie,
    dossier_atomique,
    ecrire_manifeste,
)
from iae_modulation.synthetique_asp import FichiersASP, ecrire_fichiers_asp

ANNEE_DEMO = 2026


def fichiers_asp_demo(dossier: Path) -> FichiersASP:
    """Les fichiers de l'ASP des structures de la démonstration (`synthetique_asp`), écrits
    dans `dossier` comme toute sortie de l'outil (atomique, manifeste, jamais sur un fichier
    d'agent)."""
    table = lire_table(dossier_demo() / "donnees_demo.csv").table
    with dossier_atomique(dossier, ecraser=True) as temporaire:
        ecrits = ecrire_fichiers_asp(table, ANNEE_DEMO, temporaire)
        ecrire_manifeste(temporaire, "demo", {}, {"annee": ANNEE_DEMO, "fichiers": "ASP fictifs"})
    return FichiersASP(
        Path(dossier) / ecrits.annexes.name,
        Path(dossier) / ecrits.bilan.name,
        Path(dossier) / ecrits.structures.name,
    )


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "demo",
        help="exécuter toute la chaîne sur des données fictives",
        description="Écrit les fichiers de l'ASP de 40 SIAE fictives du Grand Est (FluxIAE des "
        "annexes financières et des structures, bilan annuel), en prépare la table, calcule la "
        "modulation 2026, puis produit les tableaux et décisions ASP (annexe 5) et les "
        "notifications (annexe 4), et les rapproche (code de sortie 3 si un montant diffère).",
    )
    parseur.add_argument(
        "--sortie",
        type=Path,
        default=Path("demo-iae-modulation"),
        help="dossier où écrire la démonstration (une démonstration précédente y est remplacée)",
    )
    parseur.add_argument(
        "--ecraser",
        action="store_true",
        help="écrire la démonstration même dans un dossier qui contient d'autres fichiers",
    )
    ajouter_options_pdf(parseur, "les décisions et les lettres")
    parseur.set_defaults(executer=executer)


SOUS_DOSSIERS_DEMO = frozenset(
    {
        "asp",
        "preparation",
        "calcul",
        "annexe5",
        "notifications",
        NOM_RAPPROCHEMENT,
        NOM_BORDEREAU,
        NOM_BORDEREAU_TEXTE,
    }
)


def executer(args: argparse.Namespace) -> int:
    demo = dossier_demo()
    sortie = Path(args.sortie)
    etrangers = sorted(p.name for p in sortie.iterdir()) if sortie.is_dir() else []
    etrangers = [
        nom
        for nom in etrangers
        if nom not in SOUS_DOSSIERS_DEMO
        or (nom == NOM_RAPPROCHEMENT and not rapport_remplacable(sortie / nom))
        or (nom in (NOM_BORDEREAU, NOM_BORDEREAU_TEXTE) and not bordereau_remplacable(sortie))
    ]
    if (etrangers or sortie.is_file()) and not args.ecraser:
        print(
            f"Le dossier {sortie} contient autre chose qu'une démonstration "
            f"({', '.join(etrangers) or 'c’est un fichier'}) : choisissez un autre --sortie ou "
            "ajoutez --ecraser."
        )
        return 2
    # rien n'est écrit si l'un des sous-dossiers contient un fichier d'agent
    for sous_dossier in ("asp", "preparation", "calcul", "notifications"):
        DossierDeSortie(sortie / sous_dossier, ecraser=True).examiner()
    # une démonstration relancée repart d'un registre des actes vide : ses décisions fictives
    # sont établies à nouveau (ailleurs, une seconde décision signée serait refusée)
    (sortie / "calcul" / NOM_REGISTRE).unlink(missing_ok=True)
    print("== 1. Fichiers de l'ASP (fictifs) ==")
    fichiers = fichiers_asp_demo(sortie / "asp")
    print(
        f"FluxIAE des annexes financières : {fichiers.annexes}\n"
        f"Bilan annuel {ANNEE_DEMO - 1} : {fichiers.bilan}\n"
        f"FluxIAE des structures : {fichiers.structures}"
    )
    print("\n== 2. Préparation de la table des structures ==")
    preparation = executer_preparation(
        fichiers.annexes,
        ANNEE_DEMO,
        sortie / "preparation",
        bilan=fichiers.bilan,
        structures=fichiers.structures,
        ecraser=True,
    )
    print(preparation.resume())
    calcul = executer_calcul(
        preparation.donnees,
        ANNEE_DEMO,
        sortie / "calcul",
        enveloppes=demo / "enveloppes_demo.csv",
        ecraser=True,
        progression_active=True,
    )
    print("\n== 3. Calcul de la modulation ==")
    print(calcul.resume())
    if calcul.code_sortie:
        return calcul.code_sortie
    resultats = sortie / "calcul" / "resultats.csv"
    pdf = pdf_a_produire(args.pdf)
    print("\n== 4. Annexe 5 : tableaux et décisions de paiement pour l'ASP ==")
    print(demo_annexe5(sortie / "annexe5", resultats, pdf=pdf))
    print("\n== 5. Annexe 4 : notifications aux structures ==")
    print(demo_notifications(sortie / "notifications", resultats, ANNEE_DEMO, pdf))
    print("\n== 6. Rapprochement : grand livre, décisions ASP et lettres ==")
    rapprochement = rapprocher(sortie, resultats)
    for refus in publier(rapprochement, sortie / NOM_RAPPROCHEMENT):
        print(refus)
    print(rapprochement.resume())
    if args.pdf is None and not pdf:
        print("\n(LibreOffice absent : documents Word seulement, pas de PDF.)")
    print(f"\nTout est dans {sortie.resolve()}")
    return rapprochement.code_sortie
