"""Lecture générique d'un tableau CSV ou Excel, tout en texte, et lecture des nombres français.

docs/conception.md, « Conventions » : les entrées ne sont jamais modifiées et une mauvaise entrée
reçoit un message français qui nomme le fichier, la feuille, la ligne et la colonne. Ce module ne
connaît pas les colonnes canoniques (voir `donnees.py`) ; les lecteurs des exports extranet (annexe
5 de la note DGEFP n° 2014-04), des enveloppes et des versements 2014 le réutilisent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from iae_modulation.encodages import decoder_octets
from iae_modulation.etendue_xlsx import SANS_POSITION, Etendue, colonne_en_lettres, etendue
from iae_modulation.formats import CENTIME, montant_fr, nombre_fr
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
    # CSV : (cellules, cellules jusqu'à la dernière remplie) de chaque ligne de données, et
    # largeur remplie de l'en-tête ; None pour un classeur (une cellule y reste dans sa colonne)
    largeurs: list[tuple[int, int]] | None = None
    largeur_entete: int = 0
    ligne_entete: int | None = None  # numéro de la ligne d'en-tête, quand on le connaît
    separateur: str = ""
    # en-tête de chaque colonne de `table` tel qu'écrit dans le fichier (espaces compris)
    entetes_bruts: list[str] = field(default_factory=list)

    def lieu(self) -> str:
        """« donnees.xlsx, feuille « Données SIAE » » : début des messages d'erreur."""
        if self.feuille is None:
            return self.fichier.name
        return f"{self.fichier.name}, feuille « {self.feuille} »"

    def entete_en(self, position: int) -> TableBrute:
        """La même table dont l'en-tête est la ligne de données `position` : les lignes
        au-dessus (titre, notice) ne sont plus des données."""
        valeurs = self.table.to_numpy(dtype=object).tolist()
        en_tetes, rangees = [str(v) for v in valeurs[position]], valeurs[position + 1 :]
        colonnes, gardees = _colonnes(en_tetes, rangees)
        table = pd.DataFrame(
            [[rangee[i] for i in gardees] for rangee in rangees], columns=colonnes, dtype=str
        )
        lignes = self.lignes[position + 1 :]
        return replace(
            self,
            table=table,
            lignes=lignes,
            lignes_masquees=[n for n in self.lignes_masquees if n in set(lignes)],
            largeurs=None if self.largeurs is None else self.largeurs[position + 1 :],
            largeur_entete=0 if self.largeurs is None else self.largeurs[position][1],
            ligne_entete=self.lignes[position],
            entetes_bruts=[en_tetes[i] for i in gardees],
        )

    def lignes_decalees(self) -> tuple[dict[int, int], dict[int, int]]:
        """CSV : {ligne: cellules remplies} des lignes qui ont des cellules remplies au-delà de
        la dernière colonne de l'en-tête (un séparateur dans une valeur : « 8,58 » coupé en
        deux dans un fichier séparé par des virgules), et {ligne: cellules} de celles qui en
        ont moins que l'en-tête (Excel omet les derniers séparateurs quand les cellules de fin
        sont vides ; ailleurs, un séparateur manque)."""
        longues: dict[int, int] = {}
        courtes: dict[int, int] = {}
        if self.largeurs is None:
            return longues, courtes
        for ligne, (cellules, remplies) in zip(self.lignes, self.largeurs, strict=True):
            if remplies > self.largeur_entete:
                longues[ligne] = remplies
            elif cellules < self.largeur_entete:
                courtes[ligne] = cellules
        return longues, courtes


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
        en_tetes, rangees, numeros, entete, separateur = _lire_csv(chemin)
    elif extension in EXTENSIONS_EXCEL:
        verifier_archive_zip(chemin, "classeur Excel (.xlsx)")
        feuille, en_tetes, rangees, numeros, entete, masquees = _lire_excel(chemin, feuille)
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
    brute = TableBrute(
        table, chemin, feuille, numeros, gardees_masquees, ligne_entete=entete, entetes_bruts=bruts
    )
    if extension in EXTENSIONS_CSV:
        brute.largeurs = [(len(rangee), _largeur_remplie(rangee)) for rangee in rangees]
        brute.largeur_entete = _largeur_remplie(en_tetes)
        brute.separateur = separateur
    return brute


