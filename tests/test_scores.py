"""La seule notation des scores (`scores.noter`), vérifiée contre une définition écrite ici à la
main, en fractions, structure par structure : celle de docs/conception.md (« Méthode par défaut »),
pour le calcul de campagne comme pour la fonction de feuille `MODULATION`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iae_modulation import scores
from iae_modulation.excel import udfs
from iae_modulation.indicateurs import calculer_indicateurs, indicateur_de_doubles, ratio_exact


def score_attendu(valeur: float, groupe: list[float], notation: str, sens: str) -> Fraction:
    """Le score d'une valeur parmi les valeurs calculables de son groupe (NaN : non calculable),
    par la définition : rang (r − 1) / (n − 1), ex-æquo au rang moyen ; minmax (v − min) /
    (max − min) ; 0,5 si non calculable, seule, ou max = min ; sens « moins » : 1 − score."""
    calculables = [Fraction(v) for v in groupe if v == v]
    if valeur != valeur or len(calculables) < 2:
        return Fraction(1, 2)
    v = Fraction(valeur)
    if notation == "rang":
        inferieures = sum(1 for w in calculables if w < v)
        egales = sum(1 for w in calculables if w == v)
        rang = inferieures + Fraction(egales + 1, 2)
        score = (rang - 1) / (len(calculables) - 1)
    elif max(calculables) == min(calculables):
        score = Fraction(1, 2)
    else:
        score = (v - min(calculables)) / (max(calculables) - min(calculables))
    return 1 - score if sens == "moins" else score


_VALEURS = st.one_of(
    st.builds(lambda p, q: p / q, st.integers(0, 60), st.integers(1, 60)),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_subnormal=True),
    st.just(float("nan")),
)
_GROUPES = st.lists(_VALEURS, min_size=1, max_size=6).flatmap(
    lambda reservoir: st.lists(st.sampled_from(reservoir), min_size=1, max_size=30)
)


@given(
    groupes=st.lists(_GROUPES, min_size=1, max_size=4),
    notation=st.sampled_from(["rang", "minmax"]),
    sens=st.sampled_from(["plus", "moins"]),
)
def test_noter_est_la_definition_du_design(groupes, notation, sens):
    valeurs = [v for groupe in groupes for v in groupe]
    codes = np.array([k for k, groupe in enumerate(groupes) for _ in groupe])
    notes = scores.noter(codes, indicateur_de_doubles(valeurs), notation, sens)
    position = 0
    for groupe in groupes:
        for valeur in groupe:
            attendu = score_attendu(valeur, groupe, notation, sens)
            assert Fraction(*notes.score(position)) == attendu, (valeur, groupe)
            position += 1


def taux_attendu(scores_structure: list[Fraction]) -> Decimal:
    """Le taux de la note 2014-04 en 2026 : 10 % × (0,35 × publics + 0,40 × effort + 0,25 ×
    résultats), à 4 décimales, moitié vers le haut."""
    exact = Fraction(1, 10) * sum(
        (p * s for p, s in zip(POIDS, scores_structure, strict=True)), Fraction(0)
    )
    dix_millemes = exact * 10_000
    arrondi = dix_millemes.numerator * 2 + dix_millemes.denominator
    return Decimal(arrondi // (2 * dix_millemes.denominator)) / 10_000


POIDS = (Fraction(35, 100), Fraction(40, 100), Fraction(25, 100))
NON_CALCULABLE = "non calculable (aucun salarié en insertion)"  # ce qu'IAE_PUBLICS écrit
_TROIS_PLAGES = st.integers(1, 12).flatmap(
    lambda n: st.tuples(*[st.lists(_VALEURS, min_size=n, max_size=n)] * 3)
)


def _cellule(valeur: float) -> float | str:
    """Ce que contient la cellule d'un indicateur : le nombre, ou le texte « non calculable »
    qu'y écrit IAE_PUBLICS (NaN ici)."""
    return NON_CALCULABLE if valeur != valeur else valeur


@settings(max_examples=80, deadline=None)
@given(plages=_TROIS_PLAGES, notation=st.sampled_from(["rang", "minmax"]))
def test_la_fonction_de_feuille_modulation_taux_de_la_definition(plages, notation):
    """`=MODULATION(publics ; effort ; résultats ; plages du groupe ; méthode ; date)`, telle
    que le classeur l'appelle (module xlwings_udfs -> iae_modulation.excel.udfs.MODULATION,
    plages en listes simples, ndim=1) : pour chaque structure du groupe, le taux de la
    définition écrite ici (scores par `score_attendu`, poids 35/40/25, plafond 10 %)."""
    cellules = [[_cellule(v) for v in plage] for plage in plages]
    for position in range(len(plages[0])):
        attendu = taux_attendu(
            [score_attendu(plage[position], plage, notation, "plus") for plage in plages]
        )
        taux = udfs.MODULATION(
            *(plage[position] for plage in cellules),
            *cellules,
            notation,
            dt.date(2026, 1, 1),
        )
        assert not isinstance(taux, str), taux
        assert Decimal(format(taux, ".15g")) == attendu, (position, plages)


