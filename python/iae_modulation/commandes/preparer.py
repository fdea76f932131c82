"""`iae-modulation preparer` : la table des structures d'une campagne depuis les extractions de
l'ASP (FluxIAE des annexes financières, bilan annuel, FluxIAE des structures)."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.preparation.execution import executer_preparation


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "preparer",
        help="préparer la table des structures depuis les fichiers de l'ASP",
        description="Écrit la table des structures de la campagne (donnees.csv et donnees.xlsx, "
        "colonnes canoniques, prête pour « calculer »), le rapport preparation.xlsx (source de "
        "chaque valeur, annexes écartées et pourquoi, valeurs à vérifier, rapprochement des "
        "sources) et manifeste.json.",
    )
    parseur.add_argument(
        "--annexes",
        type=Path,
        required=True,
        metavar="FLUXIAE_ANNEXES",
        help="FluxIAE des annexes financières (fluxIAE_AnnexeFinanciere_….csv ou .csv.gz)",
    )
    parseur.add_argument(
        "--bilan",
        type=Path,
        metavar="BILAN",
        help="bilan annuel de l'ASP (.xlsx) : publics et sorties de l'année N − 1",
    )
    parseur.add_argument(
        "--structures",
        type=Path,
        metavar="FLUXIAE_STRUCTURES",
        help="FluxIAE des structures (fluxIAE_Structure_….csv) : SIRET, raison sociale, adresse",
    )
    parseur.add_argument("--annee", type=int, required=True, help="année de campagne (N)")
    parseur.add_argument(
        "--encadrement-elargi",
        action="store_true",
        dest="encadrement_elargi",
        help="ETP d'encadrement : ajouter les travailleurs non salariés et les prestataires "
        "externes à l'encadrement salarié",
    )
    ajouter_option_parametres(parseur)
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier à écrire")
    parseur.add_argument("--ecraser", action="store_true", help="remplacer un dossier existant")
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    rapport = executer_preparation(
        args.annexes,
        args.annee,
        args.sortie,
        bilan=args.bilan,
        structures=args.structures,
        encadrement_elargi=args.encadrement_elargi,
        ecraser=args.ecraser,
        dossier_parametres=args.parametres,
    )
    print(rapport.resume())
    return 0
