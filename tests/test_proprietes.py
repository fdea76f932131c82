"""Propriétés du calcul, vérifiées sur des campagnes tirées au hasard (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iae_modulation.donnees import valider
from iae_modulation.lecture import TableBrute
from iae_modulation.modulation import OptionsCalcul, calculer_modulation

TYPES = ("EI", "ETTI", "AI", "ACI", "EITI")
DEPARTEMENTS = ("54", "57", "67", "75", "93", "13", "971")


@st.composite
def structure_tiree(draw, numero: int) -> dict[str, str]:
    salaries = draw(st.integers(0, 60))
    # au plus deux sorties par salarié (contrôle de vraisemblance de la lecture)
    sorties = draw(st.integers(0, min(30, 2 * salaries) if salaries else 30))
    # dixièmes d'ETP ; au plus deux ETP par salarié (contrôle de vraisemblance)
    insertion = draw(st.integers(0, min(400, 20 * salaries) if salaries else 400))
    # au plus dix ETP d'encadrement par ETP en insertion (contrôle de vraisemblance)
    encadrement = draw(st.integers(0, min(80, 10 * insertion) if insertion else 80))
    durable = draw(st.integers(0, sorties))
    transition = draw(st.integers(0, sorties - durable))
    positives = draw(st.integers(0, sorties - durable - transition))
    return {
        "identifiant": f"S{numero:05d}",
        "type": draw(st.sampled_from(TYPES)),
        "departement": draw(st.sampled_from(DEPARTEMENTS)),
        "montant_socle": f"{draw(st.integers(0, 50_000_000)) / 100:.2f}",
        "nb_salaries_insertion": str(salaries),
        "nb_beneficiaires_minima": str(draw(st.integers(0, salaries))),
        "etp_encadrement": f"{encadrement / 10}",
        "etp_insertion": f"{insertion / 10}",
        "sorties_totales": str(sorties),
        "sorties_emploi_durable": str(durable),
        "sorties_emploi_transition": str(transition),
        "sorties_positives": str(positives),
    }


@st.composite
def campagne(draw, minimum: int = 1, maximum: int = 40) -> list[dict[str, str]]:
    nombre = draw(st.integers(minimum, maximum))
    return [draw(structure_tiree(i)) for i in range(nombre)]


def donnees(structures: list[dict[str, str]], annee: int = 2026):
    table = pd.DataFrame(structures, dtype=str)
    brute = TableBrute(table, Path("hasard.csv"), None, list(range(2, len(table) + 2)))
    lues = valider(brute, annee)
    assert lues.rapport.est_valide, lues.rapport.texte()
    return lues


ANNEES = tuple(range(2014, 2027))
CENTIME = Decimal("0.01")


def eiti_permise(annee: int) -> bool:
    """Part modulée des EITI trouvée de 2019 à 2024 seulement (docs/parametres.md)."""
    return 2019 <= annee <= 2024


def repli_permis(structure: dict[str, str], annee: int) -> bool:
    """Socle absent, calculé depuis les ETP : un montant socle par ETP est enregistré pour la
    date (pas en 2021 pour AI et ACI, non trouvé ; à Mayotte depuis 2022 ici), hors EITI et
    hors détention (socle propre jusqu'en 2021)."""
    if structure["type"] == "EITI" or structure["milieu_penitentiaire"] == "oui":
        return False
    if structure["departement"] == "976":
        return annee >= 2022
    return not (annee == 2021 and structure["type"] in ("AI", "ACI"))


@st.composite
def campagne_de_toute_sorte(draw, annee: int) -> list[dict[str, str]]:
    """Au moins une structure de chaque sorte que les règles de l'année permettent : chaque
    type (EITI de 2019 à 2024), EI et ACI en détention (depuis 2017), une à Mayotte, une
    sans montant socle ; puis jusqu'à 10 autres au hasard."""
    types = [t for t in TYPES if t != "EITI" or eiti_permise(annee)]
    sortes = [(t, "54", False) for t in types]
    if annee >= 2017:
        sortes += [("EI", "57", True), ("ACI", "67", True)]
    sortes += [(draw(st.sampled_from(["EI", "ETTI", "AI", "ACI"])), "976", False)]
    sortes += [(draw(st.sampled_from(types)), draw(st.sampled_from(DEPARTEMENTS)), False)] * draw(
        st.integers(0, 10)
    )
    structures = []
    for numero, (type_, departement, detention) in enumerate(sortes):
        structure = draw(structure_tiree(numero))
        etp = draw(st.integers(50, 3000))
        # socle nul, ou de 2 500 à 6 000 € par ETP conventionné : moins de dix fois loin de
        # ETP × socle par ETP pour tout type et toute année (AI 2014 sur six mois : 650 € par
        # ETP ; ACI 2026 : 23 921 €), au-delà le socle est refusé comme impossible
        par_etp = draw(st.one_of(st.just(0), st.integers(250_000, 600_000)))
        structure.update(
            type=type_,
            departement=departement,
            milieu_penitentiaire="oui" if detention else "non",
            etp_conventionnes=f"{etp / 100:.2f}",
            montant_socle=f"{etp * par_etp / 10_000:.2f}",
        )
        structures.append(structure)
    sans_socle = [s for s in structures if repli_permis(s, annee)]
    draw(st.randoms()).choice(sans_socle)["montant_socle"] = ""
    return structures


@pytest.mark.parametrize("annee", ANNEES)
@settings(max_examples=12, deadline=None)
@given(data=st.data(), methode=st.sampled_from(["rang", "minmax"]))
def test_tout_taux_de_0_au_plafond_de_sa_structure(annee, data, methode) -> None:
    """Chaque taux va de 0 au plafond de sa structure à la date, quelles que soient la sorte
    de structure et l'année : 5 % pour toutes en 2014 (note 2014-04), 5 % fixes en détention
    de 2017 à 2021, au plus 5 % en détention depuis 2022, au plus 10 % sinon ; le montant
    modulé est le socle × le taux au centime, le socle absent est calculé."""
    structures = data.draw(campagne_de_toute_sorte(annee))
    calcul = calculer_modulation(donnees(structures, annee), OptionsCalcul(annee, methode))
    resultats = calcul.resultats.set_index("identifiant")
    assert set(resultats.index) == {s["identifiant"] for s in structures}, calcul.rapport.texte()
    for structure in structures:
        ligne = resultats.loc[structure["identifiant"]]
        taux, detention = ligne["taux_calcule"], structure["milieu_penitentiaire"] == "oui"
        if annee == 2014 or (detention and annee <= 2021):
            assert taux == Decimal("0.05"), (structure, ligne["motif_taux"])
        else:
            assert Decimal(0) <= taux <= Decimal("0.05" if detention else "0.10"), structure
        socle = ligne["montant_socle"]
        assert (
            socle > 0
            if structure["montant_socle"] == ""
            else socle == Decimal(structure["montant_socle"])
        )
        assert ligne["montant_module"] == (socle * taux).quantize(CENTIME, ROUND_HALF_UP)
        assert 0 <= ligne["montant_module"] <= socle


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=2, max_size=30))
def test_score_moyen_d_un_groupe_calculable_vaut_un_demi(minima) -> None:
    structures = [
        {
            "identifiant": f"A{i}",
            "type": "ACI",
            "departement": "54",
            "montant_socle": "1000",
            "nb_salaries_insertion": "50",
            "nb_beneficiaires_minima": str(m),
            "etp_encadrement": "1",
            "etp_insertion": str(m),
            "sorties_totales": "50",
            "sorties_emploi_durable": str(m),
            "sorties_emploi_transition": "0",
            "sorties_positives": "0",
        }
        for i, m in enumerate(minima)
    ]
    calcul = calculer_modulation(donnees(structures), OptionsCalcul(2026, "rang"))
    for critere in ("score_publics", "score_effort", "score_resultats"):
        scores = [Fraction(s) for s in calcul.resultats[critere]]
        # scores affichés arrondis à 4 décimales : la moyenne exacte est 1/2 à 0,00005 près
        assert abs(sum(scores) / len(scores) - Fraction(1, 2)) <= Fraction(1, 20000)


