"""`iae-modulation notifications` : une lettre de notification par structure (note DGEFP 2014-04,
annexe 4), en Word et, sur demande, en PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iae_modulation.commandes.option_parametres import ajouter_option_parametres
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.pdf import ErreurPDF, ajouter_options_pdf
from iae_modulation.documents.signature import (
    ajouter_options_affaire,
    ajouter_options_signature,
    signature_depuis_options,
)
from iae_modulation.sorties import ErreurEntree, ErreurSortie


def enregistrer(sous_parseurs: argparse._SubParsersAction) -> None:
    parseur = sous_parseurs.add_parser(
        "notifications",
        help="écrire la lettre de notification du montant modulé de chaque structure",
        description="Écrit une lettre Word par structure de RESULTATS (fichier resultats.csv de "
        "« iae-modulation calculer »), adressée à la structure que le grand livre nomme "
        "(SIRET, raison sociale, adresse), un index notifications.xlsx et les PDF (voir --pdf, "
        "--sans-pdf) avec un PDF unique à imprimer.",
    )
    parseur.add_argument(
        "resultats",
        type=Path,
        metavar="RESULTATS",
        help="resultats.csv produit par « iae-modulation calculer »",
    )
    parseur.add_argument(
        "--donnees",
        type=Path,
        help="facultatif : table des structures du calcul (.csv ou .xlsx), pour vérifier "
        "qu'elle donne la même identité (SIRET, nom, adresse) que le grand livre ; sinon refus",
    )
    parseur.add_argument("--annee", type=int, required=True, help="année de campagne (N)")
    parseur.add_argument("--modele", type=Path, help="modèle Word de la lettre (.docx)")
    ajouter_options_pdf(parseur, "les lettres (et un PDF unique à imprimer)")
    parseur.add_argument(
        "--resultats-modifies",
        action="store_true",
        dest="resultats_modifies",
        help="accepter un grand livre modifié après le calcul (son empreinte n'est plus celle "
        "du manifeste) ; chaque lettre, l'index et le manifeste le mentionnent",
    )
    parseur.add_argument(
        "--rappel-precedent",
        action="store_true",
        dest="rappel_precedent",
        help="rappeler dans chaque lettre le montant et le taux de la campagne précédente "
        "(calcul fait avec --precedent)",
    )
    parseur.add_argument("--sortie", type=Path, required=True, help="dossier des lettres")
    parseur.add_argument(
        "--ecraser", action="store_true", help="remplacer un dossier de sortie existant"
    )
    parseur.add_argument(
        "--region",
        default="",
        help="région du service émetteur (défaut : celle de chaque structure)",
    )
    ajouter_options_signature(parseur)
    ajouter_options_affaire(parseur)
    ajouter_option_parametres(parseur)
    parseur.set_defaults(executer=executer)


def executer(args: argparse.Namespace) -> int:
    try:
        rapport = generer_notifications(
            args.resultats,
            args.donnees,
            args.annee,
            args.sortie,
            modele=args.modele,
            pdf=args.pdf,
            ecraser=args.ecraser,
            signature=signature_depuis_options(args, region=args.region),
            progression=True,
            resultats_modifies=args.resultats_modifies,
            dossier_parametres=args.parametres,
            rappel_precedent=args.rappel_precedent,
        )
    except (ErreurEntree, ErreurSortie) as erreur:
        print(f"Aucune lettre écrite : {erreur}", file=sys.stderr)
        return 2
    except ErreurPDF as erreur:
        print(f"Aucune lettre écrite, la conversion en PDF a échoué : {erreur}", file=sys.stderr)
        return 1
    print(rapport.resume())
    return 0
