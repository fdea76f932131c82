"""Ligne de commande `iae-modulation` : une porte mince sur les mêmes fonctions que le classeur.

Chaque sous-commande vit dans `iae_modulation.commandes.<nom>` et expose
`enregistrer(sous_parseurs)`, qui déclare ses options et `executer(args) -> code de sortie`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys

from iae_modulation import __version__
from iae_modulation.commandes.francais import ParseurFrancais
from iae_modulation.erreurs import frontiere

COMMANDES = (
    "preparer",
    "calculer",
    "simuler",
    "annexe5",
    "notifications",
    "fiches",
    "rapprocher",
    "classeur",
    "demo",
)


def construire_parseur(commandes: tuple[str, ...] = COMMANDES) -> argparse.ArgumentParser:
    parseur = ParseurFrancais(
        prog="iae-modulation",
        description="Montant modulé de l'aide au poste des SIAE : préparation depuis les "
        "fichiers de l'ASP, calcul, décisions ASP, notifications, fiches de dialogue de gestion, "
        "classeur Excel.",
    )
    parseur.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="afficher la version et quitter",
    )
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
    sortie_lisible()
    argv = sys.argv[1:] if argv is None else list(argv)
    # seule la sous-commande demandée est importée (démarrage rapide) ; l'aide les charge toutes
    sans_options = [a for a in argv if a != "--debogage"]
    demandee = tuple(c for c in COMMANDES if sans_options[:1] == [c]) or COMMANDES
    args = construire_parseur(demandee).parse_args(argv)
    return frontiere(lambda: args.executer(args), args.debogage)


def sortie_lisible() -> None:
    """Un terminal qui ne sait pas écrire « é » ou « € » (PYTHONIOENCODING=ascii, console
    Windows redirigée en cp1252) les remplace par « ? » au lieu d'échouer : un calcul réussi
    ne devient jamais une erreur au moment d'afficher son résumé."""
    for flux in (sys.stdout, sys.stderr):
        if isinstance(flux, io.TextIOWrapper):  # remplacé (tests, pythonw) : laissé tel quel
            with contextlib.suppress(ValueError):
                flux.reconfigure(errors="replace")


if __name__ == "__main__":
    sys.exit(main())
