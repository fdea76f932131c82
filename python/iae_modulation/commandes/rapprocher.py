"""`iae-modulation rapprocher` : le grand livre, les décisions ASP et les lettres d'une campagne
disent-ils les mêmes montants, et les PDF sont-ils ces documents ? (code de sortie 3 sinon) ;
écrit le rapport et le bordereau d'envoi."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.parametres import surcharge
from iae_modulation.rapprochement import NOM_RAPPROCHEMENT, rapprocher
from iae_modulation.rapprochement.rapport import publier
from iae_modulation.sorties import ErreurEntree

CODE_ENTREE_INVALIDE = 2


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "rapprocher",
        help="vérifier que décisions ASP, lettres et grand livre disent les mêmes montants",
        description="Relit, sous DOSSIER, chaque décision de l'annexe 5, son tableau annexé et "
        "chaque lettre, avec leurs données intégrées et leurs PDF, et les rapproche du grand "
        "livre (resultats.csv) dont chacun est tiré (son empreinte SHA-256) ; seules les "
        "décisions en vigueur au registre des actes sont payables. Affiche par grand livre, "
        "département et mesure le nombre de structures et les montants de chacun, liste chaque "
        "écart, et écrit rapprochement.xlsx et le bordereau d'envoi (a_envoyer.xlsx, "
        "a_envoyer.txt). Code de sortie : 0 concordant, 3 écarts, 2 entrée refusée.",
    )
    parseur.add_argument("dossier", type=Path, metavar="DOSSIER", help="dossier de la campagne")
    parseur.add_argument(
        "--resultats",
        type=Path,
        help="ne rapprocher que les documents tirés de ce grand livre (défaut : chaque grand "
        "livre du dossier dont un document est tiré)",
    )
    parseur.add_argument(
        "--sortie",
        type=Path,
        help=f"rapport à écrire, le bordereau à côté (défaut : DOSSIER/{NOM_RAPPROCHEMENT})",
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
    for refus in publier(rapprochement, args.sortie or Path(args.dossier) / NOM_RAPPROCHEMENT):
        print(refus, file=sys.stderr)
    print(rapprochement.resume())
    return rapprochement.code_sortie
