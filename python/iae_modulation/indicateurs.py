"""Les trois indicateurs du montant modulé (note DGEFP 2014-04, annexe 2).

- publics : part des bénéficiaires de minima sociaux (RSA socle, ASS, AAH jusqu'aux données de
  2015 ; RSA, ASS, AAH ensuite : paramètre mot_libelle_minima_sociaux) parmi les salariés en
  insertion ;
- efforts d'insertion : ETP d'encadrement (technique et accompagnement socio-professionnel)
  rapportés aux ETP en insertion ;
- résultats : sorties dynamiques (emploi durable + emploi de transition + sorties positives)
  rapportées aux sorties totales (retraits exclus).

Les ratios sont calculés exactement (fractions) : les ex-æquo sont de vrais ex-æquo et le taux
arrondi ne dépend d'aucune approximation binaire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

CRITERES = ("publics", "effort", "resultats")
LIBELLES = {
    "publics": "Publics",
    "effort": "Efforts d'insertion",
    "resultats": "Résultats",
}
DENOMINATEURS = {
    "publics": "nb_salaries_insertion",
    "effort": "etp_insertion",
    "resultats": "sorties_totales",
}
MOTIFS_NON_CALCULABLE = {
    "publics": "aucun salarié en insertion renseigné",
    "effort": "aucun ETP en insertion renseigné",
    "resultats": "aucune sortie renseignée",
}


@dataclass(frozen=True)
class CritereOptionnel:
    """Un critère qu'une méthode régionale peut ajouter (docs/methode.md) : la part d'un public
    parmi les salariés en insertion, tirée d'une colonne canonique facultative (bilan annuel de
    l'ASP, section 2), comptée parmi `nb_salaries_insertion`."""

    nom: str
    colonne: str
    libelle: str


# Les critères facultatifs, dans l'ordre des colonnes du grand livre.
CRITERES_OPTIONNELS: dict[str, CritereOptionnel] = {
    c.nom: c
    for c in (
        CritereOptionnel("qpv", "nb_residents_qpv", "Résidents d'un quartier prioritaire (QPV)"),
        CritereOptionnel("zrr", "nb_residents_zrr", "Résidents d'une ZRR ou FRR"),
        CritereOptionnel("50_ans_et_plus", "nb_50_ans_et_plus", "Personnes de 50 ans et plus"),
        CritereOptionnel("deld", "nb_deld", "Demandeurs d'emploi inscrits depuis 12 à 23 mois"),
        CritereOptionnel(
            "detld", "nb_detld", "Demandeurs d'emploi inscrits depuis 24 mois et plus"
        ),
        CritereOptionnel("rqth", "nb_rqth", "Travailleurs handicapés (RQTH)"),
        CritereOptionnel("femmes", "nb_femmes", "Femmes"),
        CritereOptionnel("moins_26_ans", "nb_moins_26_ans", "Jeunes de moins de 26 ans"),
    )
}
SENS = ("plus", "moins")  # une part plus élevée donne un meilleur score, ou un moins bon


Ratio = tuple[int, int]
"""Un ratio exact (numérateur, dénominateur > 0) en entiers : rapide et sans approximation."""


def ratio_exact(numerateur: Decimal | None, denominateur: Decimal | None) -> Ratio | None:
    """numérateur / dénominateur exact, en entiers ; None (non calculable) si l'un manque ou si
    le dénominateur est nul."""
    if numerateur is None or denominateur is None or denominateur == 0:
        return None
    a, b = Decimal(numerateur).as_integer_ratio()
    c, d = Decimal(denominateur).as_integer_ratio()
    return (a * d, b * c) if c > 0 else (-a * d, -b * c)


def ratio(numerateur: Decimal | None, denominateur: Decimal | None) -> Fraction | None:
    """Le même ratio en `Fraction` (fonctions du classeur, calculs unitaires)."""
    exact = ratio_exact(numerateur, denominateur)
    return None if exact is None else Fraction(*exact)


