"""`rapprochement.xlsx` : feuilles « Rapprochement » (grand livre × département × mesure),
« Écarts », « Documents » (chaque document, le grand livre dont il relève, ce qui en a été fait),
« Grands livres » (rapprochés ou sans document) et « Registre » (chaque décision du registre des
actes et ce qui en a été constaté) ; chacune prête à imprimer.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

from iae_modulation.formats import date_fr, montant_fr
from iae_modulation.mise_en_page import Colonne, imprimer, mention_sur_chaque_page, poser_colonnes
from iae_modulation.rapprochement.bordereau import (
    NOM_BORDEREAU,
    NOM_BORDEREAU_TEXTE,
    bordereau_remplacable,
    ecrire_bordereau,
)
from iae_modulation.rapprochement.resultat import SANS_DOCUMENT, Compte, Rapprochement
from iae_modulation.referentiel import departements
from iae_modulation.sorties import classeur_remplacable
from iae_modulation.texte_xml import ClasseurXlsx

TITRE_RAPPORT = "Rapprochement"
ENTETES_RAPPORT = (
    "Grand livre",
    "Département",
    "Nom du département",
    "Mesure",
    "Structures (grand livre)",
    "Montant net (grand livre)",
    "Structures (décisions ASP)",
    "Montant (décisions ASP)",
    "Structures (lettres)",
    "Montant net (lettres)",
    "Concordant",
)
ENTETES_REGISTRE = (
    "Numéro",
    "Année",
    "Département",
    "Mesure",
    "Statut",
    "Remplace",
    "Remplacée par",
    "Signée le",
    "Total",
    "Document enregistré",
    "Constat du rapprochement",
)


def rapport_remplacable(chemin: Path) -> bool:
    """Vrai si `chemin` n'existe pas, ou si c'est un rapport que l'outil a écrit lui-même."""
    return classeur_remplacable(chemin, TITRE_RAPPORT)


class _Classeur:
    """Les formats communs des feuilles du rapport."""

    def __init__(self, classeur: ClasseurXlsx, annee: int | str) -> None:
        self.classeur = classeur
        self.annee = annee
        self.gras = classeur.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.euros = classeur.add_format({"num_format": '#,##0.00\\ "€"', "valign": "top"})
        self.retour = classeur.add_format({"text_wrap": True, "valign": "top"})
        self.entier = classeur.add_format({"valign": "top"})

    def feuille(
        self,
        nom: str,
        titre: str,
        entetes: tuple[str, ...],
        lignes: list[tuple],
        maximums: dict[int, float] | None = None,
        vide: str = "",
        haut: int = 0,
    ):
        """Une feuille : en-tête à la ligne `haut`, une ligne par tuple (Decimal au format €),
        largeurs mesurées, mise en page A4 une page de large."""
        feuille = self.classeur.add_worksheet(nom)
        maximums = maximums or {}
        feuille.write_row(haut, 0, entetes, self.gras)
        if not lignes and vide:
            feuille.write_string(haut + 1, 0, vide)
        for rang, ligne in enumerate(lignes, start=haut + 1):
            for colonne, valeur in enumerate(ligne):
                if isinstance(valeur, Decimal):
                    feuille.write_number(rang, colonne, valeur, self.euros)
                elif isinstance(valeur, int):
                    feuille.write_number(rang, colonne, valeur, self.entier)
                else:
                    feuille.write_string(rang, colonne, str(valeur), self.retour)
        colonnes = [
            Colonne(
                entete,
                [montant_fr(v) if isinstance(v, Decimal) else str(v) for v in colonne],
                maximum=maximums.get(j, 50),
            )
            for j, (entete, colonne) in enumerate(
                zip(
                    entetes,
                    zip(*lignes, strict=True) if lignes else [()] * len(entetes),
                    strict=True,
                )
            )
        ]
        largeurs = poser_colonnes(feuille, colonnes, haut)
        imprimer(feuille, largeurs, titre=titre, campagne=self.annee, lignes_repetees=(haut, haut))
        feuille.freeze_panes(haut + 1, 0)
        return feuille


