"""L'option `--parametres DOSSIER`, commune aux commandes qui lisent les paramètres datés."""

from __future__ import annotations

import argparse
from pathlib import Path


def ajouter_option_parametres(parseur: argparse.ArgumentParser) -> None:
    """`--parametres DOSSIER` : fichiers .yaml de même nom et de même forme que ceux du paquet
    (docs/parametres.md), pour les valeurs qu'il n'a pas encore (un arrêté de l'année…)."""
    parseur.add_argument(
        "--parametres",
        type=Path,
        metavar="DOSSIER",
        help="dossier de paramètres datés qui complète ceux de l'outil (même format YAML, une "
        "référence et un grade par valeur) ; consigné avec ses empreintes dans le manifeste",
    )
