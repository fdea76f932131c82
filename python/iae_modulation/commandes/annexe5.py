"""`iae-modulation annexe5` : tableaux et décisions de paiement ASP (note DGEFP 2014-04, ann. 5)."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from iae_modulation.annexe5 import MESURES, executer_annexe5
from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.documents.pdf import ajouter_options_pdf
from iae_modulation.documents.signature import ajouter_options_signature, signature_depuis_options
from iae_modulation.lecture import lire_nombre
from iae_modulation.referentiel import normaliser_mesure


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "annexe5",
        help="tableaux départementaux et décisions de paiement pour l'ASP",
        description="Transforme l'export de l'extranet IAE (ou le FluxIAE de l'ASP) comme le "
        "prescrit l'annexe 5 de la note DGEFP 2014-04 et écrit, par département, le tableau "
        "annexe5_<ANNÉE>_<DEP>_<MESURE>.xlsx et la décision "
        "decision_asp_<ANNÉE>_<DEP>_<MESURE>.docx (et .pdf), plus synthese.xlsx et "
        "manifeste.json. Chaque décision signée est numérotée et inscrite au registre des actes "
        "(registre.csv, à côté du grand livre) ; une seconde décision payable est refusée.",
    )
    parseur.add_argument(
        "export", type=Path, metavar="EXPORT", help="export extranet (.xlsx, .csv) ou FluxIAE"
    )
    parseur.add_argument(
        "--mesure",
        required=True,
        type=normaliser_mesure,
        choices=MESURES,
        help="mesure : " + ", ".join(MESURES) + " (majuscules ou minuscules)",
    )
    parseur.add_argument("--annee", type=int, required=True, help="année de campagne")
    parseur.add_argument(
        "--departement", nargs="+", metavar="CODE", help="départements à traiter (défaut : tous)"
    )
    parseur.add_argument(
        "--resultats",
        type=Path,
        help="grand livre resultats.csv de « iae-modulation calculer » (d'où vient le montant "
        "payé, en 2014 comme ensuite)",
    )
    parseur.add_argument(
        "--taux-forfaitaire",
        type=_pourcentage,
        dest="taux_forfaitaire",
        metavar="POURCENT",
        help="2014 : 5, vérifié sur chaque structure du grand livre ; une autre année, sans "
        "grand livre : taux identique appliqué à la base de l'export, en %%",
    )
    parseur.add_argument(
        "--colonnes-de-la-note",
        action="store_true",
        dest="colonnes_de_la_note",
        help="ETTI, EITI : garder toutes les colonnes de l'export, comme l'écrit la note "
        "(défaut : coupées comme celles des EI, sans l'état de paiement de l'aide au poste)",
    )
    parseur.add_argument(
        "--resultats-modifies",
        action="store_true",
        dest="resultats_modifies",
        help="accepter un grand livre modifié après le calcul (son empreinte n'est plus celle "
        "du manifeste) ; chaque document et le manifeste le mentionnent",
    )
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier à écrire")
    parseur.add_argument(
        "--source",
        choices=("extranet", "fluxiae"),
        help="nature de l'export (défaut : détectée, un FluxIAE commence par « DEB »)",
    )
    parseur.add_argument(
        "--donnees",
        type=Path,
        help="table des structures (.csv ou .xlsx) : SIRET, raison sociale et commune des "
        "structures d'un FluxIAE, qui ne les donne pas (à défaut : le grand livre)",
    )
    parseur.add_argument(
        "--entetes",
        type=Path,
        metavar="YAML",
        help="fichier des en-têtes à utiliser à la place "
        "de celui fourni (copie modifiée de entetes_extranet.yaml)",
    )
    ajouter_options_pdf(parseur, "les décisions")
    parseur.add_argument("--ecraser", action="store_true", help="remplacer un dossier existant")
    parseur.add_argument(
        "--remplace",
        nargs="+",
        metavar="NUMÉRO",
        help="numéro(s) des décisions en vigueur que les nouvelles annulent et remplacent "
        "(p. ex. 2026-57-ACI-001), une par département",
    )
    parseur.add_argument(
        "--registre",
        type=Path,
        metavar="DOSSIER",
        help="dossier du registre des actes (défaut : celui du grand livre ; au taux "
        "forfaitaire, le dossier qui contient --sortie)",
    )
    ajouter_option_parametres(parseur)
    ajouter_options_signature(parseur)
    parseur.set_defaults(executer=executer)


def _pourcentage(texte: str) -> Decimal:
    """« 5 », « 5 % », « 4,5 » ; jamais NaN, infini ni nombre démesuré (`lecture.lire_nombre`)."""
    try:
        return lire_nombre(texte.strip().removesuffix("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {texte} » n'est pas un pourcentage") from None


def executer(args: argparse.Namespace) -> int:
    rapport = executer_annexe5(
        args.export,
        args.mesure,
        args.annee,
        args.sortie,
        departements=args.departement,
        resultats=args.resultats,
        resultats_modifies=args.resultats_modifies,
        taux_forfaitaire=args.taux_forfaitaire,
        signature=signature_depuis_options(args),
        pdf=args.pdf,
        ecraser=args.ecraser,
        source=args.source,
        entetes=args.entetes,
        donnees=args.donnees,
        dossier_parametres=args.parametres,
        remplace=args.remplace,
        registre=args.registre,
        colonnes_de_la_note=args.colonnes_de_la_note,
    )
    print(rapport.resume())
    return rapport.code_sortie
