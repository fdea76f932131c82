"""Les options de la méthode de `calculer` : un fichier de méthode, ou la méthode par défaut
modifiée par quelques options (docs/methode.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.colonnes import NOTATIONS
from iae_modulation.fichier_methode import lire_methode
from iae_modulation.methode import REPARTITIONS, ErreurMethode, Methode, depuis_options

RACCOURCIS = ("poids", "repartition", "taux_moyen", "groupes", "plafond")


def ajouter_options_methode(parseur: argparse.ArgumentParser) -> None:
    groupe = parseur.add_argument_group(
        "méthode (par défaut : celle de la note DGEFP n° 2014-04, docs/methode.md)"
    )
    groupe.add_argument(
        "--methode-fichier",
        type=Path,
        metavar="M.yaml",
        help="fichier de méthode de la région (nom, notation, poids, plafond, groupes, "
        "répartition) ; consigné avec son empreinte dans le grand livre et le manifeste",
    )
    groupe.add_argument(
        "--methode",
        choices=NOTATIONS,
        help="notation des scores dans le groupe (défaut : rang)",
    )
    groupe.add_argument(
        "--poids",
        metavar="publics=35,effort=40,resultats=25",
        help="poids des critères en pour cent (somme de 100), critères facultatifs compris",
    )
    groupe.add_argument(
        "--repartition",
        choices=tuple(REPARTITIONS),
        help="répartition de l'enveloppe régionale (défaut : plafond)",
    )
    groupe.add_argument(
        "--taux-moyen",
        dest="taux_moyen",
        metavar="5",
        help="avec --repartition taux-moyen : le taux moyen visé de chaque région, en pour cent",
    )
    groupe.add_argument(
        "--groupes",
        choices=("region", "departement"),
        help="groupes de comparaison : type × région (défaut) ou type × département",
    )
    groupe.add_argument(
        "--plafond",
        metavar="10",
        help="plafond de la méthode en pour cent, au plus le taux maximal de l'arrêté",
    )


def methode_des_options(args: argparse.Namespace) -> Methode:
    """La méthode que disent les options ; un fichier et des options qui le modifieraient sont
    refusés ensemble (le fichier est la méthode)."""
    donnees = [f"--{n.replace('_', '-')}" for n in RACCOURCIS if getattr(args, n) is not None]
    if args.methode_fichier is not None:
        if donnees or args.methode is not None:
            options = ", ".join(donnees + (["--methode"] if args.methode else []))
            raise ErreurMethode(
                f"--methode-fichier et {options} ensemble : le fichier est la méthode, écrivez "
                "ces choix dedans (docs/methode.md)."
            )
        return lire_methode(args.methode_fichier)
    return depuis_options(
        notation=args.methode or "rang",
        poids=args.poids,
        groupes=args.groupes,
        plafond=args.plafond,
        repartition=args.repartition,
        taux_moyen=args.taux_moyen,
    )