@dataclass(frozen=True)
class Indicateur:
    """Un indicateur pour toutes les lignes, en rationnels exacts (entiers Python en tableaux
    numpy d'objets : calcul vectorisé sans débordement ni arrondi)."""

    numerateurs: np.ndarray
    denominateurs: np.ndarray
    calculable: np.ndarray

    @property
    def cles(self) -> np.ndarray:
        """Valeurs flottantes (NaN si non calculable) pour ordonner : int / int est correctement
        arrondi, donc deux ratios égaux ont la même clé, et deux ratios distincts de données
        réalistes (dénominateurs < 10^7) en ont deux."""
        cles: np.ndarray = (self.numerateurs / self.denominateurs).astype(float)
        cles[~self.calculable] = np.nan
        return cles

    def sous_ensemble(self, positions: np.ndarray) -> Indicateur:
        """L'indicateur restreint à certaines lignes (par position)."""
        return Indicateur(
            self.numerateurs[positions], self.denominateurs[positions], self.calculable[positions]
        )

    def affiches(self) -> list[Decimal | None]:
        """Valeurs à 4 décimales, arrondi exact moitié vers le haut (colonnes de résultats)."""
        return fractions_a_4_decimales(self.numerateurs, self.denominateurs, self.calculable)


def quotients_a_4_decimales(numerateurs: np.ndarray, denominateurs: np.ndarray) -> list[Decimal]:
    """num / den arrondis à 4 décimales, moitié vers le haut, exactement (entiers)."""
    quotients = (2 * numerateurs * 10_000 + denominateurs) // (2 * denominateurs)
    return [Decimal(int(q)).scaleb(-4) for q in quotients]


def fractions_a_4_decimales(
    numerateurs: np.ndarray, denominateurs: np.ndarray, presentes: np.ndarray
) -> list[Decimal | None]:
    """Les mêmes quotients, None là où l'indicateur n'est pas `presentes`."""
    return [
        q if ok else None
        for q, ok in zip(
            quotients_a_4_decimales(numerateurs, denominateurs), presentes, strict=True
        )
    ]


def _entiers(valeurs: list[Decimal | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(numérateurs, dénominateurs, présence) exacts d'une colonne de Decimal."""
    paires = [(0, 1) if v is None else v.as_integer_ratio() for v in valeurs]
    numerateurs = np.empty(len(paires), dtype=object)
    denominateurs = np.empty(len(paires), dtype=object)
    if paires:
        numerateurs[:], denominateurs[:] = zip(*paires, strict=True)
    presentes = np.array([v is not None for v in valeurs], dtype=bool)
    return numerateurs, denominateurs, presentes


def _indicateur(numerateur: list[Decimal | None], denominateur: list[Decimal | None]) -> Indicateur:
    a, b, num_present = _entiers(numerateur)
    c, d, den_present = _entiers(denominateur)
    calculable = num_present & den_present & (c != 0).astype(bool)
    c = np.where(calculable, c, 1)
    return Indicateur(np.where(calculable, a * d, 0), np.where(calculable, b * c, 1), calculable)


def sorties_dynamiques(table: pd.DataFrame) -> list[Decimal | None]:
    """Emploi durable + emploi de transition + sorties positives (None si aucune n'est
    renseignée)."""
    return [
        None
        if d is None and t is None and p is None
        else sum((v for v in (d, t, p) if v is not None), Decimal(0))
        for d, t, p in zip(
            table["sorties_emploi_durable"],
            table["sorties_emploi_transition"],
            table["sorties_positives"],
            strict=True,
        )
    ]


def calculer_indicateurs(
    table: pd.DataFrame, optionnels: tuple[str, ...] = ()
) -> dict[str, Indicateur]:
    """Les trois indicateurs exacts de toutes les lignes d'une table canonique validée, puis
    ceux des critères facultatifs `optionnels` (part parmi les salariés en insertion ; non
    calculable si la valeur manque)."""
    numerateurs = {
        "publics": list(table["nb_beneficiaires_minima"]),
        "effort": list(table["etp_encadrement"]),
        "resultats": sorties_dynamiques(table),
    }
    indicateurs = {
        critere: _indicateur(numerateurs[critere], list(table[DENOMINATEURS[critere]]))
        for critere in CRITERES
    }
    for nom in optionnels:
        colonne = CRITERES_OPTIONNELS[nom].colonne
        indicateurs[nom] = _indicateur(list(table[colonne]), list(table["nb_salaries_insertion"]))
    return indicateurs


def indicateur_de_doubles(valeurs: list[float]) -> Indicateur:
    """Un indicateur dont les valeurs sont des doubles (cellules d'Excel), chacun rationnel
    exact ; NaN : non calculable."""
    paires = [(0, 1) if v != v else float(v).as_integer_ratio() for v in valeurs]
    numerateurs = np.empty(len(paires), dtype=object)
    denominateurs = np.empty(len(paires), dtype=object)
    if paires:
        numerateurs[:], denominateurs[:] = zip(*paires, strict=True)
    calculable = np.array([v == v for v in valeurs], dtype=bool)
    return Indicateur(numerateurs, denominateurs, calculable)
