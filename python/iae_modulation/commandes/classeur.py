"""`iae-modulation classeur` : construire, installer le classeur Excel, ou en exécuter une action
du ruban sans Excel (`executer ACTION CLASSEUR.xlsm`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iae_modulation.excel.classeur import NOMS_PARAMETRES
from iae_modulation.sorties import ErreurEntree, ErreurSortie


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    from iae_modulation.excel.macros import ACTIONS

    parseur = sous_parseurs.add_parser(
        "classeur",
        help="le classeur Excel IAE_modulation.xlsm (construire, installer, exécuter une action)",
        description="Le classeur Excel avec son ruban « IAE Modulation » et ses fonctions.",
    )
    actions = parseur.add_subparsers(dest="action_classeur", required=True, metavar="ACTION")

    construire = actions.add_parser(
        "construire",
        help="reconstruire le gabarit depuis les sources xl/ (sans Excel)",
        description="Reconstruit templates/IAE_modulation.xlsm depuis xl/ et l'xlwings installé ; "
        "deux constructions donnent le même fichier.",
    )
    construire.add_argument(
        "--sortie",
        type=Path,
        help="fichier .xlsm à écrire (défaut : templates/IAE_modulation.xlsm)",
    )
    construire.set_defaults(executer=executer_construire)

    executer = actions.add_parser(
        "executer",
        help="exécuter une action du ruban sur un classeur, sans Excel",
        description="Fait ce que fait le bouton du ruban, sur le fichier .xlsm (modifié sur "
        "place, macros et ruban conservés) : " + ", ".join(ACTIONS) + ".",
    )
    executer.add_argument("action", choices=list(ACTIONS), help="l'action du ruban")
    executer.add_argument("classeur", type=Path, metavar="CLASSEUR", help="le classeur .xlsm")
    executer.add_argument(
        "--parametre",
        action="append",
        default=[],
        metavar="NOM=VALEUR",
        help="renseigner d'abord une cellule de la feuille « Paramètres » (répétable) ; noms : "
        + ", ".join(NOMS_PARAMETRES),
    )
    executer.set_defaults(executer=executer_action)

    installer = actions.add_parser(
        "installer",
        help="copier le classeur pour un agent et lui indiquer le Python à utiliser",
        description="Copie le gabarit, écrit le chemin de ce Python dans sa feuille "
        "« xlwings.conf » "
        "et vérifie que la DLL d'xlwings est là où le classeur la cherche.",
    )
    installer.add_argument(
        "--dossier", type=Path, default=Path.cwd(), help="dossier de destination (défaut : ici)"
    )
    installer.add_argument("--ecraser", action="store_true", help="remplacer un classeur existant")
    installer.set_defaults(executer=executer_installer)


def executer_construire(args: argparse.Namespace) -> int:
    from iae_modulation.excel.construction import ErreurConstruction, construire

    try:
        chemin = construire(*[args.sortie] if args.sortie else [])
    except ErreurConstruction as erreur:
        print(f"Construction impossible : {erreur}", file=sys.stderr)
        return 1
    print(f"Classeur construit : {chemin}")
    return 0


def executer_action(args: argparse.Namespace) -> int:
    from iae_modulation.excel.fichier import ClasseurFichier
    from iae_modulation.excel.macros import ACTIONS

    try:
        classeur = ClasseurFichier(args.classeur)
        for affectation in args.parametre:
            nom, egal, valeur = affectation.partition("=")
            if not egal or nom.strip() not in NOMS_PARAMETRES:
                print(
                    f"--parametre « {affectation} » : attendu NOM=VALEUR avec NOM parmi "
                    f"{', '.join(NOMS_PARAMETRES)}.",
                    file=sys.stderr,
                )
                return 2
            classeur.ecrire_parametre(nom.strip(), valeur)
    except ErreurEntree as erreur:
        print(f"Classeur inutilisable : {erreur}", file=sys.stderr)
        return 2
    resultat = ACTIONS[args.action](classeur)
    print(resultat.message, file=sys.stdout if resultat.code == 0 else sys.stderr)
    return resultat.code


def executer_installer(args: argparse.Namespace) -> int:
    from iae_modulation.excel.installation import installer

    try:
        rapport = installer(args.dossier, ecraser=args.ecraser)
    except (ErreurEntree, ErreurSortie) as erreur:
        print(f"Installation impossible : {erreur}", file=sys.stderr)
        return 2
    print(rapport.resume())
    return rapport.code_sortie
