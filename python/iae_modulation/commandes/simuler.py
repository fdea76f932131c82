"""`iae-modulation simuler` : comparer plusieurs méthodes sur les mêmes données, avant la
commission (docs/methode.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.demonstration import avertissement_demonstration
from iae_modulation.execution_simulation import executer_simulation
from iae_modulation.simulation import lire_scenario


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "simuler",
        help="comparer plusieurs méthodes de modulation avant la commission",
        description="Lit et valide les données une fois, calcule chaque scénario (une méthode "
        "chacun) par le même calcul que « calculer », puis écrit simulation.xlsx (par "
        "structure, par département et type, graphiques), la synthèse d'une page pour la "
        "commission (PDF) et le fichier de méthode de chaque scénario. Le premier scénario est "
        "la référence.",
    )
    parseur.add_argument(
        "donnees", type=Path, metavar="DONNEES", help="table des structures (.csv ou .xlsx)"
    )
    parseur.add_argument("--annee", type=int, required=True, help="année de campagne (N)")
    parseur.add_argument(
        "--scenario",
        action="append",
        required=True,
        metavar="NOM=M.yaml",
        help="un scénario : son nom et son fichier de méthode (« NOM=defaut » : la méthode de "
        "la note 2014-04) ; à répéter, le premier est la référence",
    )
    parseur.add_argument("--enveloppes", type=Path, help="enveloppes régionales (region;enveloppe)")
    parseur.add_argument(
        "--precedent",
        type=Path,
        metavar="RESULTATS_N-1",
        help="grand livre (resultats.csv) de la campagne précédente, pour comparer chaque "
        "scénario à ce qui a été versé",
    )
    ajouter_option_parametres(parseur)
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier de la simulation")
    parseur.add_argument(
        "--ecraser", action="store_true", help="remplacer un dossier de sortie existant"
    )
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    rapport = executer_simulation(
        args.donnees,
        args.annee,
        [lire_scenario(texte) for texte in args.scenario],
        args.sortie,
        enveloppes=args.enveloppes,
        precedent=args.precedent,
        ecraser=args.ecraser,
        dossier_parametres=args.parametres,
        progression_active=True,
    )
    simulation = rapport.simulation
    identifiants = [] if simulation is None else simulation.structures["identifiant"]
    avertissement = avertissement_demonstration(identifiants, "la simulation", str(args.donnees))
    print(rapport.resume())
    if avertissement:  # structures fictives de la démonstration : dit en dernier, code inchangé
        print(avertissement)
    return rapport.code_sortie
