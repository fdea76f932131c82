"""Classeurs prêts à imprimer : A4, une page de large, en-tête répété, pied de page numéroté
avec la campagne, colonnes assez larges pour que SIRET, noms et montants se lisent en entier.
Pendant `mention_sur_chaque_page(texte)` (documents établis depuis un grand livre modifié après
le calcul), chaque feuille imprimée porte ce texte en haut de chaque page.

Les largeurs se calculent sur le texte tel qu'Excel l'affiche (`chasse`, Arial 10, la police des
classeurs de l'outil) : la largeur d'une colonne Excel se compte en chiffres « 0 » de la police.
Un en-tête passe à la ligne entre ses mots, jamais au milieu d'un mot, et sa ligne est assez
haute pour toutes ses lignes.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from iae_modulation.chasse import largeur_points, mots
from iae_modulation.formats import montant_fr, nombre_fr, taux_fr

TAILLE = 10
CHIFFRE = largeur_points("0", TAILLE)  # l'unité de largeur d'une colonne Excel
HAUTEUR_LIGNE = 12.75  # points, une ligne d'Arial 10
PAPIER_A4 = 9
LARGEUR_PORTRAIT = 100  # au-delà (en chiffres), la feuille s'imprime en paysage
MARGES = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}  # pouces
MARGES_AVEC_MENTION = {**MARGES, "top": 0.8}
LONGUEUR_MAX_ENTETE = 250  # Excel refuse un en-tête de page de plus de 255 caractères
_MENTION = contextvars.ContextVar("mention_sur_chaque_page", default="")


@contextlib.contextmanager
def mention_sur_chaque_page(texte: str) -> Iterator[None]:
    """Les feuilles mises en page (`imprimer`) dans ce bloc portent `texte` en tête de page."""
    jeton = _MENTION.set(texte)
    try:
        yield
    finally:
        _MENTION.reset(jeton)


@dataclass(frozen=True)
class Colonne:
    """Une colonne à dimensionner : son en-tête et les textes affichés de ses cellules."""

    entete: str
    textes: Sequence[str]
    maximum: float = 50  # un texte plus long passe à la ligne (cellule « renvoyer à la ligne »)


def texte_affiche(valeur: object, nature: str = "") -> str:
    """Le texte qu'Excel montre pour une valeur : « 12 345,67 € », « 7,34 % », « 0,1053 »."""
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal | int | float) and not isinstance(valeur, bool):
        nombre = Decimal(str(valeur))
        if nature == "euros":
            return montant_fr(nombre)
        if nature == "taux":
            return taux_fr(nombre)
        if nature == "score":
            return nombre_fr(nombre, 4)
        if nature == "etp":
            return nombre_fr(nombre, 2)
        return str(valeur)
    return str(valeur)


def unites(texte: str, gras: bool = False) -> float:
    """Largeur d'un texte en unités de colonne Excel."""
    return largeur_points(texte, TAILLE, gras) / CHIFFRE


def largeur(colonne: Colonne) -> float:
    """Le plus long texte de la colonne (borné par `maximum`), au moins le plus long mot de
    l'en-tête en gras, plus la marge de la cellule."""
    contenu = max((unites(t) for t in colonne.textes), default=0)
    mot = max(unites(m, gras=True) for m in mots(colonne.entete))
    return math.ceil((max(min(contenu, colonne.maximum), mot, 4) + 1.5) * 10) / 10


@lru_cache(maxsize=4096)
def _unites_mot(mot: str, gras: bool) -> float:
    """`unites` d'un mot : les mêmes mots reviennent de ligne en ligne."""
    return unites(mot, gras)


def lignes_d_en_tete(entete: str, largeur_colonne: float) -> int:
    """Nombre de lignes de l'en-tête (gras) renvoyé à la ligne entre ses mots dans sa colonne."""
    return lignes_renvoyees(entete, largeur_colonne, gras=True)


def lignes_renvoyees(texte: str, largeur_colonne: float, gras: bool = False) -> int:
    """Nombre de lignes d'un texte renvoyé à la ligne entre ses mots dans sa colonne, comme le
    tableur le renvoie ; un mot plus long que la colonne (un nom de fichier) est coupé où il
    déborde."""
    place, lignes, courante = max(largeur_colonne - 1.5, 1), 1, 0.0
    espace = _unites_mot(" ", gras)
    for mot in mots(texte):
        taille = _unites_mot(mot, gras)
        if courante and courante + espace + taille > place:
            lignes, courante = lignes + 1, 0.0
        elif courante:
            taille += espace
        if courante + taille > place:  # le mot déborde d'une ligne entière : coupé
            coupes = math.ceil((courante + taille) / place - 1e-9) - 1
            lignes, courante = lignes + coupes, courante + taille - coupes * place
        else:
            courante += taille
    return lignes


