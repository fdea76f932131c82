"""Bilan annuel de l'ASP (export .xlsx, une ligne par annexe financière ou avenant et par année) :
publics et résultats des structures, source des indicateurs « publics » et « résultats » de la
note DGEFP n° 2014-04, annexe 2.

Les en-têtes sont numérotés par section (« 0 - … » identification et encadrement, « 2 - … »
salariés en insertion, « 4 - » à « 7 - … » sorties) ; l'export réel les écrit avec des espaces en
fin (« 0 - SIRET  ») et en coupe certains (« … ayant travaillé da »). Un en-tête est donc reconnu
par son numéro de section et par des mots (`RUBRIQUES`), jamais par son texte exact ; un en-tête
qui ne correspond à aucune rubrique est listé, jamais deviné, et deux en-têtes pour une même
rubrique font refuser le fichier. Noms des colonnes : ceux que lit la plateforme de l'inclusion
(gip-inclusion/pilotage-airflow, `dags/asp_processed_data.py` et `beneficiaires_sorties.sql`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.lecture import lire_table
from iae_modulation.referentiel import lire_numero_annexe, sans_accents
from iae_modulation.sorties import ErreurEntree


@dataclass(frozen=True)
class Rubrique:
    """Une colonne du bilan : sa section (« 0 », « 2 »… ; None pour « Année », « Mesure ») et
    les mots qui la reconnaissent (une des alternatives, tous ses mots)."""

    cle: str
    section: str | None
    mots: tuple[tuple[str, ...], ...]
    libelle: str


def _r(cle: str, section: str | None, *mots: str, libelle: str) -> Rubrique:
    return Rubrique(cle, section, tuple(tuple(m.split()) for m in mots), libelle)


# Rubriques lues. Les mots sont ceux du début de l'intitulé (l'export coupe la fin).
RUBRIQUES = (
    _r("annee", None, "annee", libelle="Année"),
    _r("mesure", None, "mesure", libelle="Mesure"),
    _r("numero", "0", "numero annexe", libelle="0 - Numéro de l'annexe / avenant"),
    _r("siret", "0", "siret", libelle="0 - SIRET"),
    _r("denomination", "0", "denomination", libelle="0 - Dénomination"),
    _r(
        "salaries",
        "2",
        "nombre total salaries",
        libelle="2 - Nombre total des salariés en insertion ayant travaillé…",
    ),
    _r("rsa", "2", "beneficiaires rsa", libelle="2 - Dont bénéficiaires du RSA"),
    _r("ass", "2", "beneficiaires ass", libelle="2 - Dont bénéficiaires de l'ASS"),
    _r("aah", "2", "beneficiaires aah", libelle="2 - Dont bénéficiaires de l'AAH"),
    _r("qpv", "2", "qpv", libelle="2 - Dont résidants en QPV"),
    _r("zrr", "2", "zrr", "frr", libelle="2 - Dont résidants en ZRR (ou FRR)"),
    _r("senior", "2", "50 ans", libelle="2 - Dont personnes sans emploi de 50 ans et plus"),
    _r("deld", "2", "12 23 mois", libelle="2 - Dont inscrits … depuis 12 à 23 mois"),
    _r("detld", "2", "24 mois", libelle="2 - Dont inscrits … depuis 24 mois et plus"),
    _r("rqth", "2", "rqth", libelle="2 - Dont nombre de personnes reconnues RQTH"),
    _r("femmes", "2", "femmes", libelle="2 - Dont femmes"),
    _r("jeunes", "2", "moins 26", libelle="2 - Dont jeunes de moins de 26 ans"),
    _r(
        "sorties_totales",
        "4",
        "total sorties examinees",
        libelle="4 - Total des sorties examinées…",
    ),
    _r("sorties_durables", "5", "sorties durable", libelle="5 - … dans l'emploi durable"),
    _r("sorties_transition", "6", "sorties transition", libelle="6 - … de transition"),
    _r("sorties_positives", "7", "sorties positives", libelle="7 - Total des sorties positives"),
)
# Colonnes connues que la préparation n'utilise pas (listées comme telles dans le rapport).
CONNUES_NON_UTILISEES = (
    _r("dep", None, "libelle departement", libelle="Libellé Département"),
    _r("region", None, "region", libelle="Région"),
    _r(
        "encadrement_realise",
        "0",
        "salaries permanents",
        "travailleurs non salaries",
        "prestataires externes",
        libelle="0 - Encadrement : heures et ETP réalisés (le calcul prend ceux de l'annexe "
        "financière)",
    ),
    _r("hommes", "2", "hommes", libelle="2 - Dont hommes"),
    _r("niveaux", "2", "niveau", "qualifications", libelle="2 - Niveaux de qualification"),
)
OBLIGATOIRES = ("annee", "numero")
_SECTION = re.compile(r"\s*(\d+)\s*-\s*(.*)", re.DOTALL)


def mots_de(texte: str) -> list[str]:
    """Les mots d'un intitulé, sans accents ni casse (« 0 - SIRET  » -> [« siret »])."""
    return re.findall(r"[a-z0-9]+", sans_accents(texte).casefold())


