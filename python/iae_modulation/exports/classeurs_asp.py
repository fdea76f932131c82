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
from typing import TYPE_CHECKING

import xlsxwriter

from iae_modulation.referentiel import departements
from iae_modulation.texte_xml import ClasseurXlsx

if TYPE_CHECKING:
    from iae_modulation.annexe5 import TableauAnnexe5

FORMAT_EUROS = '#,##0.00 "€"'
FORMAT_TAUX = "0.00 %"
LIGNE_ENTETE = 3  # deux lignes de titre, une ligne vide, puis l'en-tête
# Un texte qui commence par « = » reste un texte (jamais une formule ni un lien).
OPTIONS_CLASSEUR = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def ecrire_tableau(
    tableau: TableauAnnexe5, chemin: Path, annee: int, base_du_taux: str, mention: str = ""
) -> Path:
    """Écrit le tableau d'un département (feuille « Tableau ») et sa feuille « Contrôle » ;
    `mention` (grand livre modifié après le calcul) s'écrit sous le titre."""
    departement = departements()[tableau.departement]
    classeur = ClasseurXlsx(str(chemin), OPTIONS_CLASSEUR)
    styles = _styles(classeur)
    feuille = classeur.add_worksheet("Tableau")
    feuille.write_string(
        0,
        0,
        f"Montant modulé de l'aide au poste {annee} – {tableau.mesure} – "
        f"{departement.code} {departement.nom} ({departement.region})",
        styles["titre"],
    )
    feuille.write_string(1, 0, base_du_taux)
    if mention:
        feuille.write_string(2, 0, mention, styles["alerte"])
    feuille.write_row(LIGNE_ENTETE, 0, tableau.colonnes, styles["entete"])
    feuille.freeze_panes(LIGNE_ENTETE + 1, 0)
    for rang, ligne in enumerate(tableau.lignes, start=LIGNE_ENTETE + 1):
        for colonne, valeur in enumerate(ligne):
            if isinstance(valeur, Decimal):
                feuille.write_number(rang, colonne, valeur, styles["euros"])
            else:
                feuille.write_string(rang, colonne, valeur)
    total = LIGNE_ENTETE + 1 + len(tableau.lignes)
    feuille.write_string(total, 0, "Total", styles["total"])
    for colonne in sorted(tableau.montants):
        somme = sum(
            (ligne[colonne] for ligne in tableau.lignes if isinstance(ligne[colonne], Decimal)),
            Decimal(0),
        )
        feuille.write_number(total, colonne, somme, styles["total_euros"])
    for colonne, entete in enumerate(tableau.colonnes):
        largeur = 14 if colonne in tableau.montants else min(max(len(entete), 10), 40)
        feuille.set_column(colonne, colonne, largeur)
    _feuille_controle(classeur, styles, tableau)
    classeur.close()
    return chemin


# Feuille « Contrôle » : (en-tête, colonne du grand livre, format), dans l'ordre du calcul.
COLONNES_CONTROLE = (
    ("Identifiant (grand livre)", "identifiant", None),
    ("Motif du taux", "motif_taux", None),
    ("Montant socle", "montant_socle", "euros"),
    ("Taux calculé", "taux_calcule", "taux"),
    ("Montant avant enveloppe (socle × taux calculé)", "montant_avant_enveloppe", "euros"),
    ("Enveloppe disponible", "enveloppe_disponible", "euros"),
    ("Total avant enveloppe", "total_avant_enveloppe", "euros"),
    ("Montant modulé", "montant_module", "euros"),
    ("Taux effectif après enveloppe (modulé ÷ socle)", "taux_effectif", "taux"),
    ("Régularisation 2014", "regularisation", "euros"),
    ("Reste à déduire de l'aide au poste", "reste_a_deduire", "euros"),
    ("Montant net versé", "montant_net", "euros"),
)
FEUILLE_CONTROLE = "Contrôle"


def _feuille_controle(classeur, styles, tableau: TableauAnnexe5) -> None:
    """Une ligne par ligne du tableau, dans le même ordre : la structure, la base de l'export et
    sa ligne du grand livre. Montant avant enveloppe = socle × taux calculé ; montant modulé =
    avant × enveloppe disponible / total avant enveloppe (au centime inférieur) quand
    l'enveloppe a réduit le montant ; net = modulé − régularisation (jamais négatif)."""
    feuille = classeur.add_worksheet(FEUILLE_CONTROLE)
    entetes = ["Structure (ligne de l'export)", "Base de l'export"]
    entetes += [entete for entete, _, _ in COLONNES_CONTROLE]
    feuille.write_row(0, 0, entetes, styles["entete"])
    feuille.freeze_panes(1, 1)
    for rang, paiement in enumerate(tableau.paiements, start=1):
        feuille.write_string(rang, 0, paiement.nom)
        feuille.write_number(rang, 1, paiement.base, styles["euros"])
        for colonne, (_, cle, format_) in enumerate(COLONNES_CONTROLE, start=2):
            valeur = paiement.livre[cle]
            if valeur is None:
                continue
            if format_ is None:
                feuille.write_string(rang, colonne, str(valeur))
            else:
                feuille.write_number(rang, colonne, valeur, styles[format_])
    feuille.set_column(0, 0, 60)
    feuille.set_column(1, len(entetes) - 1, 16)


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
    classeur = ClasseurXlsx(str(chemin), OPTIONS_CLASSEUR)
    styles = _styles(classeur)
    feuille = classeur.add_worksheet("Synthèse")
    feuille.write_string(
        0,
        0,
        f"Montant modulé de l'aide au poste {annee} – synthèse des décisions ASP",
        styles["titre"],
    )
    feuille.write_row(LIGNE_ENTETE, 0, COLONNES_SYNTHESE, styles["entete"])
    feuille.freeze_panes(LIGNE_ENTETE + 1, 0)
    for rang, ligne in enumerate(lignes, start=LIGNE_ENTETE + 1):
        departement = departements()[ligne.departement]
        textes = (departement.code, departement.nom, departement.region, ligne.mesure)
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
    feuille.set_column(0, 0, 12)
    feuille.set_column(1, 2, 28)
    feuille.set_column(3, 4, 12)
    feuille.set_column(5, 10, 18)
    if ecartees:
        ecarts = classeur.add_worksheet("Lignes écartées")
        ecarts.write_row(0, 0, ("Motif", "Nombre de lignes"), styles["entete"])
        for rang, (motif, nombre) in enumerate(ecartees.items(), start=1):
            ecarts.write_string(rang, 0, motif)
            ecarts.write_number(rang, 1, nombre)
        ecarts.set_column(0, 0, 80)
        ecarts.set_column(1, 1, 18)
    classeur.close()
    return chemin


def _styles(classeur: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "titre": classeur.add_format({"bold": True, "font_size": 12}),
        "alerte": classeur.add_format({"bold": True, "font_color": "#C00000"}),
        "entete": classeur.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        ),
        "euros": classeur.add_format({"num_format": FORMAT_EUROS}),
        "taux": classeur.add_format({"num_format": FORMAT_TAUX}),
        "total": classeur.add_format({"bold": True, "top": 1}),
        "total_euros": classeur.add_format({"bold": True, "top": 1, "num_format": FORMAT_EUROS}),
        "total_taux": classeur.add_format({"bold": True, "top": 1, "num_format": FORMAT_TAUX}),
    }