def lignes_de_texte(texte: str, largeur_colonne: float) -> int:
    """Nombre de lignes d'un texte renvoyé à la ligne dans une colonne (estimation)."""
    return max(1, math.ceil(unites(texte) / max(largeur_colonne - 1.5, 1) - 1e-9))


def poser_colonnes(feuille, colonnes: Iterable[Colonne], ligne_entete: int | None, formats=None):
    """Largeur de chaque colonne (avec son format éventuel), hauteur de la ligne d'en-tête et
    des lignes de données (qui suivent l'en-tête) dont un texte passe à la ligne ; renvoie les
    largeurs."""
    colonnes = list(colonnes)
    largeurs = [largeur(c) for c in colonnes]
    for j, valeur in enumerate(largeurs):
        feuille.set_column(j, j, valeur, (formats or {}).get(j))
    if ligne_entete is None:
        return largeurs
    lignes = max(lignes_d_en_tete(c.entete, w) for c, w in zip(colonnes, largeurs, strict=True))
    feuille.set_row(ligne_entete, HAUTEUR_LIGNE * lignes + 3)
    longues = [
        (c, w) for c, w in zip(colonnes, largeurs, strict=True) if w < largeur_brute(c) - 0.1
    ]
    for rang in range(max((len(c.textes) for c, _ in longues), default=0)):
        hauteur = max(
            lignes_de_texte(c.textes[rang], w) for c, w in longues if rang < len(c.textes)
        )
        if hauteur > 1:
            feuille.set_row(ligne_entete + 1 + rang, HAUTEUR_LIGNE * hauteur + 2)
    return largeurs


def largeur_brute(colonne: Colonne) -> float:
    """La largeur qu'il faudrait pour le plus long texte sur une seule ligne."""
    return max((unites(t) for t in colonne.textes), default=0) + 1.5


@dataclass(frozen=True)
class Impression:
    """La mise en page d'une feuille : orientation, marges (pouces), en-tête et pied de page
    (codes d'Excel : « &C » centre, « &P » page…), lignes répétées en haut de chaque page
    (indices depuis 0), dernière colonne imprimée ; toujours A4, une page de large."""

    paysage: bool
    marges: dict[str, float]
    entete: str
    pied: str
    lignes_repetees: tuple[int, int] | None = None
    derniere_colonne: int | None = None


def impression(
    largeurs: Sequence[float],
    *,
    titre: str,
    campagne: int | str,
    lignes_repetees: tuple[int, int] | None = None,
    derniere_colonne: int | None = None,
) -> Impression:
    """Portrait ou paysage selon la largeur, pied « titre · page n sur N · campagne », en-tête
    qui porte la mention de `mention_sur_chaque_page` s'il y en a une."""
    imprimees = largeurs[: None if derniere_colonne is None else derniere_colonne + 1]
    mention = _MENTION.get()
    gauche, droite = (str(t).replace("&", "&&") for t in (titre, f"Campagne {campagne}"))
    return Impression(
        paysage=sum(imprimees) > LARGEUR_PORTRAIT,
        marges=MARGES_AVEC_MENTION if mention else MARGES,
        entete=f"&C&B&8{mention.replace('&', '&&')[:LONGUEUR_MAX_ENTETE]}" if mention else "",
        pied=f"&L&8{gauche[:120]}&C&8Page &P sur &N&R&8{droite}",
        lignes_repetees=lignes_repetees,
        derniere_colonne=derniere_colonne,
    )


def imprimer(
    feuille,
    largeurs: Sequence[float],
    *,
    titre: str,
    campagne: int | str,
    lignes_repetees: tuple[int, int] | None = None,
    derniere_colonne: int | None = None,
) -> None:
    """Pose l'`impression` sur une feuille XlsxWriter : A4, portrait ou paysage selon la
    largeur, une page de large, `lignes_repetees` en haut de chaque page, pied « titre · page n
    sur N · campagne » ; zone d'impression limitée à `derniere_colonne` si elle est donnée."""
    reglage = impression(
        largeurs,
        titre=titre,
        campagne=campagne,
        lignes_repetees=lignes_repetees,
        derniere_colonne=derniere_colonne,
    )
    feuille.set_paper(PAPIER_A4)
    if reglage.paysage:
        feuille.set_landscape()
    else:
        feuille.set_portrait()
    feuille.fit_to_pages(1, 0)
    feuille.set_margins(**reglage.marges)
    if reglage.entete:
        feuille.set_header(reglage.entete)
    if lignes_repetees is not None:
        feuille.repeat_rows(*lignes_repetees)
    if derniere_colonne is not None:
        feuille.print_area(0, 0, feuille.dim_rowmax or 0, derniere_colonne)
    feuille.set_footer(reglage.pied)