def _largeur_remplie(rangee: list[str]) -> int:
    """Le nombre de cellules jusqu'à la dernière non vide."""
    largeur = len(rangee)
    while largeur and not rangee[largeur - 1].strip():
        largeur -= 1
    return largeur


class NombreHorsLimites(ValueError):
    """Un nombre bien écrit mais hors de ce que peut être un montant ou une quantité."""


class CelluleEnErreur(ValueError):
    """Une valeur d'erreur d'Excel (« #N/A », « #VALEUR! ») : ce n'est pas une valeur."""

    def __init__(self, texte: object) -> None:
        super().__init__(message_cellule_en_erreur(str(texte).strip()))


class NombreAmbigu(ValueError):
    """Un nombre qu'on ne peut pas lire sans deviner (« 295.600 » : 295,6 ou 295 600 ?), ou
    qui ne peut pas être ce que dit sa colonne (un montant au millième, un effectif de 8,5)."""


# Valeurs d'erreur d'Excel : celles que le fichier .xlsx enregistre (en anglais, quelle que soit
# la langue d'Excel) et celles qu'Excel en français écrit dans un CSV ; « Err:502 » : LibreOffice.
ERREURS_EXCEL = frozenset(
    {
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
        "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
        "#EXTERNAL!", "#PYTHON!", "#NUL!", "#VALEUR!", "#NOM?", "#NOMBRE!", "#PROPAGATION!",
        "#CHAMP!",
    }
)  # fmt: skip
_ERREUR_EXCEL = re.compile(r"#[A-ZÀ-Ý][A-ZÀ-Ý0-9_/.]*[!?]|#N/[A-Z]{1,2}|Err:\d{3}")


def est_erreur_excel(texte: str) -> bool:
    """Vrai si la cellule contient une valeur d'erreur d'Excel ou de LibreOffice."""
    propre = texte.strip()
    if not propre.startswith(("#", "Err:")):
        return False
    return propre.upper() in ERREURS_EXCEL or _ERREUR_EXCEL.fullmatch(propre) is not None


def message_cellule_en_erreur(valeur: str) -> str:
    return (
        f"« {valeur} » est une erreur d'Excel (formule qui n'a pas pu être calculée : valeur "
        "introuvable, division par zéro, référence perdue…), pas une valeur : rien n'est lu "
        "à sa place. Corrigez la formule ou saisissez la valeur, puis enregistrez."
    )


def lire_nombre(texte: object) -> Decimal:
    """Nombre écrit à la française ou non : « 1 234,56 € », « 1234.5 », « 1.234,56 », « -3 ».

    Espaces (insécables compris) et points comme séparateurs de milliers par groupes de trois ;
    un point seul est une virgule décimale (« 1.5 ») ; pas de pourcentage ; « -0 » vaut 0.
    Lève ValueError sinon (`CelluleEnErreur` pour « #N/A »), `NombreHorsLimites` au-delà de
    10¹² en valeur absolue ou de `CHIFFRES_MAX` chiffres (jamais NaN ni infini : ils ne
    s'écrivent pas avec des chiffres).
    """
    nombre = _nombre(texte)
    if abs(nombre) > MONTANT_MAX or len(nombre.as_tuple().digits) > CHIFFRES_MAX:
        raise NombreHorsLimites(
            f"« {texte} » sort des limites d'un nombre lu (au plus 1 000 milliards en valeur "
            f"absolue et {CHIFFRES_MAX} chiffres)"
        )
    return nombre if nombre else abs(nombre)  # « -0 », « -0,00 » : zéro, sans signe


