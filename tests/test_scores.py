"""La seule notation des scores (`scores.noter`), vérifiée contre une définition écrite ici à la
main, en fractions, structure par structure : celle de docs/conception.md (« Méthode par défaut »),
pour le calcul de campagne comme pour la fonction de feuille `MODULATION`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from iae_modulation import scores
from iae_modulation.excel import udfs
from iae_modulation.indicateurs import indicateur_de_doubles


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


@given(groupe=_GROUPES, notation=st.sampled_from(["rang", "minmax"]))
def test_la_fonction_de_feuille_note_comme_le_calcul(groupe, notation):
    """`MODULATION` reçoit une valeur et la plage de son groupe : même score, par la même
    fonction, que la structure dans le calcul de toute la table."""
    for valeur in groupe:
        if valeur != valeur:
            continue
        plage = [v for v in groupe if v == v]
        attendu = score_attendu(valeur, groupe, notation, "plus")
        assert Fraction(*udfs._score(valeur, plage, notation)) == attendu


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
