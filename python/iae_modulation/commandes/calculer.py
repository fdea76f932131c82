"""`iae-modulation calculer` : la campagne de modulation d'une région ou du pays."""

from __future__ import annotations

import argparse
from pathlib import Path

from iae_modulation.campagne import executer_calcul
from iae_modulation.commandes.option_methode import ajouter_options_methode, methode_des_options
from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.demonstration import avertissement_demonstration


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "calculer",
        help="calculer le taux et le montant modulé de chaque structure",
        description="Calcule, pour chaque SIAE, les indicateurs, le taux de modulation (de 0 au "
        "plafond) et le montant modulé, groupe par groupe, selon la méthode de la région.",
    )
    parseur.add_argument(
        "donnees",
        type=Path,
        metavar="DONNEES",
        help="table des structures (.csv ou .xlsx, colonnes canoniques)",
    )
    parseur.add_argument("--annee", type=int, required=True, help="année de campagne (N)")
    ajouter_options_methode(parseur)
    parseur.add_argument("--enveloppes", type=Path, help="enveloppes régionales (region;enveloppe)")
    parseur.add_argument(
        "--versements-2014",
        type=Path,
        dest="versements_2014",
        help="montants modulés versés en 2014 (campagne 2015 : régularisation)",
    )
    parseur.add_argument(
        "--precedent",
        type=Path,
        metavar="RESULTATS_N-1",
        help="grand livre (resultats.csv) de la campagne précédente : son taux et son montant "
        "sont ajoutés à chaque structure",
    )
    ajouter_option_parametres(parseur)
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier des résultats")
    parseur.add_argument(
        "--ecraser", action="store_true", help="remplacer un dossier de sortie existant"
    )
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    rapport = executer_calcul(
        args.donnees,
        args.annee,
        args.sortie,
        methode=methode_des_options(args),
        enveloppes=args.enveloppes,
        versements_2014=args.versements_2014,
        precedent=args.precedent,
        ecraser=args.ecraser,
        progression_active=True,
        dossier_parametres=args.parametres,
    )
    identifiants = [] if rapport.resultats is None else rapport.resultats["identifiant"]
    avertissement = avertissement_demonstration(identifiants, "le calcul", str(args.donnees))
    print(rapport.resume())
    if avertissement:  # structures fictives de la démonstration : dit en dernier, code inchangé
        print(avertissement)
    return rapport.code_sortie