# un seul séparateur suivi de trois chiffres : « 295.600 » est 295,6 ou 295 600
_MILLIERS_OU_DECIMALES = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")


def _chiffres_si_ambigu(texte: object) -> int | None:
    """« 295.600 » -> 295600 : le nombre qu'on lirait si le séparateur était celui des
    milliers, quand un seul point ou une seule virgule est suivi de trois chiffres ; sinon None."""
    propre = _ESPACES.sub("", str(texte)).removesuffix("€")
    if _MILLIERS_OU_DECIMALES.fullmatch(propre) is None:
        return None
    return int(propre.replace(".", "").replace(",", ""))


def lire_montant(texte: object) -> Decimal:
    """Un montant en euros (`lire_nombre`), au centime près : trois décimales ne sont jamais
    des centimes. « 295.600 » est refusé (un point ou une virgule suivis de trois chiffres :
    séparateur de milliers ?), comme « 1234,567 » ; lève `NombreAmbigu` en disant quoi écrire."""
    nombre = lire_nombre(texte)
    milliers = _chiffres_si_ambigu(texte)
    if milliers is not None:
        raise NombreAmbigu(
            f"« {str(texte).strip()} » : un montant en euros n'a jamais trois décimales, et le "
            "point ou la virgule y est lu comme séparateur décimal (ce serait "
            f"{montant_fr(nombre)}). Pour {montant_fr(milliers)}, écrivez « {milliers} » ou "
            f"« {nombre_fr(milliers, 0)} » (espace entre les milliers)."
        )
    if nombre != nombre.quantize(CENTIME):
        raise NombreAmbigu(
            f"Un montant s'écrit au centime près (deux décimales au plus) : « "
            f"{str(texte).strip()} » en a davantage ; arrondissez-le au centime (ARRONDI(…;2) "
            "dans Excel)."
        )
    return nombre


def lire_effectif(texte: object) -> Decimal:
    """Un nombre de personnes ou de sorties (`lire_nombre`) : un nombre entier. « 8,5 » est
    refusé, et « 1.000 » aussi (1 ou 1 000 ?) ; lève `NombreAmbigu` en disant quoi écrire."""
    nombre = lire_nombre(texte)
    milliers = _chiffres_si_ambigu(texte)
    if milliers is not None:
        raise NombreAmbigu(
            f"« {str(texte).strip()} » : un nombre de personnes s'écrit sans séparateur ; "
            f"écrivez « {milliers} » ou « {nombre_fr(milliers, 0)} » s'il y en a "
            f"{nombre_fr(milliers, 0)}, sinon le nombre entier (sans décimales)."
        )
    if nombre != nombre.to_integral_value():
        raise NombreAmbigu(
            f"« {str(texte).strip()} » : un nombre de personnes (ou de sorties) est un nombre "
            "entier, sans décimales."
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
    if est_erreur_excel(propre):
        raise CelluleEnErreur(propre)
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


def _lire_csv(chemin: Path) -> tuple[list[str], list[list[str]], list[int], int | None, str]:
    texte = decoder_octets(chemin.read_bytes(), chemin.name)
    premiere = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    separateur = max(SEPARATEURS, key=premiere.count)
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
    return *_entete_et_rangees(_rangees_csv(lecteur, chemin.name), chemin.name), separateur


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
) -> tuple[list[str], list[list[str]], list[int], int | None]:
    """Rangées vides ignorées ; la première rangée non vide donne les en-têtes (et son numéro
    de ligne), les suivantes les données, avec leur numéro de ligne. Lève `ErreurEntree`
    au-delà de `LIGNES_MAX` lignes de données ou de `COLONNES_MAX` colonnes, avant d'avoir
    tout gardé en mémoire."""
    en_tetes: list[str] | None = None
    numero_entete: int | None = None
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
            en_tetes, numero_entete = rangee, numero
        else:
            rangees.append(rangee)
            numeros.append(numero)
    return en_tetes or [], rangees, numeros, numero_entete


