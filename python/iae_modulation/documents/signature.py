"""Qui signe et d'où : le bloc commun aux décisions de paiement et aux notifications.

Sans signataire ou sans lieu, les documents sont des projets : chacun porte « PROJET — non
signé » en en-tête et dans son nom de fichier (`PROJET_…`), pour qu'un lot non signé ne soit
jamais pris pour un lot définitif, et la commande le signale.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field

from iae_modulation.documents.autorite import (
    DEPARTEMENT,
    REGION,
    Autorite,
    autorite_du_departement,
    niveau_autorite,
)
from iae_modulation.documents.mots_dates import MotsDates
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.formats import date_fr

MENTION_PROJET = "PROJET — non signé"
PREFIXE_PROJET = "PROJET_"


@dataclass(frozen=True)
class Signature:
    """Service émetteur et signataire (réglables dans la feuille Paramètres ou en options) ;
    `qualite` est le titre du signataire, écrit sous la ligne de délégation. `niveau`,
    `prefete` et `ddets_pp` : l'autorité qui signe, choisie pour la campagne
    (`documents.autorite`)."""

    service: str = ""  # vide : le service en vigueur à la date de l'acte (documents.autorite)
    region: str = ""
    lieu: str = ""
    signataire: str = ""
    qualite: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    niveau: str = DEPARTEMENT
    prefete: bool = False
    ddets_pp: bool = False
    # l'agent qui suit le dossier, nommé dans les lettres (« Affaire suivie par »)
    affaire: str = ""
    telephone: str = ""
    courriel: str = ""

    def autorite(self, departement: str) -> Autorite:
        """L'autorité qui signe les actes du département (code normalisé)."""
        return autorite_du_departement(
            self.niveau, departement, prefete=self.prefete, ddets_pp=self.ddets_pp
        )

    def bloc_signature(self, autorite: Autorite, mots: MotsDates) -> str:
        """« Pour le préfet et par délégation, » puis, à la ligne, le titre du signataire
        (`qualite`) ou, sans lui, celui du directeur du service à la date de l'acte (« le
        directeur départemental de l'emploi, du travail et des solidarités »). Un titre qui
        commence lui-même par « Pour le préfet » ou « Pour la préfète » remplace la ligne."""
        titre = " ".join(self.qualite.split())
        if titre.casefold().startswith(("pour le préfet", "pour la préfète")):
            return titre
        titre = titre or autorite.directeur(mots)
        return f"{autorite.delegation}\n{titre}" if titre else autorite.delegation

    def en_tete_service(self, autorite: Autorite, mots: MotsDates) -> str:
        """Le service de l'en-tête : `--service` s'il est donné, sinon celui de l'autorité à la
        date de l'acte."""
        return self.service.strip() or autorite.service(mots)

    @property
    def projet(self) -> bool:
        """Vrai s'il manque le signataire ou le lieu : les documents ne sont que des projets."""
        return not (self.signataire.strip() and self.lieu.strip())

    def affaire_suivie_par(self) -> str | None:
        """« Affaire suivie par : Nom – téléphone : … », puis à la ligne « Courriel : … » (une
        adresse n'est jamais coupée à son trait d'union) ; None si rien n'est donné (le
        paragraphe est retiré)."""
        nom, telephone, courriel = (
            " ".join(v.split()) for v in (self.affaire, self.telephone, self.courriel)
        )
        ligne = " – ".join(
            f"{libelle} : {valeur}"
            for libelle, valeur in (("Affaire suivie par", nom), ("téléphone", telephone))
            if valeur
        )
        lignes = [ligne] if ligne else []
        if courriel:
            lignes.append(f"Courriel : {courriel}")
        return "\n".join(lignes) or None

    def mention_projet(self) -> str:
        """L'en-tête des documents : « PROJET — non signé », ou rien s'ils sont signés."""
        return MENTION_PROJET if self.projet else ""

    def nom_de_fichier(self, nom: str) -> str:
        """`PROJET_<nom>` pour un projet, `<nom>` sinon."""
        return f"{PREFIXE_PROJET}{nom}" if self.projet else nom

    def avertissement(self) -> str:
        """Ce que la commande signale quand les documents ne sont que des projets."""
        if not self.projet:
            return ""
        manque = " et ".join(
            option
            for option, valeur in (("--signataire", self.signataire), ("--lieu", self.lieu))
            if not valeur.strip()
        )
        return (
            f"ATTENTION : documents non signés ({manque} manquant) ; ils sont marqués "
            f"« {MENTION_PROJET} » en en-tête et leurs fichiers commencent par "
            f"« {PREFIXE_PROJET} ». Indiquez le signataire et le lieu pour le lot définitif."
        )


