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
    illisible = next((a for a in argv if a != a.encode("utf-8", "replace").decode()), None)
    if illisible is not None:
        print(message_argument_illisible(illisible), file=sys.stderr)
        return 2
    # seule la sous-commande demandée est importée (démarrage rapide) ; l'aide les charge toutes
    sans_options = [a for a in argv if a != "--debogage"]
    demandee = tuple(c for c in COMMANDES if sans_options[:1] == [c]) or COMMANDES
    args = construire_parseur(demandee).parse_args(argv)
    return frontiere(lambda: args.executer(args), args.debogage)


def message_argument_illisible(argument: str) -> str:
    """Un nom de fichier dont les octets ne sont pas de l'UTF-8 (copié d'une clé USB ou d'un
    partage réseau en Windows-1252 sous Linux) : refusé d'emblée, en disant quoi faire, plutôt
    qu'une « erreur inattendue » au moment d'écrire ce nom dans le manifeste."""
    lisible = argument.encode("utf-8", "replace").decode()
    return (
        f"« {lisible} » : ce nom contient des caractères qui ne sont pas écrits en UTF-8 (à la "
        "place des « ? » : un accent enregistré dans un autre encodage, p. ex. par une clé USB "
        "ou un partage réseau), et l'outil ne peut pas le recopier dans ses résultats. Renommez "
        "le fichier ou le dossier (en retapant ses accents, ou sans accents), puis relancez."
    )


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
