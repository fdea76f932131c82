"""Ligne de commande `iae-modulation` : une porte mince sur les mêmes fonctions que le classeur.

Chaque sous-commande vit dans `iae_modulation.commandes.<nom>` et expose
`enregistrer(sous_parseurs)`, qui déclare ses options et `executer(args) -> code de sortie`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from iae_modulation import __version__

COMMANDES = ("calculer", "annexe5", "notifications", "classeur", "demo")


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