def ecrire_rapport(rapprochement: Rapprochement, chemin: Path) -> Path:
    """Écrit le rapport sous un nom temporaire, puis le renomme."""
    chemin = Path(chemin)
    temporaire = chemin.with_name(f".{chemin.name}.{os.getpid()}.tmp")
    with (
        mention_sur_chaque_page(rapprochement.mention),
        ClasseurXlsx(str(temporaire)) as classeur,
    ):
        classeur.set_properties({"title": TITRE_RAPPORT, "author": "iae-modulation"})
        formats = _Classeur(classeur, rapprochement.annee)
        _synthese(formats, rapprochement)
        formats.feuille(
            "Écarts",
            "Écarts du rapprochement",
            ("Département", "Mesure", "Structure ou document", "Écart"),
            [(e.departement, e.mesure, e.identifiant, e.probleme) for e in rapprochement.ecarts],
            {2: 40, 3: 70},
            vide="Aucun écart.",
        )
        formats.feuille(
            "Documents",
            "Documents relus",
            ("Document", "Grand livre", "Traitement"),
            [(d.document, d.grand_livre, d.traitement) for d in rapprochement.documents],
            {0: 60, 1: 40, 2: 50},
            vide="Aucun document relu.",
        )
        formats.feuille(
            "Grands livres",
            "Grands livres du dossier",
            ("Grand livre", "Empreinte SHA-256", "Campagne", "Rapproché"),
            [
                (rapprochement.relatif(c.grand_livre), c.empreinte, str(c.annee), "oui")
                for c in rapprochement.campagnes
            ]
            + [
                (rapprochement.relatif(p), "", "", f"non : {SANS_DOCUMENT}")
                for p in rapprochement.sans_document
            ],
            {0: 50, 1: 66, 3: 50},
        )
        formats.feuille(
            "Registre",
            "Registre des actes",
            ENTETES_REGISTRE,
            [_ligne_registre(ligne) for ligne in rapprochement.registre],
            {9: 46, 10: 50},
            vide="Aucune décision enregistrée (registre.csv absent ou vide).",
        )
    os.replace(temporaire, chemin)
    rapprochement.rapport = chemin
    return chemin


def _ligne_registre(ligne) -> tuple:
    acte = ligne.acte
    return (
        acte.numero,
        str(acte.annee),
        acte.departement,
        acte.mesure,
        acte.statut,
        acte.remplace,
        acte.remplacee_par,
        date_fr(acte.date_signature),
        acte.total,
        acte.fichier_docx,
        ligne.constat or "non trouvée sous le dossier de campagne",
    )


def _synthese(formats: _Classeur, rapprochement: Rapprochement) -> None:
    """La feuille « Rapprochement » : un titre, puis une ligne par grand livre, département
    et mesure."""
    noms = departements()
    lignes = []
    for campagne in rapprochement.campagnes:
        ecarts = {(e.departement, e.mesure) for e in rapprochement.ecarts}
        for cle in campagne.cles():
            comptes = [
                source.get(cle, Compte())
                for source in (campagne.livre, campagne.decisions, campagne.lettres)
            ]
            lignes.append(
                (
                    rapprochement.relatif(campagne.grand_livre),
                    cle[0],
                    noms[cle[0]].nom if cle[0] in noms else "",
                    cle[1],
                    *(v for c in comptes for v in (c.structures, c.montant)),
                    "non" if cle in ecarts else "oui",
                )
            )
    feuille = formats.feuille(
        "Rapprochement",
        "Rapprochement",
        ENTETES_RAPPORT,
        lignes,
        {0: 30},
        haut=2,
    )
    titre = (
        f"Rapprochement de la campagne {rapprochement.annee} — {rapprochement.dossier} — "
        f"{dt.date.today():%d/%m/%Y}"
    )
    bandeau = formats.classeur.add_format(
        {"bold": True, "font_size": 12, "text_wrap": True, "valign": "top"}
    )
    feuille.merge_range(0, 0, 0, len(ENTETES_RAPPORT) - 1, titre, bandeau)
    feuille.set_row(0, 32)


def publier(rapprochement: Rapprochement, chemin: Path) -> list[str]:
    """Écrit le rapport à `chemin` et le bordereau d'envoi à côté ; un fichier d'agent qui
    porte leur nom n'est jamais remplacé : renvoie alors ce qu'il faut en dire."""
    chemin = Path(chemin)
    refus = []
    if rapport_remplacable(chemin):
        ecrire_rapport(rapprochement, chemin)
    else:
        refus.append(
            f"{chemin} existe et n'est pas un rapport de rapprochement de l'outil : il n'est pas "
            "remplacé (choisissez --sortie)."
        )
    if bordereau_remplacable(chemin.parent):
        ecrire_bordereau(rapprochement, chemin.parent)
    else:
        refus.append(
            f"{chemin.parent / NOM_BORDEREAU} ou {NOM_BORDEREAU_TEXTE} existe et n'est pas un "
            "bordereau de l'outil : le bordereau n'est pas écrit (choisissez --sortie)."
        )
    return refus
