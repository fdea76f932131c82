"""`iae-modulation rapprocher` : le grand livre, les décisions ASP et les lettres d'une campagne
disent-ils les mêmes montants ? (code de sortie 3 sinon)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.parametres import surcharge
from iae_modulation.rapprochement import (
    NOM_RAPPROCHEMENT,
    ecrire_rapport,
    rapport_remplacable,
    rapprocher,
)
from iae_modulation.sorties import ErreurEntree

CODE_ENTREE_INVALIDE = 2


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "rapprocher",
        help="vérifier que décisions ASP, lettres et grand livre disent les mêmes montants",
        description="Relit, sous DOSSIER, le grand livre (resultats.csv), les tableaux et "
        "décisions de l'annexe 5 et l'index des lettres ; affiche par département et mesure le "
        "nombre de structures et les montants de chacun, liste chaque structure absente d'une "
        "décision ou d'une lettre et chaque montant qui diffère d'un centime, et écrit "
        "rapprochement.xlsx. Code de sortie : 0 concordant, 3 écarts, 2 entrée refusée.",
    )
    parseur.add_argument("dossier", type=Path, metavar="DOSSIER", help="dossier de la campagne")
    parseur.add_argument(
        "--resultats",
        type=Path,
        help="grand livre à utiliser (défaut : le resultats.csv du calcul le plus récent "
        "du dossier)",
    )
    parseur.add_argument(
        "--sortie",
        type=Path,
        help=f"rapport à écrire (défaut : DOSSIER/{NOM_RAPPROCHEMENT})",
    )
    ajouter_option_parametres(parseur)
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    try:
        with surcharge(args.parametres):
            rapprochement = rapprocher(args.dossier, args.resultats)
    except ErreurEntree as erreur:
        print(f"Rapprochement impossible : {erreur}", file=sys.stderr)
        return CODE_ENTREE_INVALIDE
    sortie = args.sortie or Path(args.dossier) / NOM_RAPPROCHEMENT
    if rapport_remplacable(sortie):
        ecrire_rapport(rapprochement, sortie)
    else:
        print(
            f"{sortie} existe et n'est pas un rapport de rapprochement de l'outil : il n'est pas "
            "remplacé (choisissez --sortie).",
            file=sys.stderr,
        )
    print(rapprochement.resume())
    return rapprochement.code_sortie
