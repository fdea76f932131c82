"""Qui signe et d'où : le bloc commun aux décisions de paiement et aux notifications."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Signature:
    """Service émetteur et signataire (réglables dans la feuille Paramètres ou en options)."""

    service: str = "Direction régionale de l'économie, de l'emploi, du travail et des solidarités"
    region: str = ""
    lieu: str = ""
    signataire: str = ""
    qualite: str = "Pour le préfet de région et par délégation"
    date: dt.date = field(default_factory=dt.date.today)


def ajouter_options_signature(parseur: argparse.ArgumentParser) -> None:
    """Options communes de la ligne de commande pour le bloc de signature."""
    groupe = parseur.add_argument_group("signature")
    groupe.add_argument("--service", default=Signature.service, help="service émetteur")
    groupe.add_argument("--lieu", default="", help="lieu de signature (« Fait à … »)")
    groupe.add_argument("--signataire", default="", help="nom du signataire")
    groupe.add_argument("--qualite", default=Signature.qualite, help="qualité du signataire")
    groupe.add_argument(
        "--date", type=date_du_document, default=None, help="date du document (AAAA-MM-JJ)"
    )


def date_du_document(texte: str) -> dt.date:
    """`--date 2026-06-15` ; message français pour une date impossible (« 2026-13-45 »)."""
    try:
        return dt.date.fromisoformat(texte)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"« {texte} » n'est pas une date au format AAAA-MM-JJ (ex. : 2026-06-15)"
        ) from None


def signature_depuis_options(args: argparse.Namespace, region: str = "") -> Signature:
    return Signature(
        service=args.service,
        region=region,
        lieu=args.lieu,
        signataire=args.signataire,
        qualite=args.qualite,
        date=args.date or dt.date.today(),
    )


def signature_demo() -> Signature:
    """Le signataire fictif de la démonstration : le même sur les décisions et les lettres."""
    return Signature(
        region="Grand Est", lieu="Strasbourg", signataire="Camille Exemple (démonstration)"
    )
