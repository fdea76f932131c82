"""Bande de points (« strip chart ») d'un critère : chaque structure du groupe est un point gris,
le rectangle va du 1er au 3e quartile, le trait épais est la médiane, la structure est un losange
rouge et sa valeur de l'année précédente un cercle bleu (fiche de dialogue de gestion).

Le fond d'un groupe (ses points, ses quartiles, l'axe gradué) est dessiné une fois et recopié
pour chaque structure : seule la marque de la structure change. Image en couleurs indexées,
compressée vite (PNG niveau 1) : des milliers de fiches en quelques secondes. L'axe ne porte que
des chiffres (la police intégrée à Pillow n'a pas d'accents) ; le nom du critère est dans la fiche.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from PIL import Image, ImageDraw, ImageFont

LARGEUR, HAUTEUR = 780, 86  # pixels ; imprimée sur 13 cm (150 points par pouce)
MARGE = 26
AXE = 62  # ordonnée de l'axe
HAUT, BAS = 12, 51  # bande des points
PALETTE = (
    (255, 255, 255),  # 0 fond
    (160, 160, 160),  # 1 points du groupe
    (60, 60, 60),  # 2 axe, quartiles, médiane
    (200, 30, 30),  # 3 la structure
    (40, 90, 200),  # 4 l'année précédente
    (225, 232, 245),  # 5 intervalle interquartile
)
POLICE = 17


@dataclass(frozen=True)
class Repartition:
    """Les valeurs comparées d'un groupe pour un critère (fractions : 0,455 = 45,5 %)."""

    valeurs: tuple[Decimal, ...]
    premier_quartile: Decimal
    mediane: Decimal
    troisieme_quartile: Decimal


def quartile(valeurs: list[Decimal], p: Fraction) -> Decimal:
    """Quantile `p` par interpolation linéaire entre les valeurs triées, comme QUARTILE.INC
    (ou QUARTILE) et MEDIANE d'Excel ; calcul exact en Decimal."""
    triees = sorted(valeurs)
    position = (len(triees) - 1) * p
    bas = int(position)
    haut = min(bas + 1, len(triees) - 1)
    reste = position - bas
    return triees[bas] + (triees[haut] - triees[bas]) * Decimal(reste.numerator) / reste.denominator


def repartition(valeurs: list[Decimal]) -> Repartition | None:
    """Médiane et quartiles d'un groupe ; None s'il n'a aucune valeur."""
    if not valeurs:
        return None
    return Repartition(
        tuple(sorted(valeurs)),
        quartile(valeurs, Fraction(1, 4)),
        quartile(valeurs, Fraction(1, 2)),
        quartile(valeurs, Fraction(3, 4)),
    )


class Fond:
    """Le fond d'une bande : axe gradué et points du groupe, dessiné une fois par groupe."""

    def __init__(self, repartition_: Repartition | None, maximum: Decimal) -> None:
        self.maximum = _maximum_de_l_axe(maximum)
        self.repartition = repartition_
        self.image = Image.new("P", (LARGEUR, HAUTEUR), 0)
        self.image.putpalette([c for couleur in PALETTE for c in couleur])
        dessin = ImageDraw.Draw(self.image)
        police = ImageFont.load_default(size=POLICE)
        dessin.line((MARGE, AXE, LARGEUR - MARGE, AXE), fill=2, width=1)
        for k in range(5):
            graduation = self.maximum * k / 4
            x = self.x(graduation)
            dessin.line((x, AXE - 3, x, AXE + 3), fill=2, width=1)
            texte = pourcentage_axe(graduation)
            largeur = dessin.textlength(texte, font=police)
            gauche = min(max(x - largeur / 2, 0), LARGEUR - largeur)
            dessin.text((gauche, AXE + 4), texte, font=police, fill=2)
        if repartition_ is None:
            return
        q1, q3 = self.x(repartition_.premier_quartile), self.x(repartition_.troisieme_quartile)
        dessin.rectangle((q1, HAUT, max(q3, q1 + 1), BAS), fill=5, outline=2, width=1)
        vus: dict[int, int] = {}
        for valeur in repartition_.valeurs:  # points superposés décalés verticalement
            x = self.x(valeur)
            rang = vus.get(x, 0)
            vus[x] = rang + 1
            y = (HAUT + BAS) // 2 + ((rang + 1) // 2) * (1 if rang % 2 else -1) * 6
            y = min(max(y, HAUT + 4), BAS - 4)
            dessin.ellipse((x - 4, y - 4, x + 4, y + 4), fill=1)
        mediane = self.x(repartition_.mediane)
        dessin.line((mediane, HAUT - 3, mediane, BAS + 3), fill=2, width=3)

    def x(self, valeur: Decimal) -> int:
        part = min(max(valeur / self.maximum, Decimal(0)), Decimal(1)) if self.maximum else 0
        return MARGE + int(part * (LARGEUR - 2 * MARGE))

    def marquer(self, image: Image.Image, haut: int, valeur, precedente) -> None:
        """Sur la bande posée à l'ordonnée `haut` de `image` : la valeur de la structure
        (losange rouge) et celle de l'année précédente (cercle bleu), chacune si elle existe."""
        dessin = ImageDraw.Draw(image)
        milieu = haut + (HAUT + BAS) // 2
        if precedente is not None:
            x = self.x(precedente)
            dessin.ellipse((x - 9, milieu - 9, x + 9, milieu + 9), outline=4, width=3)
        if valeur is not None:
            x = self.x(valeur)
            dessin.polygon(
                ((x, milieu - 11), (x + 9, milieu), (x, milieu + 11), (x - 9, milieu)),
                fill=3,
                outline=2,
            )


def bandes_png(bandes: list[tuple[Fond, Decimal | None, Decimal | None]]) -> bytes:
    """Les bandes des critères d'une structure, l'une sous l'autre, en une seule image (une
    image par page coûte bien moins à LibreOffice que trois) : pour chacune, son fond, la
    valeur de la structure et celle de l'année précédente."""
    image = Image.new("P", (LARGEUR, HAUTEUR * len(bandes)), 0)
    image.putpalette([c for couleur in PALETTE for c in couleur])
    for rang, (fond, valeur, precedente) in enumerate(bandes):
        image.paste(fond.image, (0, rang * HAUTEUR))
        fond.marquer(image, rang * HAUTEUR, valeur, precedente)
    tampon = io.BytesIO()
    image.save(tampon, "PNG", compress_level=1)
    return tampon.getvalue()


def _maximum_de_l_axe(maximum: Decimal) -> Decimal:
    """Le haut de l'axe : 100 % pour une part (publics, résultats) ; au-delà (effort, qui peut
    dépasser 1), le quart de point supérieur."""
    if maximum <= 1:
        return Decimal(1)
    return Decimal(int(maximum * 4) + 1) / 4


def pourcentage_axe(fraction: Decimal) -> str:
    """« 25 % », « 62,5 % » (graduations : chiffres seulement)."""
    pourcent = fraction * 100
    texte = f"{pourcent:.0f}" if pourcent == int(pourcent) else f"{pourcent:.1f}"
    return texte.replace(".", ",") + " %"
