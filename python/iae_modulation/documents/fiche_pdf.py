"""La fiche de dialogue de gestion en PDF, dessinée directement (fpdf2) depuis le même contenu que
le modèle Word (`fiches.Contenu`) : mêmes textes, mêmes tableaux, mêmes bandes de points, une page
A4. LibreOffice coûtait 30 à 45 ms de calcul par page, soit plus d'une minute pour le pays ; ici,
quelques millisecondes. Le .docx reste écrit à côté pour l'agent qui veut retoucher une fiche.

Police Helvetica des lecteurs PDF (aucune police à embarquer dans chacun des 4 500 fichiers),
textes en Windows-1252, qui a les lettres accentuées, « € », « œ », « × » et l'espace insécable.
Les points des structures du groupe sont de petits carrés (un cercle coûte trois fois plus à
écrire, et il y en a des centaines par page) ; la structure, un losange rouge ; l'année
précédente, un cercle bleu.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from iae_modulation.documents.graphique import Fond, pourcentage_axe

LARGEUR_PAGE, MARGE = 210.0, 18.0  # mm
LARGEUR_UTILE = LARGEUR_PAGE - 2 * MARGE
LIBELLE_BANDE = 40.0  # mm à gauche des bandes
HAUTEUR_BANDE = 13.0
TAILLE_MIN = 8.0  # points : rien ne s'imprime plus petit (issue 16, impression)
GRIS, FONCE = (160, 160, 160), (60, 60, 60)
ROUGE, BLEU, INTERQUARTILE = (200, 30, 30), (40, 90, 200), (225, 232, 245)
EN_TETE = (221, 235, 247)  # fond des en-têtes de tableaux (celui des classeurs de l'outil)
# Windows-1252 n'a pas le signe moins ni l'espace fine insécable
_REMPLACEMENTS = str.maketrans({"\u2212": "-", "\u202f": "\u00a0", "\u2009": " "})


def ecrire_fiche_pdf(contenu, chemin: Path) -> Path:
    """La fiche `contenu` (`fiches.Contenu`) en PDF d'une page à `chemin`."""
    pdf = _Page(contenu.textes["pied"] or "")
    t = contenu.textes
    pdf.texte(f"Fiche de dialogue de gestion – campagne {t['annee']}", 13, gras=True, apres=0.5)
    pdf.texte(t["sous_titre"], TAILLE_MIN, apres=2.5)
    pdf.texte(t["raison_sociale"], 11, gras=True)
    pdf.texte(
        f"{t['type_structure']} – SIRET\u00a0{t['siret']} – annexe financière "
        f"n°\u00a0{t['identifiant']}",
        9,
    )
    pdf.texte(t["territoire"], 9, apres=1.5)
    if t["motif_taux"]:
        pdf.texte(t["motif_taux"], 9, apres=1.5)
    pdf.titre("Les trois indicateurs de la note DGEFP n° 2014-04 dans le groupe")
    pdf.tableau(contenu.indicateurs, premiere=62.0)
    pdf.titre("Position dans le groupe")
    for bande in contenu.bandes:
        pdf.bande(bande.libelle, bande.fond, bande.valeur, bande.precedente)
    pdf.texte(t["legende_graphiques"], TAILLE_MIN, apres=1.5)
    pdf.titre("Postes et sorties")
    if contenu.postes_et_sorties is None:
        pdf.texte(t["postes_et_sorties"] or "", 8.5)
    else:
        pdf.tableau(contenu.postes_et_sorties)
    pdf.titre("Taux et montant modulé (grand livre de la campagne)")
    pdf.tableau(contenu.montants, premiere=70.0)
    pdf.texte(t["calcul_du_montant"], 8.5, apres=1.5)
    if t["remarques"]:
        pdf.texte(t["remarques"], TAILLE_MIN)
    pdf.output(str(chemin))
    return Path(chemin)


def _cp1252(texte: str) -> str:
    return texte.translate(_REMPLACEMENTS).encode("cp1252", "replace").decode("cp1252")


