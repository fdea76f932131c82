"""Le tableau annexé à une décision ASP, en XML Word (`<w:tbl>`), dimensionné à son contenu.

Chaque colonne est au moins aussi large que son plus long morceau insécable (un SIRET, un n°
d'annexe, une date, un montant, le plus long mot de l'en-tête) : rien n'y est jamais coupé.
La place qui reste va aux colonnes qui en ont besoin (raison sociale). Un tableau trop large
pour la page prend une taille de caractères plus petite, puis des en-têtes abrégés, expliqués
par une légende sous le tableau.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iae_modulation.chasse import largeur_points, mots
from iae_modulation.documents.publipostage import echapper

_NOMBRE = re.compile(r"-?[\d\u00a0]+(,\d+)?(\u00a0[€%])?")
VINGTIEMES = 20  # le XML Word compte en vingtièmes de point
MARGE_CELLULE = 57  # de chaque côté, en vingtièmes de point (1 mm)
PRUDENCE = 1.04  # un peu plus large que la mesure : arrondis et crénage du logiciel
TAILLES = (8, 7.5, 7, 6.5, 6)  # en points, de la plus lisible à la plus serrée
LIGNES_EN_TETE = 3  # un en-tête s'étale sur trois lignes au plus quand la place le permet
# En-têtes de l'export (note DGEFP 2014-04, annexe 5) et colonnes ajoutées, abrégés dans la
# décision Word quand le tableau ne tient pas autrement ; le classeur garde les intitulés entiers.
ABREVIATIONS = {
    "Département": "Dép.",
    "no Présage": "Présage",
    "N° SIRET": "SIRET",
    "N° convention": "N° conv.",
    "N° annexe financière": "N° annexe",
    "Date début effet annexe": "Début annexe",
    "Date fin effet annexe": "Fin annexe",
    "Nombre de postes conventionnés": "Postes conv.",
    "Montant prévu de l'aide de l'Etat = AE": "Aide État (AE)",
    "Montant prévu de l'Aide FSE=AE": "Aide FSE (AE)",
    "Montant total prévu = AE": "Total prévu (AE)",
    "Montant payé = CP": "Payé (CP)",
    "Montant total de l'aide au poste": "Aide au poste",
    "Dont cofinancé par le conseil général": "Dont CG",
    "Montant modulé prévu": "Modulé prévu",
    "Montant prévu modulation": "Prévu modulation",
    "Régularisation 2014": "Régul. 2014",
    "Montant modulé prévu (net à verser)": "Net à verser",
    "Montant prévu modulation (net à verser)": "Net à verser",
    "Reste à déduire de l'aide au poste": "Reste à déduire",
}


@dataclass(frozen=True)
class Disposition:
    """Taille des caractères, en-têtes (éventuellement abrégés) et largeur de chaque colonne."""

    taille: float
    entetes: list[str]
    largeurs: list[int]  # vingtièmes de point

    def legende(self, colonnes: list[str]) -> list[tuple[str, str]]:
        return [
            (court, long)
            for court, long in zip(self.entetes, colonnes, strict=True)
            if court != long
        ]


def disposer(colonnes: list[str], lignes: list[list[str]], largeur: int) -> Disposition:
    """La taille la plus lisible, sans abréviation si possible, où chaque colonne garde entiers
    ses morceaux insécables dans `largeur` (vingtièmes de point)."""
    abregees = [ABREVIATIONS.get(c, c) for c in colonnes]
    essais = [(t, colonnes) for t in TAILLES] + [(t, abregees) for t in TAILLES]
    for taille, entetes in essais:
        minimums, souhaits = _mesures(entetes, lignes, taille)
        if sum(minimums) <= largeur:
            return Disposition(taille, list(entetes), _repartir(minimums, souhaits, largeur))
    taille, entetes = essais[-1]
    minimums, _ = _mesures(entetes, lignes, taille)
    return Disposition(taille, list(entetes), minimums)


def _mesures(entetes: list[str], lignes: list[list[str]], taille: float) -> tuple[list, list]:
    """Par colonne : largeur minimale (plus long morceau insécable) et souhaitée (cellule la
    plus longue sur une ligne, en-tête sur trois lignes), marges comprises."""
    minimums, souhaits = [], []
    for j, entete in enumerate(entetes):
        cellules = [ligne[j] for ligne in lignes if j < len(ligne)]
        morceaux = [m for c in cellules for m in mots(c)]
        minimum = max(
            [largeur_points(m, taille, gras=True) for m in mots(entete)]
            + [largeur_points(m, taille) for m in morceaux]
        )
        souhait = max(
            [largeur_points(entete, taille, gras=True) / LIGNES_EN_TETE]
            + [largeur_points(c, taille) for c in cellules]
        )
        minimums.append(_vingtiemes(minimum))
        souhaits.append(_vingtiemes(max(minimum, souhait)))
    return minimums, souhaits


def _vingtiemes(points: float) -> int:
    return int(points * PRUDENCE * VINGTIEMES) + 2 * MARGE_CELLULE + 1


def _repartir(minimums: list[int], souhaits: list[int], largeur: int) -> list[int]:
    """Le minimum à chaque colonne ; la place restante aux colonnes qui en souhaitent plus, en
    proportion de ce qui leur manque ; ce qui reste encore, à toutes, en proportion."""
    reste = largeur - sum(minimums)
    manques = [s - m for m, s in zip(minimums, souhaits, strict=True)]
    if sum(manques) >= reste:
        total = sum(manques) or 1
        return [m + reste * manque // total for m, manque in zip(minimums, manques, strict=True)]
    surplus = reste - sum(manques)
    total = sum(souhaits)
    return [s + surplus * s // total for s in souhaits]


def tableau_xml(colonnes: list[str], lignes: list[list[str]], largeur: int) -> str:
    """Le tableau (`<w:tbl>`), en-tête répété à chaque page, lignes jamais coupées entre deux
    pages, montants alignés à droite ; suivi de sa légende si des en-têtes sont abrégés."""
    disposition = disposer(colonnes, lignes, largeur)
    taille = int(disposition.taille * 2)  # demi-points
    bordures = "".join(
        f'<w:{cote} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
        for cote in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    proprietes = (
        f'<w:tblPr><w:tblW w:w="{sum(disposition.largeurs)}" w:type="dxa"/>'
        f'<w:tblBorders>{bordures}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{MARGE_CELLULE}" w:type="dxa"/>'
        f'<w:right w:w="{MARGE_CELLULE}" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    )
    grille = "".join(f'<w:gridCol w:w="{w}"/>' for w in disposition.largeurs)
    en_tete = "".join(
        _cellule(c, w, taille, en_tete=True)
        for c, w in zip(disposition.entetes, disposition.largeurs, strict=True)
    )
    corps = "".join(
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        + "".join(_cellule(c, w, taille) for c, w in zip(ligne, disposition.largeurs, strict=False))
        + "</w:tr>"
        for ligne in lignes
    )
    xml = (
        f"<w:tbl>{proprietes}<w:tblGrid>{grille}</w:tblGrid>"
        f"<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>{en_tete}</w:tr>{corps}</w:tbl>"
    )
    legende = disposition.legende(colonnes)
    if legende:
        texte = "Abréviations : " + " ; ".join(f"{c} = {long}" for c, long in legende) + "."
        xml += (
            '<w:p><w:pPr><w:spacing w:before="60" w:after="0"/></w:pPr>'
            f'<w:r><w:rPr><w:sz w:val="{taille}"/></w:rPr>'
            f'<w:t xml:space="preserve">{echapper(texte)}</w:t></w:r></w:p>'
        )
    return xml


def _cellule(texte: str, largeur: int, taille: int, en_tete: bool = False) -> str:
    fond = '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>' if en_tete else ""
    droite = '<w:jc w:val="right"/>' if _NOMBRE.fullmatch(texte) and not en_tete else ""
    gras = "<w:b/>" if en_tete else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{largeur}" w:type="dxa"/>{fond}</w:tcPr>'
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{droite}</w:pPr>'
        f'<w:r><w:rPr>{gras}<w:sz w:val="{taille}"/></w:rPr>'
        f'<w:t xml:space="preserve">{echapper(texte)}</w:t></w:r></w:p></w:tc>'
    )
