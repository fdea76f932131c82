"""Le score de chaque structure dans son groupe, pour un critère : la seule implémentation,
utilisée par le calcul de campagne, les fonctions de feuille et la simulation.

docs/conception.md, « Méthode par défaut » (note DGEFP 2014-04, annexe 2), parmi les n structures
du groupe dont l'indicateur est calculable :
- `rang` : (r − 1) / (n − 1), r = rang croissant, ex-æquo moyennés ; n = 1 donne 0,5 ;
- `minmax` : (v − min) / (max − min) ; max = min donne 0,5 ;
- indicateur non calculable : 0,5 (neutre).
Sens « moins » (critère facultatif dont une part plus faible est meilleure) : 1 − score.

Un score est un rationnel exact (numérateur, dénominateur en entiers Python, dans des tableaux
numpy d'objets) : les ex-æquo sont de vrais ex-æquo et l'arrondi du taux ne dépend d'aucune
approximation binaire. Les ratios sont ordonnés par leur valeur flottante, correctement
arrondie (int / int) : deux ratios égaux ont le même flottant, et deux ratios distincts de
données réalistes (dénominateurs < 10^7) en ont deux.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from iae_modulation.indicateurs import Indicateur

NEUTRE = (1, 2)


@dataclass(frozen=True)
class Scores:
    """Les scores exacts d'un critère pour toutes les structures, et de quoi les expliquer :
    rang croissant (NaN si non calculable) et effectif comparé du groupe, ou minimum et maximum
    du groupe (notation `minmax`)."""

    numerateurs: np.ndarray
    denominateurs: np.ndarray
    rangs: np.ndarray
    effectifs: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def score(self, position: int) -> tuple[int, int]:
        return int(self.numerateurs[position]), int(self.denominateurs[position])


def noter(groupes: np.ndarray, indicateur: Indicateur, notation: str, sens: str = "plus") -> Scores:
    """Les scores d'un critère, groupe par groupe (`groupes` : un code par structure)."""
    cles = pd.Series(indicateur.cles)
    par_groupe = cles.groupby(groupes)
    effectifs = par_groupe.transform("count").to_numpy()
    valides = indicateur.calculable & (effectifs > 1)
    numerateurs = np.full(len(cles), NEUTRE[0], dtype=object)
    denominateurs = np.full(len(cles), NEUTRE[1], dtype=object)
    rangs = par_groupe.rank(method="average").to_numpy()
    minimum = maximum = np.full(len(cles), np.nan)
    if notation == "rang":
        doubles = (2 * np.nan_to_num(rangs, nan=1.0) - 2).astype("int64").astype(object)
        numerateurs[valides] = doubles[valides]
        denominateurs[valides] = (2 * (effectifs - 1)).astype(object)[valides]
    else:
        calculables = cles[indicateur.calculable]
        grouper = calculables.groupby(groupes[indicateur.calculable])
        bornes = pd.DataFrame(
            {"min": grouper.transform("idxmin"), "max": grouper.transform("idxmax")}
        ).reindex(cles.index, fill_value=0)
        bas, haut = bornes["min"].to_numpy(), bornes["max"].to_numpy()
        p, q = indicateur.numerateurs, indicateur.denominateurs
        ecart_n, ecart_d = p[haut] * q[bas] - p[bas] * q[haut], q[haut] * q[bas]
        valides &= (ecart_n != 0).astype(bool)
        ecart_n = np.where(valides, ecart_n, 1)
        numerateurs[valides] = ((p * q[bas] - p[bas] * q) * ecart_d)[valides]
        denominateurs[valides] = (q * q[bas] * ecart_n)[valides]
        minimum, maximum = cles.to_numpy()[bas], cles.to_numpy()[haut]
    if sens == "moins":
        numerateurs = denominateurs - numerateurs
    return Scores(numerateurs, denominateurs, rangs, effectifs, minimum, maximum)


def arrondi_exact(numerateur: int, denominateur: int, decimales: int) -> Decimal:
    """Arrondi exact, moitié vers le haut, d'un rationnel positif."""
    echelle = 10**decimales
    return Decimal((2 * numerateur * echelle + denominateur) // (2 * denominateur)).scaleb(
        -decimales
    )


# Un entier Python, ou un tableau numpy d'entiers Python (une structure, ou toute une table).
Entiers = Any


def taux_exact(
    poids: list[tuple[int, int]],
    scores: list[tuple[Entiers, Entiers]],
    plafonds: tuple[Entiers, Entiers],
) -> tuple[Entiers, Entiers]:
    """plafond × Σ poids × score en rationnel exact (numérateur, dénominateur) ; chaque score
    et le plafond sont des couples (numérateurs, dénominateurs) d'entiers ou de tableaux numpy
    d'entiers Python : une structure, ou toute une table d'un coup."""
    numerateur, denominateur = 0, 1
    for (poids_n, poids_d), (score_n, score_d) in zip(poids, scores, strict=True):
        numerateur = numerateur * poids_d * score_d + poids_n * score_n * denominateur
        denominateur = denominateur * poids_d * score_d
    plafond_n, plafond_d = plafonds
    return plafond_n * numerateur, plafond_d * denominateur