@settings(max_examples=40, deadline=None)
@given(campagne(minimum=2), st.randoms(use_true_random=False))
def test_l_ordre_des_lignes_ne_change_aucun_resultat(structures, hasard) -> None:
    melangees = list(structures)
    hasard.shuffle(melangees)
    options = OptionsCalcul(2026, "rang")
    avant = calculer_modulation(donnees(structures), options).resultats
    apres = calculer_modulation(donnees(melangees), options).resultats
    colonnes = ["taux_calcule", "montant_module", "motif_taux", "justification"]
    pd.testing.assert_frame_equal(
        avant.set_index("identifiant").sort_index()[colonnes],
        apres.set_index("identifiant").sort_index()[colonnes],
    )


@settings(max_examples=60, deadline=None)
@given(campagne(), st.integers(0, 10_000_000))
def test_une_enveloppe_n_est_jamais_depassee(structures, centimes) -> None:
    lues = donnees(structures)
    enveloppes = {region: Decimal(centimes) / 100 for region in set(lues.table["region"])}
    calcul = calculer_modulation(lues, OptionsCalcul(2026, enveloppes=enveloppes))
    for region, groupe in calcul.resultats.groupby("region"):
        assert sum(groupe["montant_module"], Decimal(0)) <= enveloppes[region]
        assert all(groupe["montant_module"] <= groupe["montant_avant_enveloppe"])
    for bilan in calcul.enveloppes.itertuples():
        assert bilan.reliquat >= 0


@settings(max_examples=40, deadline=None)
@given(campagne(), st.sets(st.integers(0, 39)))
def test_chaque_ligne_est_dans_les_resultats_ou_le_rapport(structures, abimees) -> None:
    for i in abimees & set(range(len(structures))):
        structures[i]["type"] = "INCONNU"
    table = pd.DataFrame(structures, dtype=str)
    lignes = list(range(2, len(table) + 2))
    lues = valider(TableBrute(table, Path("hasard.csv"), None, lignes), 2026)
    calcul = calculer_modulation(lues, OptionsCalcul(2026))
    ligne_de = dict(zip(lues.table["identifiant"], lues.table["ligne_source"], strict=True))
    dans_resultats = {ligne_de[i] for i in calcul.resultats["identifiant"]}
    # les lignes invalides, et celles que les règles de 2026 refusent (EITI : aucune part
    # modulée trouvée depuis 2025)
    dans_rapport = {a.ligne for a in calcul.rapport.anomalies if a.bloquante}
    assert dans_resultats | dans_rapport == set(lignes)
    assert not dans_resultats & dans_rapport
    assert len(calcul.resultats) == len(dans_resultats)
