"""Lecture générique d'un tableau CSV ou Excel, tout en texte, et lecture des nombres français.

Design, « Conventions » : les entrées ne sont jamais modifiées et une mauvaise entrée reçoit un
message français qui nomme le fichier, la feuille, la ligne et la colonne. Ce module ne connaît pas
les colonnes canoniques (voir `donnees.py`) ; les lecteurs des exports extranet (annexe 5 de la
note DGEFP n° 2014-04), des enveloppes et des versements 2014 le réutilisent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum

from iae_modulation.encodages import decoder_octets
from iae_modulation.etendue_xlsx import etendue
from iae_modulation.limites import (
    CHIFFRES_MAX,
    COLONNES_MAX,
    LIGNES_MAX,
    MONTANT_MAX,
    TAILLE_MAX_ENTREE,
    verifier_archive_zip,
)
from iae_modulation.sorties import ErreurEntree, verifier_fichier_entree

EXTENSIONS_CSV = (".csv",)
EXTENSIONS_EXCEL = (".xlsx", ".xlsm")
SEPARATEURS = (";", ",", "\t", "|")


@dataclass
class TableBrute:
    """Un tableau lu tel quel : cellules en texte (« » si vide), en-têtes de la première ligne.

    `lignes[i]` est le numéro de la ligne de `table.iloc[i]` tel que l'utilisateur le voit
    (ligne du fichier CSV, l'en-tête étant la ligne 1 ; ligne de la feuille Excel).
    """

    table: pd.DataFrame
    fichier: Path
    feuille: str | None
    lignes: list[int]
    lignes_masquees: list[int] = field(default_factory=list)  # lignes masquées dans Excel
    # en-tête de chaque colonne de `table` tel qu'écrit dans le fichier (espaces compris)
    entetes_bruts: list[str] = field(default_factory=list)

    def lieu(self) -> str:
        """« donnees.xlsx, feuille « Données SIAE » » : début des messages d'erreur."""
        if self.feuille is None:
            return self.fichier.name
        return f"{self.fichier.name}, feuille « {self.feuille} »"


def lire_table(
    chemin: Path, feuille: str | None = None, *, taille_max: int = TAILLE_MAX_ENTREE
) -> TableBrute:
    """Lit un CSV (UTF-8 avec ou sans BOM, sinon Windows-1252 ; séparateur détecté) ou un
    classeur .xlsx/.xlsm (première feuille, ou `feuille`), sans rien convertir ni perdre.

    Lève `ErreurEntree` (en français) si le fichier est absent, trop gros, d'un format inconnu,
    illisible, s'il dépasse les limites de lignes ou de colonnes (`limites`), ou si la feuille
    demandée n'existe pas.
    """
    chemin = verifier_fichier_entree(Path(chemin), taille_max)
    extension = chemin.suffix.lower()
    masquees: list[int] = []
    if extension in EXTENSIONS_CSV:
        if feuille is not None:
            raise ErreurEntree(
                f"{chemin.name} est un fichier CSV : il n'a pas de feuille « {feuille} »."
            )
        en_tetes, rangees, numeros = _lire_csv(chemin)
    elif extension in EXTENSIONS_EXCEL:
        verifier_archive_zip(chemin, "classeur Excel (.xlsx)")
        feuille, en_tetes, rangees, numeros, masquees = _lire_excel(chemin, feuille)
    else:
        formats = ", ".join(EXTENSIONS_CSV + EXTENSIONS_EXCEL)
        raise ErreurEntree(
            f"{chemin.name} : format « {chemin.suffix or 'sans extension'} » non reconnu "
            f"(formats acceptés : {formats})."
        )
    colonnes, gardees = _colonnes(en_tetes, rangees)
    table = pd.DataFrame(
        [[rangee[i] if i < len(rangee) else "" for i in gardees] for rangee in rangees],
        columns=colonnes,
        dtype=str,
    )
    gardees_masquees = sorted(set(masquees) & set(numeros))
    bruts = [en_tetes[i] if i < len(en_tetes) else "" for i in gardees]
    return TableBrute(table, chemin, feuille, numeros, gardees_masquees, bruts)


class NombreHorsLimites(ValueError):
    """Un nombre bien écrit mais hors de ce que peut être un montant ou une quantité."""


def lire_nombre(texte: object) -> Decimal:
    """Nombre écrit à la française ou non : « 1 234,56 € », « 1234.5 », « 1.234,56 », « -3 ».

    Espaces (insécables compris) et points comme séparateurs de milliers par groupes de trois ;
    un point seul est une virgule décimale (« 1.5 ») ; pas de pourcentage. Lève ValueError sinon,
    `NombreHorsLimites` au-delà de 10¹² en valeur absolue ou de `CHIFFRES_MAX` chiffres (jamais
    NaN ni infini : ils ne s'écrivent pas avec des chiffres).
    """
    nombre = _nombre(texte)
    if abs(nombre) > MONTANT_MAX or len(nombre.as_tuple().digits) > CHIFFRES_MAX:
        raise NombreHorsLimites(
            f"« {texte} » sort des limites d'un nombre lu (au plus 1 000 milliards en valeur "
            f"absolue et {CHIFFRES_MAX} chiffres)"
        )
    return nombre


def _nombre(texte: object) -> Decimal:
    if type(texte) is str:  # cas courant « -1234,5 » : chiffres décimaux Unicode, comme \d
        point = texte.replace(",", ".")
        entier, virgule, decimales = point.removeprefix("-").partition(".")
        if entier.isdecimal() and (decimales.isdecimal() or not virgule):
            return Decimal(point)
    propre = _ESPACES.sub(" ", str(texte)).strip().replace("\u2212", "-")
    propre = propre.removesuffix("€").rstrip()
    for motif, milliers, decimale in _FORMES_NOMBRE:
        trouve = motif.fullmatch(propre)
        if trouve:
            chiffres = trouve["nombre"].replace(milliers, "") if milliers else trouve["nombre"]
            return Decimal(trouve["signe"] + chiffres.replace(decimale, "."))
    raise ValueError(f"« {texte} » n'est pas un nombre")


_ESPACES = re.compile(r"\s+")
_FORMES_NOMBRE = tuple(
    (re.compile(r"(?P<signe>[+-]?) ?(?P<nombre>" + motif + ")"), milliers, decimale)
    for motif, milliers, decimale in (
        (r"\d+(?:[.,]\d+)?|[.,]\d+", "", ","),  # 1234 ; 1234,5 ; 1234.5 ; ,5
        (r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", " ", ","),  # 1 234 ; 1 234,56 ; 1 234.56
        (r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", ".", ","),  # 1.234.567 ; 1.234,56
        (r"\d{1,3}(?:,\d{3})+\.\d+", ",", "."),  # 1,234.56 (notation anglaise)
    )
)


def _lire_csv(chemin: Path) -> tuple[list[str], list[list[str]], list[int]]:
    texte = decoder_octets(chemin.read_bytes(), chemin.name)
    premiere = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    separateur = max(SEPARATEURS, key=premiere.count)
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
    return _entete_et_rangees(_rangees_csv(lecteur, chemin.name), chemin.name)


def _rangees_csv(lecteur, nom_fichier: str) -> Iterator[tuple[int, list[str]]]:
    """Chaque rangée du CSV avec le numéro de sa première ligne (une cellule entre guillemets
    peut s'étendre sur plusieurs lignes)."""
    fin_precedente = 0
    try:
        for rangee in lecteur:
            yield fin_precedente + 1, rangee
            fin_precedente = lecteur.line_num
    except csv.Error as erreur:
        raise ErreurEntree(
            f"{nom_fichier}, ligne {fin_precedente + 1} : fichier CSV illisible ({erreur})."
        ) from None


def _entete_et_rangees(
    numerotees: Iterable[tuple[int, list[str]]], lieu: str
) -> tuple[list[str], list[list[str]], list[int]]:
    """Rangées vides ignorées ; la première rangée non vide donne les en-têtes, les suivantes
    les données, avec leur numéro de ligne. Lève `ErreurEntree` au-delà de `LIGNES_MAX` lignes
    de données ou de `COLONNES_MAX` colonnes, avant d'avoir tout gardé en mémoire."""
    en_tetes: list[str] | None = None
    rangees: list[list[str]] = []
    numeros: list[int] = []
    for numero, rangee in numerotees:
        if not any(cellule.strip() for cellule in rangee):
            continue
        if len(rangee) > COLONNES_MAX:
            raise ErreurEntree(
                f"{lieu}, ligne {numero} : {len(rangee)} colonnes, au plus {COLONNES_MAX} "
                "sont acceptées (voir docs/donnees.md, « Limites »)."
            )
        if len(rangees) == LIGNES_MAX:
            raise ErreurEntree(
                f"{lieu} : plus de {LIGNES_MAX} lignes de données (ligne {numero}) ; au plus "
                f"{LIGNES_MAX} lignes par fichier (voir docs/donnees.md, « Limites »)."
            )
        if en_tetes is None:
            en_tetes = rangee
        else:
            rangees.append(rangee)
            numeros.append(numero)
    return en_tetes or [], rangees, numeros


def _lire_excel(
    chemin: Path, feuille: str | None
) -> tuple[str, list[str], list[list[str]], list[int], list[int]]:
    """Lecteur calamine (celui de `pandas.read_excel(engine="calamine")`), appelé directement :
    le passage par pandas convertit chaque cellule deux fois et triple le temps de lecture.
    L'étendue de la feuille est vérifiée avant (`etendue_xlsx`). Les cellules sont lues depuis
    A1, donc la rangée i est la ligne Excel i + 1. Renvoie aussi les lignes masquées."""
    try:
        classeur = CalamineWorkbook.from_path(str(chemin))
        noms = [f.name for f in classeur.sheets_metadata if f.typ == SheetTypeEnum.WorkSheet]
    except Exception as erreur:  # calamine signale un classeur abîmé par des erreurs variées
        raise _classeur_illisible(chemin, erreur) from None
    if not noms:
        raise ErreurEntree(f"{chemin.name} : le classeur n'a aucune feuille de calcul.")
    feuille = noms[0] if feuille is None else feuille
    if feuille not in noms:
        presentes = ", ".join(f"« {nom} »" for nom in noms)
        raise ErreurEntree(
            f"{chemin.name} : pas de feuille « {feuille} » (feuilles présentes : {presentes})."
        )
    masquees = etendue(chemin, feuille).lignes_masquees
    try:
        cellules = classeur.get_sheet_by_name(feuille).to_python(skip_empty_area=False)
    except Exception as erreur:
        raise _classeur_illisible(chemin, erreur) from None
    numerotees = (
        (position + 1, [v if type(v) is str else _texte_excel(v) for v in valeurs])
        for position, valeurs in enumerate(cellules)
    )
    lieu = f"{chemin.name}, feuille « {feuille} »"
    return feuille, *_entete_et_rangees(numerotees, lieu), masquees


def _classeur_illisible(chemin: Path, erreur: Exception) -> ErreurEntree:
    return ErreurEntree(
        f"{chemin.name} : fichier illisible, ce n'est pas un classeur Excel valide ({erreur})."
    )


def _texte_excel(valeur: object) -> str:
    """Une cellule Excel en texte : 54.0 -> « 54 », 1234.56 -> « 1234.56 » (au plus 15 chiffres
    significatifs, comme Excel les affiche), date -> « 31/12/2015 », booléen -> « vrai »."""
    if type(valeur) is float:
        if valeur.is_integer():
            return str(int(valeur))
        court = repr(valeur)  # le plus court texte qui redonne ce nombre
        if len(court) <= 16 and "e" not in court:
            return court
        return format(Decimal(format(valeur, ".15g")), "f")
    if valeur is None or valeur == "":
        return ""
    if isinstance(valeur, bool):
        return "vrai" if valeur else "faux"
    if isinstance(valeur, dt.datetime):
        if valeur.time() == dt.time(0):
            return valeur.strftime("%d/%m/%Y")
        return valeur.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(valeur, dt.date):
        return valeur.strftime("%d/%m/%Y")
    return str(valeur)


def _colonnes(en_tetes: list[str], rangees: list[list[str]]) -> tuple[list[str], list[int]]:
    """Noms de colonnes uniques et positions gardées.

    Une colonne sans en-tête n'est gardée que si elle contient quelque chose ; elle est alors
    nommée « (colonne 7) ». Un en-tête répété reçoit un suffixe « (2) » (voir `nom_d_origine`).
    """
    largeur = max([len(en_tetes), *(len(r) for r in rangees)], default=0)
    noms: list[str] = []
    gardees: list[int] = []
    for position in range(largeur):
        nom = en_tetes[position].strip() if position < len(en_tetes) else ""
        if not nom:
            if not any(position < len(r) and r[position].strip() for r in rangees):
                continue
            nom = f"(colonne {position + 1})"
        noms.append(nom)
        gardees.append(position)
    return noms_uniques(noms), gardees


def noms_uniques(noms: list[str]) -> list[str]:
    """Les en-têtes, un en-tête répété recevant un suffixe « (2) », « (3) »…"""
    uniques: list[str] = []
    for nom in noms:
        unique, rang = nom, 2
        while unique in uniques:
            unique, rang = f"{nom} ({rang})", rang + 1
        uniques.append(unique)
    return uniques


def nom_d_origine(colonne: str) -> str:
    """L'en-tête tel qu'écrit dans le fichier, sans le suffixe « (2) » ajouté aux doublons."""
    return re.sub(r" \(\d+\)$", "", colonne)
