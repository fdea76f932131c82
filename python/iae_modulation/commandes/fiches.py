"""`iae-modulation fiches` : une fiche de dialogue de gestion par structure (instruction DGEFP
n° 2014-2, § 3), en Word et en PDF, depuis le grand livre d'une campagne."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.documents.fiches import generer_fiches


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "fiches",
        help="écrire la fiche de dialogue de gestion de chaque structure",
        description="Écrit, pour chaque structure de RESULTATS (resultats.csv de « iae-modulation "
        "calculer »), une fiche d'une page : ses trois indicateurs face à la médiane et aux "
        "quartiles de son groupe, son rang, une bande de points par critère, ses postes et ses "
        "sorties, son taux et son montant (lus dans le grand livre), et ceux de l'année "
        "précédente avec --precedent.",
    )
    parseur.add_argument(
        "resultats", type=Path, metavar="RESULTATS", help="resultats.csv de la campagne N"
    )
    parseur.add_argument(
        "--precedent",
        type=Path,
        metavar="RESULTATS_N-1",
        help="resultats.csv de la campagne N − 1, montré à côté",
    )
    parseur.add_argument(
        "--donnees",
        type=Path,
        help="table des structures du calcul (défaut : celle que nomme le manifeste du calcul)",
    )
    parseur.add_argument("--modele", type=Path, help="modèle Word de la fiche (.docx)")
    groupe = parseur.add_mutually_exclusive_group()
    groupe.add_argument(
        "--pdf",
        action="store_true",
        help="écrire aussi le PDF de chaque fiche (par défaut ; dessiné par l'outil, sans "
        "LibreOffice)",
    )
    groupe.add_argument(
        "--sans-pdf", dest="pdf", action="store_false", help="n'écrire que les fiches Word"
    )
    parseur.set_defaults(pdf=None)
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier des fiches")
    parseur.add_argument("--ecraser", action="store_true", help="remplacer un dossier existant")
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    rapport = generer_fiches(
        args.resultats,
        args.sortie,
        precedent=args.precedent,
        donnees=args.donnees,
        modele=args.modele,
        pdf=args.pdf,
        ecraser=args.ecraser,
    )
    print(rapport.resume())
    return 0