class _Page(FPDF):
    """Une page A4 : textes qui passent à la ligne, tableaux bordés, bandes de points."""

    def __init__(self, pied: str) -> None:
        super().__init__(unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.pied = _cp1252(pied)
        self.set_margins(MARGE, 12.5, MARGE)
        self.set_auto_page_break(True, 14)
        self.set_creator("iae-modulation")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("helvetica", size=TAILLE_MIN)
        self.set_text_color(0)
        self.cell(0, 4, self.pied)

    def lignes(self, texte: str, largeur: float) -> list[str]:
        """Le texte coupé en lignes de `largeur` mm au plus, aux espaces (jamais aux espaces
        insécables), dans la police courante. (Le `multi_cell` de fpdf2 mesure chaque ligne
        caractère après caractère : dix fois plus lent sur une fiche.)"""
        espace = self.get_string_width(" ")
        lignes: list[str] = []
        for paragraphe in texte.split("\n"):
            courante: list[str] = []
            occupee = 0.0
            for mot in paragraphe.split(" "):
                mesure = self.get_string_width(mot)
                if courante and occupee + espace + mesure > largeur:
                    lignes.append(" ".join(courante))
                    courante, occupee = [], 0.0
                occupee += (espace if courante else 0) + mesure
                courante.append(mot)
            lignes.append(" ".join(courante))
        return lignes

    def ecrire_lignes(self, lignes: list[str], x: float, y: float, interligne: float,
                      largeur: float = 0, droite: bool = False) -> None:  # fmt: skip
        """Chaque ligne à sa place (la première sous `y`), alignée à gauche ou à droite."""
        for rang, ligne in enumerate(lignes, start=1):
            decalage = largeur - self.get_string_width(ligne) if droite else 0
            self.text(x + decalage, y + rang * interligne - interligne * 0.22, ligne)

    def texte(self, texte: str, taille: float, gras: bool = False, apres: float = 0.6) -> None:
        self.set_font("helvetica", "B" if gras else "", taille)
        interligne = taille * 0.42
        lignes = self.lignes(_cp1252(texte), LARGEUR_UTILE)
        y = self.get_y()
        if y + interligne * len(lignes) > self.page_break_trigger:
            self.add_page()
            y = self.get_y()
        self.ecrire_lignes(lignes, self.l_margin, y, interligne)
        self.set_xy(self.l_margin, y + interligne * len(lignes) + apres)

    def titre(self, texte: str) -> None:
        self.ln(1.2)
        self.texte(texte, 9.5, gras=True, apres=1.0)

    def tableau(self, tableau, premiere: float | None = None, taille: float = TAILLE_MIN) -> None:
        """En-têtes sur fond bleu clair, première colonne de `premiere` mm (le reste partagé),
        textes qui passent à la ligne dans leur cellule."""
        colonnes = len(tableau.colonnes)
        premiere = premiere or LARGEUR_UTILE / colonnes
        autres = (LARGEUR_UTILE - premiere) / max(colonnes - 1, 1)
        largeurs = [premiere] + [autres] * (colonnes - 1)
        interligne = taille * 0.4
        self.set_fill_color(*EN_TETE)
        for rang, ligne in enumerate([tableau.colonnes, *tableau.lignes]):
            self.set_font("helvetica", "B" if rang == 0 else "", taille)
            cellules = [
                self.lignes(_cp1252(c), largeur - 2)
                for c, largeur in zip(ligne, largeurs, strict=True)
            ]
            hauteur = interligne * max(map(len, cellules)) + 1.2
            x, y = self.l_margin, self.get_y()
            if y + hauteur > self.page_break_trigger:
                self.add_page()
                y = self.get_y()
            for j, (largeur, lignes) in enumerate(zip(largeurs, cellules, strict=True)):
                self.rect(x, y, largeur, hauteur, style="DF" if rang == 0 else "D")
                droite = j > 0 and rang > 0  # nombres alignés à droite
                self.ecrire_lignes(lignes, x + 1, y + 0.6, interligne, largeur - 2, droite)
                x += largeur
            self.set_xy(self.l_margin, y + hauteur)
        self.ln(1.2)

    def bande(self, libelle: str, fond: Fond, valeur, precedente) -> None:
        """La bande d'un critère, à la même échelle que l'image Word (`graphique.Fond`)."""
        haut = self.get_y()
        self.set_font("helvetica", "B", 8)
        self.ecrire_lignes(self.lignes(_cp1252(libelle), LIBELLE_BANDE - 2), self.l_margin,
                           haut + 2.5, 3.4)  # fmt: skip
        gauche = self.l_margin + LIBELLE_BANDE + 3
        largeur = LARGEUR_UTILE - LIBELLE_BANDE - 6

        def x(v: Decimal) -> float:
            part = min(max(v / fond.maximum, Decimal(0)), Decimal(1)) if fond.maximum else 0
            return gauche + float(part) * largeur

        axe, milieu = haut + 9.5, haut + 5
        self.set_draw_color(*FONCE)
        self.set_line_width(0.2)
        self.line(gauche, axe, gauche + largeur, axe)
        self.set_font("helvetica", size=TAILLE_MIN)
        for k in range(5):
            graduation = fond.maximum * k / 4
            position = x(graduation)
            self.line(position, axe - 0.6, position, axe + 0.6)
            texte = pourcentage_axe(graduation)
            self.text(position - self.get_string_width(texte) / 2, axe + 3, texte)
        repartition = fond.repartition
        if repartition is not None:
            q1, q3 = x(repartition.premier_quartile), x(repartition.troisieme_quartile)
            self.set_fill_color(*INTERQUARTILE)
            self.rect(q1, haut + 1.5, max(q3 - q1, 0.3), 7, style="DF")
            self.set_fill_color(*GRIS)
            vus: dict[int, int] = {}
            for v in repartition.valeurs:  # points superposés décalés verticalement
                position = x(v)
                cle = round(position * 4)
                rang = vus.get(cle, 0)
                vus[cle] = rang + 1
                decalage = min(((rang + 1) // 2) * 1.1, 2.6) * (1 if rang % 2 else -1)
                self.rect(position - 0.55, milieu + decalage - 0.55, 1.1, 1.1, style="F")
            self.set_line_width(0.6)
            mediane = x(repartition.mediane)
            self.line(mediane, haut + 1, mediane, haut + 9)
            self.set_line_width(0.2)
        if precedente is not None:
            self.set_draw_color(*BLEU)
            self.set_line_width(0.5)
            self.circle(x(precedente), milieu, 1.6)
            self.set_line_width(0.2)
        if valeur is not None:
            centre = x(valeur)
            self.set_draw_color(*FONCE)
            self.set_fill_color(*ROUGE)
            self.polygon(
                [(centre, milieu - 2), (centre + 1.7, milieu), (centre, milieu + 2),
                 (centre - 1.7, milieu)],
                style="DF",
            )  # fmt: skip
        self.set_xy(self.l_margin, haut + HAUTEUR_BANDE)
