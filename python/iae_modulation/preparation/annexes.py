"""Les annexes financières de la campagne N dans le FluxIAE « AnnexeFinanciere » : une par n°
d'annexe (son dernier avenant actif de l'année N), et celles de l'année N − 1, qui relient une
structure à son bilan quand le n° d'annexe a changé d'une année à l'autre.

La sélection (états, mesures, dates d'effet, avenants) est celle de l'annexe 5
(`exports.fluxiae.SelectionAnnexes`) ; chaque ligne écartée garde son motif. Un montant ou un
nombre d'ETP illisible (virgule décimale, valeur d'erreur, montant à trois décimales) rend la
ligne illisible : l'annexe n'entre pas dans la table (jamais de valeur devinée) et le rapport le
dit avec la ligne et la colonne.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.exports.fluxiae import (
    COLONNES_REQUISES,
    VUE_ANNEXES,
    Ecartee,
    Illisible,
    Retenue,
    SelectionAnnexes,
    booleen_fluxiae,
    date_fluxiae,
    parcourir_fluxiae,
)
from iae_modulation.referentiel import TYPES_SIAE

# Colonnes lues sur la ligne retenue (montants et ETP vérifiés à la lecture).
CHAMPS = (
    "af_id_structure",
    "af_mesure_dispositif_code",
    "af_etat_annexe_financiere_code",
    "af_date_debut_effet",
    "af_date_fin_effet",
    "af_montant_total_annuel",
    "af_etp_postes_insertion",
    "af_indic_cofinancement",
    "af_mt_cofinance",
    "af_indic_perimetre_milieu_penitentiaire",
    "af_etp_encadrement_tech_accomp_sociop_annee_prec",
    "af_etp_trava_non_salaries",
    "af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec",
    "af_etp_pers_agrees_pole_emploi_iae_annee_prec",
)
NOMBRES = (
    "af_montant_total_annuel",
    "af_mt_cofinance",
    *(nom for nom in CHAMPS if nom.startswith("af_etp")),
)
MOTIF_PERIODES = (
    "plusieurs périodes d'aide de la même annexe dans l'année {annee} (lignes {lignes}) : "
    "l'outil ne les additionne pas ; saisissez la ligne de cette annexe à la main"
)


@dataclass
class AnnexeRetenue:
    """L'annexe d'une structure pour la campagne : sa ligne du FluxIAE et ses cellules."""

    identifiant: str  # n° d'annexe sans avenant
    type: str
    avenant: str  # « A1M2 »
    ligne: int
    cellules: dict[str, str]
    penitentiaire: bool

    @property
    def structure(self) -> str:
        return self.cellules["af_id_structure"]

    def periode(self) -> tuple[dt.date, dt.date]:
        return (
            date_fluxiae(self.cellules["af_date_debut_effet"]),
            date_fluxiae(self.cellules["af_date_fin_effet"]),
        )


@dataclass
class LectureAnnexes:
    fichier: Path
    annee: int
    retenues: list[AnnexeRetenue]
    ecartees: list[Ecartee]
    illisibles: list[Illisible]
    # (af_id_structure, type) -> n° des annexes actives en N − 1 (pour relier le bilan N − 1)
    precedentes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    lignes_lues: int = 0


class _DeuxAnnees:
    """Une seule lecture du fichier pour deux sélections : l'année N et l'année N − 1."""

    def __init__(self, *selections: SelectionAnnexes) -> None:
        self.selections = selections
        self.lignes = 0

    def entetes(self, entetes: list[str]) -> None:
        for selection in self.selections:
            selection.entetes(entetes)

    def examiner(self, numero: int, ligne: list[str]) -> None:
        self.lignes += 1
        for selection in self.selections:
            selection.examiner(numero, ligne)

    def refuser(self, numero: int, ligne: list[str], message: str) -> None:
        self.lignes += 1
        for selection in self.selections:
            selection.refuser(numero, ligne, message)


def lire_annexes(chemin: Path, annee: int, precedentes: bool = True) -> LectureAnnexes:
    """Les annexes de la campagne `annee` (cinq mesures de l'aide au poste), celles écartées
    avec leur motif, les lignes illisibles, et (`precedentes`) les annexes de l'année
    précédente par structure et mesure."""
    chemin = Path(chemin)
    mesures = frozenset(TYPES_SIAE)
    campagne = SelectionAnnexes(chemin.name, mesures, annee)
    campagne.extraire = lambda ligne, lieu: _cellules(campagne, ligne, lieu)
    precedente = SelectionAnnexes(chemin.name, mesures, annee - 1, motifs=False)
    precedente.extraire = lambda ligne, lieu: {
        "af_id_structure": precedente.champ(ligne, "af_id_structure")
    }
    double = _DeuxAnnees(campagne, *([precedente] if precedentes else []))
    parcourir_fluxiae(chemin, VUE_ANNEXES, COLONNES_REQUISES, double)
    lecture = LectureAnnexes(chemin, annee, [], list(campagne.ecartees), list(campagne.erreurs))
    lecture.lignes_lues = double.lignes
    par_annexe: dict[str, list[Retenue]] = defaultdict(list)
    for retenue in campagne.retenues_dans_l_ordre():
        par_annexe[retenue.cle[0]].append(retenue)
    for identifiant, periodes in par_annexe.items():
        if len(periodes) > 1:
            motif = MOTIF_PERIODES.format(
                annee=annee, lignes=", ".join(str(p.numero) for p in periodes)
            )
            for periode in periodes:
                campagne.ecarter(periode.numero, periode.ligne, motif)
                lecture.ecartees.append(campagne.ecartees[-1])
            continue
        lecture.retenues.append(_annexe(identifiant, periodes[0]))
    for retenue in precedente.retenues.values():
        code = precedente.champ(retenue.ligne, "af_mesure_dispositif_code").split("_")[0]
        cle = (retenue.cellules["af_id_structure"], code.upper())
        if retenue.cle[0] not in lecture.precedentes.setdefault(cle, []):
            lecture.precedentes[cle].append(retenue.cle[0])
    lecture.ecartees.sort(key=lambda e: e.numero)
    return lecture


def _cellules(selection: SelectionAnnexes, ligne: list[str], lieu: str) -> dict | None:
    """Les cellules de `CHAMPS` ; None (ligne illisible) si un montant, un nombre d'ETP ou
    l'indicateur de milieu pénitentiaire ou de cofinancement ne se lisent pas."""
    cellules = {nom: selection.champ(ligne, nom) for nom in CHAMPS}
    lisible = True
    for nom in NOMBRES:
        etp = nom.startswith("af_etp")
        if cellules[nom] and selection.nombre(cellules[nom], lieu, nom, etp) is None:
            lisible = False
    for nom in ("af_indic_perimetre_milieu_penitentiaire", "af_indic_cofinancement"):
        try:
            booleen_fluxiae(cellules[nom])
        except ValueError as erreur:
            selection.signaler(f"{lieu}, colonne {nom} : {erreur}.")
            lisible = False
    return cellules if lisible else None


def _annexe(identifiant: str, retenue: Retenue) -> AnnexeRetenue:
    code = retenue.cellules["af_mesure_dispositif_code"].upper()
    type_, _, suffixe = code.partition("_")
    indicateur = booleen_fluxiae(retenue.cellules["af_indic_perimetre_milieu_penitentiaire"])
    return AnnexeRetenue(
        identifiant,
        type_,
        f"A{retenue.cle[1]}M{retenue.modification}",
        retenue.numero,
        retenue.cellules,
        suffixe == "MP" or bool(indicateur),
    )