def probleme_date(signature: Signature, annee: int, aujourd_hui: dt.date | None = None) -> str:
    """« » si la date du document est plausible pour la campagne `annee` : du 1er janvier de
    l'année précédente (une décision préparée avant la campagne) à un an après aujourd'hui ;
    sinon le refus en français (1900-01-01, 2999-12-31 : faute de frappe)."""
    aujourd_hui = aujourd_hui or dt.date.today()
    debut = dt.date(annee - 1, 1, 1)
    try:
        fin = aujourd_hui.replace(year=aujourd_hui.year + 1)
    except ValueError:  # 29 février
        fin = aujourd_hui.replace(year=aujourd_hui.year + 1, day=28)
    if debut <= signature.date <= fin:
        return ""
    return (
        f"Date du document refusée : {date_fr(signature.date)}. Une décision ou une lettre de "
        f"la campagne {annee} est datée du {date_fr(debut)} au {date_fr(fin)} (un an après "
        "aujourd'hui) ; corrigez --date (AAAA-MM-JJ)."
    )


def ajouter_options_signature(parseur: argparse.ArgumentParser) -> None:
    """Options communes de la ligne de commande pour le bloc de signature."""
    groupe = parseur.add_argument_group("signature")
    groupe.add_argument(
        "--autorite",
        type=_niveau_option,
        default=DEPARTEMENT,
        help="qui signe : le préfet de « departement » (défaut, comme pour les conventions) ou "
        "de « region »",
    )
    groupe.add_argument(
        "--prefete", action="store_true", help="« La préfète » au lieu de « Le préfet »"
    )
    groupe.add_argument(
        "--ddets-pp",
        action="store_true",
        help="le service départemental est une DDETS-PP (emploi, travail, solidarités et "
        "protection des populations) : la liste de ces départements n'est pas connue de l'outil",
    )
    groupe.add_argument(
        "--service",
        default=Signature.service,
        help="service émetteur (défaut : celui de l'autorité à la date de l'acte : unité "
        "départementale de la DIRECCTE puis DDETS, ou DIRECCTE puis DREETS, le 1er avril 2021)",
    )
    groupe.add_argument("--lieu", default="", help="lieu de signature (« Fait à … »)")
    groupe.add_argument(
        "--signataire",
        default="",
        help=f"nom du signataire (sans lui ni --lieu : documents « {MENTION_PROJET} »)",
    )
    groupe.add_argument(
        "--qualite",
        default="",
        help="titre du signataire, écrit sous « Pour le préfet et par délégation, » (défaut : "
        "celui du directeur du service ; p. ex. « La directrice départementale adjointe »)",
    )
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


def _niveau_option(texte: str) -> str:
    try:
        return niveau_autorite(texte)
    except ErreurEntree as erreur:
        raise argparse.ArgumentTypeError(str(erreur)) from None


def ajouter_options_affaire(parseur: argparse.ArgumentParser) -> None:
    """Options de la ligne « Affaire suivie par » des lettres (nom, téléphone, courriel)."""
    groupe = parseur.add_argument_group("affaire suivie par (en tête de chaque lettre)")
    groupe.add_argument(
        "--affaire-suivie-par",
        dest="affaire",
        default="",
        help="nom de l'agent qui suit le dossier",
    )
    groupe.add_argument("--telephone", default="", help="son téléphone")
    groupe.add_argument("--courriel", default="", help="son adresse électronique")


def signature_depuis_options(args: argparse.Namespace, region: str = "") -> Signature:
    return Signature(
        service=args.service,
        region=region,
        lieu=args.lieu,
        signataire=args.signataire,
        qualite=args.qualite,
        date=args.date or dt.date.today(),
        niveau=args.autorite,
        prefete=args.prefete,
        ddets_pp=args.ddets_pp,
        affaire=getattr(args, "affaire", ""),
        telephone=getattr(args, "telephone", ""),
        courriel=getattr(args, "courriel", ""),
    )


def signature_demo() -> Signature:
    """Le signataire fictif de la démonstration : le même sur les décisions et les lettres,
    par délégation du préfet de la région Grand Est (une seule signataire pour la région)."""
    return Signature(
        niveau=REGION,
        region="Grand Est",
        lieu="Strasbourg",
        signataire="Camille Exemple (démonstration)",
        qualite="La directrice régionale adjointe",
        affaire="Dominique Exemple (démonstration)",
        telephone="01 99 00 00 00",
        courriel="iae-modulation@exemple.invalid",
    )