def _lire_excel(
    chemin: Path, feuille: str | None
) -> tuple[str, list[str], list[list[str]], list[int], int | None, list[int]]:
    """Lecteur calamine (celui de `pandas.read_excel(engine="calamine")`), appelé directement :
    le passage par pandas convertit chaque cellule deux fois et triple le temps de lecture.
    L'étendue de la feuille est vérifiée avant (`etendue_xlsx`), qui relève aussi ce que
    calamine lit vide : une cellule en erreur y est remise avec sa valeur d'erreur (« #N/A »,
    refusée comme telle par qui la lit), une formule jamais calculée refuse le fichier. Les
    cellules sont lues depuis A1, donc la rangée i est la ligne Excel i + 1. Renvoie aussi les
    lignes masquées."""
    try:
        classeur = CalamineWorkbook.from_path(str(chemin))
        noms = _feuilles_de_calcul(classeur)
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
    examen = etendue(chemin, feuille)
    lieu = f"{chemin.name}, feuille « {feuille} »"
    try:
        cellules = classeur.get_sheet_by_name(feuille).to_python(skip_empty_area=False)
    except Exception as erreur:
        refuser_erreurs_illisibles(examen, lieu)
        raise _classeur_illisible(chemin, erreur) from None
    if examen.erreurs or examen.sans_valeur:
        cellules = [list(rangee) for rangee in cellules]
        refuser_cellules_sans_valeur(examen, cellules, lieu)
        remettre_les_erreurs(examen.erreurs, cellules)
    textes = _TextesExcel()
    numerotees = (
        (position + 1, [v if type(v) is str else textes.texte(v) for v in valeurs])
        for position, valeurs in enumerate(cellules)
    )
    return feuille, *_entete_et_rangees(numerotees, lieu), examen.lignes_masquees


class _TextesExcel:
    """`_texte_excel` d'une feuille : un même nombre (un effectif, une année) revient des
    milliers de fois, il n'est mis en texte qu'une fois."""

    def __init__(self) -> None:
        self.nombres: dict[float, str] = {}

    def texte(self, valeur: object) -> str:
        if type(valeur) is not float:
            return _texte_excel(valeur)
        texte = self.nombres.get(valeur)
        if texte is None:
            texte = self.nombres[valeur] = _texte_excel(valeur)
        return texte


def remettre_les_erreurs(
    erreurs: dict[tuple[int, int], str], cellules: list[list], vide: object = ""
) -> None:
    """Chaque cellule en erreur reçoit sa valeur d'erreur (« #N/A ») au lieu du vide que
    calamine en lit : elle ne peut plus passer pour une case vide (`vide` : ce qui complète
    une rangée trop courte)."""
    for (ligne, colonne), valeur in erreurs.items():
        if (ligne, colonne) == SANS_POSITION:
            continue  # refusée à part : sa place est inconnue
        while len(cellules) < ligne:
            cellules.append([])
        rangee = cellules[ligne - 1]
        rangee.extend([vide] * (colonne - len(rangee)))
        rangee[colonne - 1] = valeur


def refuser_cellules_sans_valeur(examen: Etendue, cellules: list[list], lieu: str) -> None:
    """Lève `ErreurEntree` pour les formules jamais calculées (sans valeur enregistrée), toutes
    citées avec la colonne où elles sont : leur valeur est inconnue, le fichier est refusé."""
    refuser_sans_position(examen, lieu)
    if not examen.sans_valeur:
        return
    entete = next((r for r in cellules if any(str(v).strip() for v in r)), [])
    citees = []
    for (ligne, colonne), formule in sorted(examen.sans_valeur.items())[:MAX_CITEES]:
        nom = entete[colonne - 1] if colonne <= len(entete) else ""
        dans = f" (colonne « {str(nom).strip()} »)" if str(nom).strip() else ""
        citees.append(f"{colonne_en_lettres(colonne)}{ligne}{dans} : ={formule}")
    reste = len(examen.sans_valeur) - len(citees)
    raise ErreurEntree(
        f"{lieu} : {len(examen.sans_valeur)} formule(s) sans valeur calculée enregistrée "
        "(le fichier a été écrit par un programme qui ne calcule pas les formules) : leur "
        "valeur est inconnue, rien n'a été lu. Ouvrez le fichier dans Excel et enregistrez-le, "
        "ou remplacez les formules par leurs valeurs (Copier, puis Collage spécial › Valeurs).\n"
        + "\n".join(f"  - {c}" for c in citees)
        + (f"\n  … et {reste} autre(s)." if reste else "")
    )


