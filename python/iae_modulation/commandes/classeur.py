"""`iae-modulation classeur` : construire le classeur Excel, l'installer ou le rattacher au Python
du poste, le diagnostiquer, en exécuter une action du ruban sans Excel (`executer ACTION
CLASSEUR.xlsm`), ou écrire le paquet d'installation hors ligne pour Windows (`paquet-windows`).

Codes de sortie : 0 réussi ; 2 entrée refusée (classeur illisible, paramètre inconnu, classeur
déjà présent) ; 1 échec du système (DLL absente, diagnostic en échec, téléchargement impossible).
"""

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
        help="copier le classeur pour un agent et le rattacher au Python de ce poste",
        description="Copie le gabarit, puis le rattache comme « rattacher ».",
    )
    installer.add_argument(
        "--dossier",
        type=Path,
        help="dossier de destination (défaut : Documents\\IAE Modulation, le dossier Documents "
        "que Windows connaît pour l'agent, redirigé ou OneDrive compris)",
    )
    existant = installer.add_mutually_exclusive_group()
    existant.add_argument("--ecraser", action="store_true", help="remplacer un classeur existant")
    existant.add_argument(
        "--garder",
        action="store_true",
        help="un classeur déjà présent (une campagne) est gardé et rattaché (installer.cmd)",
    )
    installer.set_defaults(executer=executer_installer)

    rattacher = actions.add_parser(
        "rattacher",
        help="rattacher un classeur existant (reçu, ancien) au Python de ce poste",
        description="Écrit dans la feuille « xlwings.conf » le chemin de ce Python, sous une "
        "forme valable pour chaque agent (%LOCALAPPDATA%\\…), les modules des fonctions et "
        "« Use UDF Server », puis vérifie que la DLL d'xlwings est là où le classeur la cherche. "
        "Le reste du classeur (données, résultats, journal) n'est pas touché.",
    )
    rattacher.add_argument("classeur", type=Path, metavar="CLASSEUR", help="le classeur .xlsm")
    rattacher.set_defaults(executer=executer_rattacher)

    diagnostic = actions.add_parser(
        "diagnostic",
        help="vérifier l'installation (Python, xlwings, DLL, fonctions) et un classeur",
        description="Le diagnostic du bouton « Diagnostic », côté Python ; code 1 si un "
        "problème est trouvé.",
    )
    diagnostic.add_argument(
        "classeur",
        type=Path,
        nargs="?",
        metavar="CLASSEUR",
        help="le classeur .xlsm à vérifier (défaut : celui de Documents\\IAE Modulation, s'il "
        "existe)",
    )
    diagnostic.set_defaults(executer=executer_diagnostic)

    paquet = actions.add_parser(
        "paquet-windows",
        help="écrire le paquet d'installation hors ligne pour Windows (.zip)",
        description="Télécharge les roues Windows x64 des dépendances, aux versions de "
        "contraintes.txt, pour chaque version de Python prise en charge, vérifie qu'elles "
        "s'installent sans réseau, et écrit iae-modulation-VERSION-windows.zip (installer.cmd, "
        "LISEZMOI.txt, sources, roues, et l'installateur Python s'il est donné).",
    )
    paquet.add_argument("--sortie", type=Path, required=True, help="dossier où écrire le .zip")
    paquet.add_argument(
        "--roues",
        type=Path,
        help="dossier de roues à réutiliser et compléter (sinon : dossier temporaire)",
    )
    paquet.add_argument(
        "--python",
        action="append",
        metavar="3.X",
        help="version(s) de Python visées (répétable ; défaut : toutes celles prises en charge)",
    )
    paquet.add_argument(
        "--python-installateur",
        type=Path,
        metavar="python-3.X.Y-amd64.exe",
        help="joindre l'installateur Windows de python.org (signature vérifiée) : installer.cmd "
        "l'installe pour l'agent seul, sans fenêtre ni droits, et l'outil s'en sert",
    )
    paquet.add_argument(
        "--python-sha256",
        metavar="EMPREINTE",
        help="empreinte SHA-256 de l'installateur publiée par python.org (vérifiée si donnée ; "
        "exigée si ni PowerShell ni osslsigncode ne peuvent lire la signature)",
    )
    paquet.set_defaults(executer=executer_paquet_windows)


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
    try:
        resultat = ACTIONS[args.action](classeur)
    except ErreurSortie as erreur:  # l'action a eu lieu, le classeur n'a pas pu être enregistré
        print(f"Classeur non enregistré : {erreur}", file=sys.stderr)
        return 1
    print(resultat.message, file=sys.stdout if resultat.code == 0 else sys.stderr)
    return resultat.code


def executer_installer(args: argparse.Namespace) -> int:
    from iae_modulation.excel.installation import installer

    return _installation(
        lambda: installer(args.dossier, ecraser=args.ecraser, garder=args.garder), "Installation"
    )


def executer_rattacher(args: argparse.Namespace) -> int:
    from iae_modulation.excel.installation import rattacher

    return _installation(lambda: rattacher(args.classeur), "Rattachement")


def _installation(faire, nom: str) -> int:
    try:
        rapport = faire()
    except ErreurEntree as erreur:
        print(f"{nom} impossible : {erreur}", file=sys.stderr)
        return 2
    except ErreurSortie as erreur:
        print(f"{nom} impossible : {erreur}", file=sys.stderr)
        return 2 if "existe déjà" in str(erreur) else 1
    print(rapport.resume())
    return rapport.code_sortie


def executer_diagnostic(args: argparse.Namespace) -> int:
    from iae_modulation.chemins import GABARIT_CLASSEUR
    from iae_modulation.excel.diagnostic import diagnostiquer
    from iae_modulation.excel.installation import dossier_classeurs

    installe = dossier_classeurs() / GABARIT_CLASSEUR.name
    classeur = args.classeur or (installe if installe.is_file() else None)
    try:
        constats = diagnostiquer(classeur)
    except ErreurEntree as erreur:
        print(f"Diagnostic impossible : {erreur}", file=sys.stderr)
        return 2
    for constat in constats:
        print(constat.ligne())
    problemes = sum(bool(c.probleme) for c in constats)
    print(f"{problemes} problème(s)." if problemes else "Aucun problème.")
    return 1 if problemes else 0


def executer_paquet_windows(args: argparse.Namespace) -> int:
    from iae_modulation.excel.paquet_windows import VERSIONS_PYTHON, paquet_windows

    inconnues = sorted(set(args.python or ()) - set(VERSIONS_PYTHON))
    if inconnues:
        print(
            f"--python {', '.join(inconnues)} : versions prises en charge "
            f"{', '.join(VERSIONS_PYTHON)}.",
            file=sys.stderr,
        )
        return 2
    try:
        archive = paquet_windows(
            args.sortie,
            args.roues,
            args.python or VERSIONS_PYTHON,
            args.python_installateur,
            args.python_sha256,
        )
    except ErreurEntree as erreur:
        print(f"Paquet non écrit : {erreur}", file=sys.stderr)
        return 2
    except ErreurSortie as erreur:
        print(f"Paquet non écrit : {erreur}", file=sys.stderr)
        return 1
    taille = archive.stat().st_size / 1e6
    print(f"Paquet d'installation écrit : {archive} ({taille:.0f} Mo)")
    return 0
