"""Ligne de commande `iae-modulation` : une porte mince sur les mêmes fonctions que le classeur.

Chaque sous-commande vit dans `iae_modulation.commandes.<nom>` et expose
`enregistrer(sous_parseurs)`, qui déclare ses options et `executer(args) -> code de sortie`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from iae_modulation import __version__

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
    sous_parseurs = parseur.add_subparsers(dest="commande", required=True, metavar="COMMANDE")
    for nom in commandes:
        importlib.import_module(f"iae_modulation.commandes.{nom}").enregistrer(sous_parseurs)
    return parseur


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # seule la sous-commande demandée est importée (démarrage rapide) ; l'aide les charge toutes
    demandee = tuple(c for c in COMMANDES if argv[:1] == [c]) or COMMANDES
    args = construire_parseur(demandee).parse_args(argv)
    return args.executer(args)


if __name__ == "__main__":
    sys.exit(main())
