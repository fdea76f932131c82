"""Classeurs remis avec les décisions de paiement (note DGEFP 2014-04, annexe 5).

`annexe5_<MESURE>_<DEP>.xlsx` : le tableau départemental (en-têtes français, montants au format
€, ligne de total, en-tête figé) et une feuille « Contrôle » qui relie chaque ligne au grand livre
(identifiant, montant socle, taux calculé, montant avant enveloppe, enveloppe, montant modulé,
taux effectif, régularisation, net) : chaque montant s'y refait depuis les colonnes de sa ligne ;
`synthese.xlsx` : une ligne par département et mesure, avec les totaux, et les lignes écartées
avec leur motif.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from iae_modulation.mise_en_page import (
    HAUTEUR_LIGNE,
    Colonne,
    imprimer,
    lignes_de_texte,
    poser_colonnes,
    texte_affiche,
)
from iae_modulation.referentiel import departements
from iae_modulation.texte_xml import ClasseurXlsx

FORMAT_EUROS = '#,##0.00 "€"'
FORMAT_TAUX = "0.00 %"
FORMAT_NOMBRE = "0.00"
LIGNE_ENTETE = 3  # deux lignes de titre, une ligne vide, puis l'en-tête


def bandeau(feuille, styles, largeurs: list[float], lignes: list[tuple[str, str]]) -> None:
    """Titre, phrase du taux et mention au-dessus du tableau, chacun sur toute sa largeur et
    renvoyé à la ligne : rien ne déborde à droite de la zone imprimée."""
    place = sum(largeurs)
    for rang, (texte, style) in enumerate(lignes):
        if not texte:
            continue
        format_ = styles[f"{style}_bandeau" if style else "bandeau"]
        if len(largeurs) > 1:
            feuille.merge_range(rang, 0, rang, len(largeurs) - 1, texte, format_)
        else:
            feuille.write_string(rang, 0, texte, format_)
        hauteur = 16 if style == "titre" else HAUTEUR_LIGNE
        nombre = sum(lignes_de_texte(paragraphe, place) for paragraphe in texte.split("\n"))
        feuille.set_row(rang, hauteur * nombre + 2)


FEUILLE_CONTROLE = "Contrôle"


@dataclass(frozen=True)
class LigneSynthese:
    """Les totaux d'une décision (un département, une mesure)."""

    departement: str
    mesure: str
    nb_structures: int
    base: Decimal
    montant_module: Decimal
    regularisation: Decimal
    montant_net: Decimal
    reste_a_deduire: Decimal


TITRE_SYNTHESE = "Synthèse des décisions ASP"
COLONNES_SYNTHESE = (
    "Département",
    "Nom du département",
    "Région",
    "Mesure",
    "Nombre de structures",
    "Base (aide au poste)",
    "Taux moyen (modulé ÷ base)",
    "Montant modulé",
    "Régularisation 2014",
    "Montant net à verser",
    "Reste à déduire de l'aide au poste",
)
_MONTANTS_SYNTHESE = ("montant_module", "regularisation", "montant_net", "reste_a_deduire")


