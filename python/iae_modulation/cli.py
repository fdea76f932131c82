"""Ligne de commande `iae-modulation` : une porte mince sur les mêmes fonctions que le classeur.

Chaque sous-commande vit dans `iae_modulation.commandes.<nom>` et expose
`enregistrer(sous_parseurs)`, qui déclare ses options et `executer(args) -> code de sortie`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from iae_modulation import __version__
from iae_modulation.erreurs import frontiere

# argparse écrit ses messages en anglais par gettext sans catalogue français : on lui donne le
# nôtre, pour qu'un agent lise « erreur : arguments obligatoires manquants » et non « error: ».
TRADUCTIONS_ARGPARSE = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "not allowed with argument %s": "incompatible avec l'argument %s",
}
argparse._ = lambda texte: TRADUCTIONS_ARGPARSE.get(texte, texte)

COMMANDES = ("calculer", "annexe5", "notifications", "rapprocher", "classeur", "demo")


def construire_parseur(commandes: tuple[str, ...] = COMMANDES) -> argparse.ArgumentParser:
    parseur = argparse.ArgumentParser(
        prog="iae-modulation",
        description="Montant modulé de l'aide au poste des SIAE : calcul, décisions ASP, "
        "notifications, classeur Excel.",
    )
    parseur.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parseur.add_argument(
        "--debogage",
        action="store_true",
        help="en cas d'erreur, afficher aussi la trace Python (pour un mainteneur)",
    )
    sous_parseurs = parseur.add_subparsers(dest="commande", required=True, metavar="COMMANDE")
    for nom in commandes:
        importlib.import_module(f"iae_modulation.commandes.{nom}").enregistrer(sous_parseurs)
    return parseur


def main(argv: list[str] | None = None) -> int:
    """La commande demandée, derrière la frontière d'erreurs : jamais de trace Python sans
    --debogage, un message français et un code de sortie (0, 1, 2 ; voir `erreurs`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # seule la sous-commande demandée est importée (démarrage rapide) ; l'aide les charge toutes
    sans_options = [a for a in argv if a != "--debogage"]
    demandee = tuple(c for c in COMMANDES if sans_options[:1] == [c]) or COMMANDES
    args = construire_parseur(demandee).parse_args(argv)
    return frontiere(lambda: args.executer(args), args.debogage)


if __name__ == "__main__":
    sys.exit(main())