def test_taux_d_une_structure_a_la_main():
    # publics rang 1/3 (0), effort rang 2/3 (0,5), résultats rang 3/3 (1) :
    # 10 % × (0,35 × 0 + 0,40 × 0,5 + 0,25 × 1) = 4,5 %
    plage = [0.1, 0.2, 0.3]
    taux = udfs.MODULATION(0.1, 0.2, 0.3, plage, plage, plage, "rang", dt.date(2026, 1, 1))
    assert Decimal(repr(taux)) == Decimal("0.045")


@pytest.mark.parametrize("notation", ["rang", "minmax"])
def test_sens_moins_inverse_le_score(notation):
    codes = np.zeros(3, dtype=int)
    notes = scores.noter(codes, indicateur_de_doubles([0.1, 0.2, 0.4]), notation, "moins")
    attendus = {"rang": [1, Fraction(1, 2), 0], "minmax": [1, Fraction(2, 3), 0]}[notation]
    assert [Fraction(*notes.score(k)) for k in range(3)] == attendus


@pytest.mark.parametrize("notation", ["rang", "minmax"])
@pytest.mark.parametrize(
    "valeurs", [[float("nan")], [0.3], [float("nan"), 0.2], [float("nan"), float("nan")]]
)
def test_seule_calculable_ou_aucune_score_neutre(notation, valeurs):
    """Une table d'une seule structure, ou un groupe où une seule valeur est calculable : 1/2
    pour chacune, sans erreur."""
    notes = scores.noter(
        np.zeros(len(valeurs), dtype=int), indicateur_de_doubles(valeurs), notation
    )
    assert [Fraction(*notes.score(k)) for k in range(len(valeurs))] == [Fraction(1, 2)] * len(
        valeurs
    )


# Les indicateurs eux-mêmes (indicateurs.py), attendus écrits à la main.


@pytest.mark.parametrize(
    ("numerateur", "denominateur", "attendu"),
    [
        ("1", "4", (1, 4)),
        ("3", "1", (3, 1)),
        ("1", "-2.5", (-2, 5)),  # 1 / -2,5 = -2/5 : le signe passe au numérateur
        (None, "5", None),  # numérateur absent, dénominateur présent
        ("5", None, None),
        ("5", "0", None),
    ],
)
def test_ratio_exact_a_un_denominateur_positif(numerateur, denominateur, attendu):
    """(numérateur, dénominateur > 0) exacts (fonctions de feuille IAE_PUBLICS…), ou None."""
    assert (
        ratio_exact(
            None if numerateur is None else Decimal(numerateur),
            None if denominateur is None else Decimal(denominateur),
        )
        == attendu
    )


def _table(**colonnes: list) -> pd.DataFrame:
    """Une table canonique réduite aux colonnes des indicateurs, une structure par valeur."""
    lignes = len(next(iter(colonnes.values())))
    noms = (
        "nb_beneficiaires_minima", "nb_salaries_insertion", "etp_encadrement", "etp_insertion",
        "sorties_emploi_durable", "sorties_emploi_transition", "sorties_positives",
        "sorties_totales",
    )  # fmt: skip
    return pd.DataFrame(
        {
            nom: pd.Series(
                [None if v is None else Decimal(v) for v in colonnes.get(nom, ["1"] * lignes)],
                dtype=object,
            )
            for nom in noms
        }
    )


def test_sorties_dynamiques_une_seule_colonne_renseignee_ou_aucune():
    """Note 2014-04, annexe 2 : sorties dynamiques = durables + transition + positives ; une
    colonne vide compte pour 0, les trois vides : « résultats » non calculable."""
    table = _table(
        sorties_emploi_durable=["2", None, None, None, "1"],
        sorties_emploi_transition=[None, "3", None, None, "2"],
        sorties_positives=[None, None, "4", None, None],
        sorties_totales=["5"] * 5,
    )
    resultats = calculer_indicateurs(table)["resultats"]
    assert resultats.affiches() == [
        Decimal("0.4000"), Decimal("0.6000"), Decimal("0.8000"), None, Decimal("0.6000")
    ]  # fmt: skip
    assert resultats.calculable.tolist() == [True, True, True, False, True]


def test_indicateur_a_28_chiffres_arrondi_exactement_a_4_decimales():
    """Effort 1 / 20 000 = 0,00005 pile : 0,0001 (moitié vers le haut) ; 0,999…9 (20 chiffres)
    / 20 000 = 0,00005 − 5·10⁻²⁵ : 0,0000. Un nombre lu a jusqu'à 28 chiffres (limites.py) et
    tous comptent : ni double ni division flottante dans le calcul."""
    table = _table(
        etp_encadrement=["0.99999999999999999999", "1", "1.00000000000000000001"],
        etp_insertion=["20000"] * 3,
    )
    effort = calculer_indicateurs(table)["effort"]
    assert effort.affiches() == [Decimal("0.0000"), Decimal("0.0001"), Decimal("0.0001")]