def ecrire_synthese(
    lignes: Sequence[LigneSynthese],
    chemin: Path,
    annee: int,
    ecartees: Mapping[str, int],
) -> Path:
    """Une ligne par département et mesure, une ligne de total ; feuille « Lignes écartées »
    quand des lignes des exports l'ont été."""
    classeur = ClasseurXlsx(str(chemin))
    classeur.set_properties({"title": TITRE_SYNTHESE, "author": "iae-modulation"})
    styles = styles_asp(classeur)
    feuille = classeur.add_worksheet("Synthèse")
    feuille.write_row(LIGNE_ENTETE, 0, COLONNES_SYNTHESE, styles["entete"])
    feuille.freeze_panes(LIGNE_ENTETE + 1, 0)
    for rang, ligne in enumerate(lignes, start=LIGNE_ENTETE + 1):
        textes = (*textes_departement(ligne.departement), ligne.mesure)
        for colonne, texte in enumerate(textes):
            feuille.write_string(rang, colonne, texte)
        feuille.write_number(rang, 4, ligne.nb_structures)
        feuille.write_number(rang, 5, ligne.base, styles["euros"])
        if ligne.base:
            feuille.write_number(rang, 6, ligne.montant_module / ligne.base, styles["taux"])
        for colonne, cle in enumerate(_MONTANTS_SYNTHESE, start=7):
            feuille.write_number(rang, colonne, getattr(ligne, cle), styles["euros"])
    total = LIGNE_ENTETE + 1 + len(lignes)
    base = sum((ligne.base for ligne in lignes), Decimal(0))
    module = sum((ligne.montant_module for ligne in lignes), Decimal(0))
    feuille.write_string(total, 0, "Total", styles["total"])
    feuille.write_number(total, 4, sum(ligne.nb_structures for ligne in lignes), styles["total"])
    feuille.write_number(total, 5, base, styles["total_euros"])
    if base:
        feuille.write_number(total, 6, module / base, styles["total_taux"])
    for colonne, cle in enumerate(_MONTANTS_SYNTHESE, start=7):
        somme = sum((getattr(ligne, cle) for ligne in lignes), Decimal(0))
        feuille.write_number(total, colonne, somme, styles["total_euros"])
    natures = ["", "", "", "", "", "euros", "taux"] + ["euros"] * 4
    rangees = [
        [
            *textes_departement(ligne.departement),
            ligne.mesure,
            ligne.nb_structures,
            ligne.base,
            ligne.montant_module / ligne.base if ligne.base else None,
            *(getattr(ligne, cle) for cle in _MONTANTS_SYNTHESE),
        ]
        for ligne in lignes
    ]
    colonnes = [
        Colonne(
            entete,
            [texte_affiche(r[j], natures[j]) for r in rangees]
            + [texte_affiche(base if j == 5 else None, natures[j])],
        )
        for j, entete in enumerate(COLONNES_SYNTHESE)
    ]
    largeurs = poser_colonnes(feuille, colonnes, LIGNE_ENTETE)
    bandeau(
        feuille,
        styles,
        largeurs,
        [(f"Montant modulé de l'aide au poste {annee} – synthèse des décisions ASP", "titre")],
    )
    imprimer(
        feuille,
        largeurs,
        titre="Synthèse des décisions ASP (annexe 5)",
        campagne=annee,
        lignes_repetees=(LIGNE_ENTETE, LIGNE_ENTETE),
    )
    if ecartees:
        ecarts = classeur.add_worksheet("Lignes écartées")
        ecarts.write_row(0, 0, ("Motif", "Nombre de lignes"), styles["entete"])
        for rang, (motif, nombre) in enumerate(ecartees.items(), start=1):
            ecarts.write_string(rang, 0, motif, styles["retour"])
            ecarts.write_number(rang, 1, nombre)
        colonnes = [
            Colonne("Motif", list(ecartees), maximum=70),
            Colonne("Nombre de lignes", [str(n) for n in ecartees.values()]),
        ]
        largeurs = poser_colonnes(ecarts, colonnes, 0, {0: styles["retour"]})
        imprimer(
            ecarts,
            largeurs,
            titre="Lignes écartées des exports",
            campagne=annee,
            lignes_repetees=(0, 0),
        )
    classeur.close()
    return chemin


def textes_departement(code: str) -> tuple[str, str, str]:
    departement = departements()[code]
    return departement.code, departement.nom, departement.region


def styles_asp(classeur: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "titre_bandeau": classeur.add_format(
            {"bold": True, "font_size": 12, "text_wrap": True, "valign": "top"}
        ),
        "bandeau": classeur.add_format({"text_wrap": True, "valign": "top"}),
        "alerte_bandeau": classeur.add_format(
            {"bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"}
        ),
        "retour": classeur.add_format({"text_wrap": True, "valign": "top"}),
        "nombre": classeur.add_format({"num_format": FORMAT_NOMBRE, "valign": "top"}),
        "entete": classeur.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        ),
        # en haut de la cellule, comme le texte qui passe à la ligne à côté d'eux
        "euros": classeur.add_format({"num_format": FORMAT_EUROS, "valign": "top"}),
        "taux": classeur.add_format({"num_format": FORMAT_TAUX, "valign": "top"}),
        "total": classeur.add_format({"bold": True, "top": 1}),
        "total_euros": classeur.add_format({"bold": True, "top": 1, "num_format": FORMAT_EUROS}),
        "total_taux": classeur.add_format({"bold": True, "top": 1, "num_format": FORMAT_TAUX}),
    }