def correspond(rubrique: Rubrique, entete: str) -> bool:
    """Vrai si l'en-tête (tel qu'écrit, espaces compris) est celui de la rubrique : même
    section, et tous les mots d'une alternative ; le dernier mot de l'en-tête peut être coupé
    (« examin » pour « examinées »)."""
    trouve = _SECTION.fullmatch(entete)
    section, reste = (trouve[1], trouve[2]) if trouve else (None, entete)
    if section != rubrique.section:
        return False
    mots = mots_de(reste)
    if rubrique.section is None:
        return any(tuple(mots) == alternative for alternative in rubrique.mots)
    coupe = mots[-1] if mots else ""

    def present(mot: str) -> bool:
        return mot in mots or (len(coupe) >= 3 and mot.startswith(coupe))

    return any(all(present(m) for m in alternative) for alternative in rubrique.mots)


def convention_du_bilan(numero: str) -> str | None:
    """« ACI 051 23 0010 A2M1 » -> « ACI051230010 » (espaces et avenant retirés) ; None si ce
    n'est pas un numéro d'annexe. Le numéro est décomposé (`lire_numero_annexe`) plutôt que
    coupé au premier « A » suivi d'un chiffre, qui tomberait dans « 02A » en Corse-du-Sud."""
    annexe = lire_numero_annexe(numero)
    return annexe.convention if annexe else None


@dataclass
class LigneBilan:
    """Une ligne du bilan : numéro de ligne Excel, annexe, année et cellules des rubriques."""

    ligne: int
    numero: str  # tel qu'écrit (« ACI 051 23 0010 A2M1 »)
    convention: str | None
    annee: int | None
    valeurs: dict[str, str]


@dataclass
class BilanASP:
    """Le bilan lu : colonne de chaque rubrique (en-tête tel qu'écrit), colonnes connues non
    utilisées et inconnues, lignes."""

    fichier: Path
    feuille: str | None
    colonnes: dict[str, str]  # rubrique -> en-tête tel qu'écrit
    connues: list[tuple[str, str]]  # (en-tête, ce que c'est)
    inconnues: list[str]
    lignes: list[LigneBilan] = field(default_factory=list)

    def lieu(self, ligne: int) -> str:
        return f"{self.fichier.name}, ligne {ligne}"


def lire_bilan(chemin: Path) -> BilanASP:
    """Lit le bilan annuel de l'ASP (.xlsx, ou .csv réenregistré) ; lève `ErreurEntree` si une
    rubrique obligatoire (année, numéro d'annexe) manque ou si un en-tête est ambigu."""
    brute = lire_table(Path(chemin))
    bruts = brute.entetes_bruts or list(brute.table.columns)
    colonnes: dict[str, str] = {}
    position: dict[str, int] = {}
    doubles: dict[str, list[str]] = {}
    connues, inconnues = [], []
    for j, (colonne, entete) in enumerate(zip(brute.table.columns, bruts, strict=True)):
        rubrique = next((r for r in RUBRIQUES if correspond(r, entete)), None)
        if rubrique is None:
            autre = next((r for r in CONNUES_NON_UTILISEES if correspond(r, entete)), None)
            if autre is None:
                inconnues.append(entete or colonne)
            else:
                connues.append((entete, autre.libelle))
            continue
        if rubrique.cle in colonnes:
            doubles.setdefault(rubrique.cle, [colonnes[rubrique.cle]]).append(entete)
            continue
        colonnes[rubrique.cle] = entete
        position[rubrique.cle] = j
    lieu = brute.lieu()
    if doubles:
        raise ErreurEntree(
            f"{lieu} : plusieurs colonnes pour une même rubrique, l'outil ne choisit pas "
            "entre elles : "
            + " ; ".join(
                f"{_LIBELLES[cle]} : " + ", ".join(f"« {e} »" for e in entetes)
                for cle, entetes in doubles.items()
            )
            + "."
        )
    manquantes = [_LIBELLES[c] for c in OBLIGATOIRES if c not in colonnes]
    if manquantes:
        raise ErreurEntree(
            f"{lieu} : ce n'est pas le bilan annuel de l'ASP attendu ; colonne(s) introuvable(s) : "
            + ", ".join(f"« {m} »" for m in manquantes)
            + "."
        )
    bilan = BilanASP(brute.fichier, brute.feuille, colonnes, connues, inconnues)
    cles = list(position)
    colonnes_lues = (brute.table[brute.table.columns[position[cle]]].tolist() for cle in cles)
    for ligne, *rangee in zip(brute.lignes, *colonnes_lues, strict=True):
        cellules = dict(zip(cles, map(str.strip, rangee), strict=True))
        annee = cellules["annee"]
        bilan.lignes.append(
            LigneBilan(
                ligne,
                cellules["numero"],
                convention_du_bilan(cellules["numero"]),
                int(annee) if annee.isascii() and annee.isdigit() and len(annee) == 4 else None,
                cellules,
            )
        )
    return bilan


_LIBELLES = {r.cle: r.libelle for r in RUBRIQUES}
