"""Classeurs prêts à imprimer : A4, une page de large, en-tête répété, pied de page numéroté
avec la campagne, colonnes assez larges pour que SIRET, noms et montants se lisent en entier.
Pendant `mention_sur_chaque_page(texte)` (documents établis depuis un grand livre modifié après
le calcul), chaque feuille imprimée porte ce texte en haut de chaque page.

Les largeurs se calculent sur le texte tel qu'Excel l'affiche (`chasse`, Arial 10, la police des
classeurs de l'outil) : la largeur d'une colonne Excel se compte en chiffres « 0 » de la police.
Un en-tête passe à la ligne entre ses mots, jamais au milieu d'un mot, et sa ligne est assez
haute pour toutes ses lignes.

Une feuille trop large pour se lire sur A4 à `TAILLE_MIN_IMPRIMEE` points se découpe en vues
imprimées (`vues_imprimees`) : chacune répète les colonnes qui nomment la ligne et tient sur une
page de large à au moins cette taille (`taille_imprimee`). Une table faite pour l'écran peut aussi
s'imprimer elle-même par zones (`imprimer_par_zones`) : ses colonnes réparties sur des pages
successives, à une échelle lisible, les premières colonnes (l'identité) répétées à gauche de
chaque page.
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
TAILLE_MIN_IMPRIMEE = 8  # points : une feuille faite pour le papier ne s'imprime pas plus petit
A4_POINTS = {False: 595.28, True: 841.89}  # largeur de la page A4, portrait et paysage
LONGUEUR_MAX_ENTETE = 255  # Excel refuse un en-tête de page de plus de 255 caractères
ECHELLE_ZONES = 85  # pour cent : Arial 10 imprimé par zones en 8,5 points
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


def texte_sur_la_largeur(
    feuille,
    ligne: int,
    texte: str,
    largeurs: Sequence[float],
    format_,
    *,
    gras: bool = False,
    taille: float = TAILLE,
    premiere_colonne: int = 0,
) -> None:
    """Un titre ou un avertissement écrit dans la cellule fusionnée sur les colonnes `largeurs`
    de la ligne, depuis `premiere_colonne` (`format_` : renvoyé à la ligne, en haut), la ligne
    assez haute pour toutes ses lignes : plus large qu'elles, il déborderait à droite et le
    tableur, qui imprime aussi ce débordement, réduirait la feuille sous `TAILLE_MIN_IMPRIMEE`
    (issue 16)."""
    echelle = taille / TAILLE  # le texte en `taille` points, mesuré en Arial 10
    lignes = lignes_renvoyees(texte, (sum(largeurs) - 1.5) / echelle + 1.5, gras)
    derniere = premiere_colonne + len(largeurs) - 1
    if len(largeurs) > 1:
        feuille.merge_range(ligne, premiere_colonne, ligne, derniere, texte, format_)
    else:
        feuille.write_string(ligne, premiere_colonne, texte, format_)
    feuille.set_row(ligne, HAUTEUR_LIGNE * echelle * lignes + 3)


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


def points(largeur_colonne: float) -> float:
    """Largeur imprimée d'une colonne en points, la plus grande des deux lectures : Excel la
    compte en pixels (7 par chiffre d'Arial 10, 5 de marge, 0,75 point le pixel), LibreOffice
    en chiffres de la police à leur vraie largeur (marge comprise), un peu plus large."""
    excel = (int(largeur_colonne * 7 + 0.5) + 5) * 0.75
    libreoffice = (largeur_colonne + 5 / 7) * CHIFFRE
    return max(excel, libreoffice)


def zoom_imprime(largeurs: Sequence[float], paysage: bool | None = None) -> int:
    """L'échelle (pour cent) d'une feuille mise en page par `imprimer` : une page de large, le
    tableur réduit tout, d'un pourcentage entier, quand les colonnes dépassent la largeur utile
    de l'A4 (en paysage au-delà de `LARGEUR_PORTRAIT`, sauf orientation donnée)."""
    if paysage is None:
        paysage = sum(largeurs) > LARGEUR_PORTRAIT
    utile = A4_POINTS[paysage] - (MARGES["left"] + MARGES["right"]) * 72
    return min(100, math.floor(100 * utile / sum(points(w) for w in largeurs)))


def taille_imprimee(largeurs: Sequence[float]) -> float:
    """La taille des caractères, en points, d'une feuille mise en page par `imprimer`."""
    return TAILLE * zoom_imprime(largeurs) / 100


def taille_en_tete_de_page(zoom: int) -> int:
    """La taille (points) à donner aux textes d'en-tête et de pied de page d'une feuille
    imprimée à `zoom` pour cent : Excel et LibreOffice les réduisent comme la feuille, et ils
    doivent s'imprimer à `TAILLE_MIN_IMPRIMEE` au moins (trois points de marge : le tableur
    arrête son échelle à un ou deux pour cent près de `zoom_imprime`)."""
    return max(TAILLE_MIN_IMPRIMEE, math.ceil(TAILLE_MIN_IMPRIMEE * 100 / max(zoom - 3, 10)))


def largeurs_lisibles(
    largeurs: Sequence[float], renvoyees: Sequence[int], minimum: float = 20
) -> list[float]:
    """Les `largeurs`, celles des colonnes `renvoyees` (textes renvoyés à la ligne) ramenées à
    une même largeur maximale, la plus grande avec laquelle la feuille s'imprime sur une page de
    large en `TAILLE_MIN_IMPRIMEE` au moins (jamais sous `minimum`) : inchangées si elle s'y
    imprime déjà (issue 16)."""
    plafond = max((largeurs[j] for j in renvoyees), default=minimum)
    ajustees = list(largeurs)
    while taille_imprimee(ajustees) < TAILLE_MIN_IMPRIMEE and plafond > minimum:
        plafond = max(plafond - 0.5, minimum)
        ajustees = [min(w, plafond) if j in renvoyees else w for j, w in enumerate(largeurs)]
    return ajustees


def vues_imprimees(largeurs: Sequence[float], fixes: Sequence[int]) -> list[list[int]]:
    """Les colonnes de chaque vue imprimée, dans l'ordre : une seule vue (toutes les colonnes)
    si la feuille se lit à `TAILLE_MIN_IMPRIMEE` ; sinon les colonnes `fixes` (celles qui
    nomment la ligne) en tête de chaque vue, suivies des autres, réparties dans le plus petit
    nombre de vues lisibles et de largeurs aussi égales que possible."""
    if taille_imprimee(largeurs) >= TAILLE_MIN_IMPRIMEE:
        return [list(range(len(largeurs)))]
    autres = [j for j in range(len(largeurs)) if j not in fixes]

    def lisible(groupe: Sequence[int]) -> bool:
        return taille_imprimee([largeurs[i] for i in (*fixes, *groupe)]) >= TAILLE_MIN_IMPRIMEE

    nombre, courante = 1, list[int]()  # le moins de vues : remplir chacune tant qu'elle se lit
    for j in autres:
        if courante and not lisible([*courante, j]):
            nombre, courante = nombre + 1, []
        courante.append(j)
    groupes = _partage_equilibre([largeurs[j] for j in autres], nombre)
    return [sorted([*fixes, *(autres[i] for i in groupe)]) for groupe in groupes]


def _partage_equilibre(poids: Sequence[float], nombre: int) -> list[range]:
    """`poids` coupé en `nombre` morceaux consécutifs dont le plus lourd est le plus léger
    possible (partition linéaire, programmation dynamique)."""
    n = len(poids)
    cumul = [0.0]
    for p in poids:
        cumul.append(cumul[-1] + p)
    # meilleur[k][i] : (plus lourd morceau, début du dernier) pour les i premiers en k morceaux
    meilleur = [[(math.inf, 0)] * (n + 1) for _ in range(nombre + 1)]
    meilleur[0][0] = (0.0, 0)
    for k in range(1, nombre + 1):
        for i in range(k, n + 1):
            meilleur[k][i] = min(
                (max(meilleur[k - 1][d][0], cumul[i] - cumul[d]), d) for d in range(k - 1, i)
            )
    bornes, fin = [], n
    for k in range(nombre, 0, -1):
        debut = meilleur[k][fin][1]
        bornes.append(range(debut, fin))
        fin = debut
    return bornes[::-1]


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
    echelle: int | None = None,
) -> Impression:
    """Portrait ou paysage selon la largeur, pied « titre · page n sur N · campagne », en-tête
    qui porte la mention de `mention_sur_chaque_page` s'il y en a une ; l'un et l'autre assez
    grands pour s'imprimer en 8 points à l'`echelle` de la feuille (défaut : une page de large,
    `zoom_imprime`)."""
    imprimees = largeurs[: None if derniere_colonne is None else derniere_colonne + 1]
    mention = _MENTION.get()
    gauche, droite = (str(t).replace("&", "&&") for t in (titre, f"Campagne {campagne}"))
    t = taille_en_tete_de_page(echelle or zoom_imprime(imprimees))
    debut = f"&C&B&{t}"
    return Impression(
        paysage=sum(imprimees) > LARGEUR_PORTRAIT,
        marges=MARGES_AVEC_MENTION if mention else MARGES,
        entete=f"{debut}{mention.replace('&', '&&')}"[:LONGUEUR_MAX_ENTETE] if mention else "",
        pied=f"&L&{t}{gauche[:120]}&C&{t}Page &P sur &N&R&{t}{droite}",
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


@dataclass(frozen=True)
class Zones:
    """Une table imprimée par zones : l'échelle (pour cent) et la première colonne (indice depuis
    0) de chaque page après la première."""

    echelle: int
    coupures: tuple[int, ...]

    @property
    def taille(self) -> float:
        """La taille des caractères imprimés, en points."""
        return TAILLE * self.echelle / 100


def zones(largeurs: Sequence[float], repetees: int) -> Zones:
    """Les colonnes qui suivent les `repetees` premières, réparties de gauche à droite en pages
    A4 paysage (largeurs lues comme Excel et LibreOffice, `points`) : à 85 %, moins si la plus
    large colonne ne tiendrait pas à côté des colonnes répétées (jamais sous
    `TAILLE_MIN_IMPRIMEE`)."""
    utile = A4_POINTS[True] - (MARGES["left"] + MARGES["right"]) * 72
    fixe = sum(points(largeur_) for largeur_ in largeurs[:repetees])
    plus_large = max((points(largeur_) for largeur_ in largeurs[repetees:]), default=0)
    echelle = min(ECHELLE_ZONES, math.floor(100 * utile / (fixe + plus_large)))
    echelle = max(echelle, math.ceil(100 * TAILLE_MIN_IMPRIMEE / TAILLE))
    place = utile * 100 / echelle - fixe
    coupures, occupee = [], 0.0
    for j in range(repetees, len(largeurs)):
        largeur_ = points(largeurs[j])
        if occupee and occupee + largeur_ > place:
            coupures.append(j)
            occupee = 0.0
        occupee += largeur_
    return Zones(echelle, tuple(coupures))


def imprimer_par_zones(
    feuille,
    largeurs: Sequence[float],
    *,
    titre: str,
    campagne: int | str,
    colonnes_repetees: int,
    lignes_repetees: tuple[int, int],
    derniere_colonne: int | None = None,
) -> Zones:
    """Pose sur une feuille XlsxWriter l'impression par zones (`zones`) : A4 paysage, échelle
    lisible, une page par zone de colonnes, de gauche à droite puis de haut en bas, les
    `colonnes_repetees` premières colonnes et les `lignes_repetees` sur chaque page, en-tête
    (mention de `mention_sur_chaque_page`) et pied de page comme `imprimer` ; zone
    d'impression limitée à `derniere_colonne` si elle est donnée."""
    imprimees = largeurs[: None if derniere_colonne is None else derniere_colonne + 1]
    decoupe = zones(imprimees, colonnes_repetees)
    reglage = impression(largeurs, titre=titre, campagne=campagne, echelle=decoupe.echelle)
    feuille.set_paper(PAPIER_A4)
    feuille.set_landscape()
    feuille.set_margins(**reglage.marges)
    if reglage.entete:
        feuille.set_header(reglage.entete)
    feuille.set_footer(reglage.pied)
    feuille.repeat_rows(*lignes_repetees)
    feuille.repeat_columns(0, colonnes_repetees - 1)
    feuille.set_print_scale(decoupe.echelle)
    feuille.set_v_pagebreaks(list(decoupe.coupures))
    feuille.print_across()
    if derniere_colonne is not None:
        feuille.print_area(0, 0, feuille.dim_rowmax or 0, derniere_colonne)
    return decoupe