def refuser_sans_position(examen: Etendue, lieu: str) -> None:
    """Une cellule en erreur ou une formule sans valeur sans attribut de position (rare) : on
    ne peut ni la citer ni la remettre à sa place, le fichier est refusé."""
    if SANS_POSITION in examen.erreurs or SANS_POSITION in examen.sans_valeur:
        raise ErreurEntree(
            f"{lieu} : une cellule en erreur ou une formule sans valeur n'indique pas sa "
            "position dans le fichier : ouvrez le classeur dans Excel, corrigez-la et "
            "enregistrez-le."
        )


def refuser_erreurs_illisibles(examen: Etendue, lieu: str) -> None:
    """calamine ne sait pas lire certaines valeurs d'erreur récentes (« #SPILL! », « #CALC! ») :
    quand il refuse la feuille, les cellules en erreur sont nommées, avec quoi faire."""
    if not examen.erreurs:
        return
    citees = [
        f"{colonne_en_lettres(colonne)}{ligne} : {valeur}"
        for (ligne, colonne), valeur in sorted(examen.erreurs.items())[:MAX_CITEES]
        if (ligne, colonne) != SANS_POSITION
    ]
    reste = len(examen.erreurs) - len(citees)
    raise ErreurEntree(
        f"{lieu} : {len(examen.erreurs)} cellule(s) en erreur d'Excel (formule qui n'a pas pu "
        "être calculée) : ce ne sont pas des valeurs, rien n'a été lu. Corrigez les formules ou "
        "saisissez les valeurs, puis enregistrez.\n"
        + "\n".join(f"  - {c}" for c in citees)
        + (f"\n  … et {reste} autre(s)." if reste else "")
    )


MAX_CITEES = 20  # cellules citées dans un message, au plus


def feuilles_du_classeur(chemin: Path) -> list[str]:
    """Les feuilles de calcul d'un classeur : les visibles dans l'ordre des onglets, puis les
    masquées ; la première est celle que lit `lire_table` sans nom de feuille."""
    try:
        return _feuilles_de_calcul(CalamineWorkbook.from_path(str(chemin)))
    except Exception as erreur:  # calamine signale un classeur abîmé par des erreurs variées
        raise _classeur_illisible(chemin, erreur) from None


def feuilles_masquees(chemin: Path) -> set[str]:
    """Les feuilles de calcul masquées (ou très masquées) d'un classeur."""
    try:
        classeur = CalamineWorkbook.from_path(str(chemin))
    except Exception as erreur:  # calamine signale un classeur abîmé par des erreurs variées
        raise _classeur_illisible(chemin, erreur) from None
    return {
        f.name
        for f in classeur.sheets_metadata
        if f.typ == SheetTypeEnum.WorkSheet and f.visible != SheetVisibleEnum.Visible
    }


def _feuilles_de_calcul(classeur: CalamineWorkbook) -> list[str]:
    """Les visibles d'abord : une feuille masquée placée en premier (l'an dernier, gardé « pour
    mémoire ») n'est jamais lue à la place de celle que l'agent voit."""
    feuilles = [f for f in classeur.sheets_metadata if f.typ == SheetTypeEnum.WorkSheet]
    visibles = [f.name for f in feuilles if f.visible == SheetVisibleEnum.Visible]
    return visibles + [f.name for f in feuilles if f.visible != SheetVisibleEnum.Visible]


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
