"""Données de démonstration (Grand Est) et générateur national synthétique."""

from __future__ import annotations

import datetime as dt
import importlib.util
import statistics
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from iae_modulation import donnees, parametres
from iae_modulation.campagne import lire_enveloppes
from iae_modulation.modulation import OptionsCalcul, calculer_modulation
from iae_modulation.referentiel import departements, lire_numero_annexe
from iae_modulation.synthetique import (
    COLONNES_CANONIQUES,
    MOTIFS_INVALIDES,
    ecrire_csv,
    ecrire_xlsx,
    generer_donnees_nationales,
)

DEMO = Path(str(resources.files("iae_modulation").joinpath("demo")))
SOCLE_2024_11 = dt.date(2024, 11, 1)


def _dec(texte: str) -> Decimal:
    return Decimal(texte.replace(",", "."))


def _luhn_valide(chiffres: str) -> bool:
    total = 0
    for rang, c in enumerate(reversed(chiffres)):
        n = int(c) * (2 if rang % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _verifier_coherence(table: pd.DataFrame) -> None:
    for ligne in table.itertuples():
        salaries = int(ligne.nb_salaries_insertion)
        assert 0 <= int(ligne.nb_beneficiaires_minima) <= salaries, ligne.identifiant
        dynamiques = (
            int(ligne.sorties_emploi_durable)
            + int(ligne.sorties_emploi_transition)
            + int(ligne.sorties_positives)
        )
        assert dynamiques <= int(ligne.sorties_totales), ligne.identifiant
        assert 0 <= _dec(ligne.dont_cofinancement_cd) <= _dec(ligne.montant_socle)


@pytest.fixture(scope="module")
def nationale() -> pd.DataFrame:
    return generer_donnees_nationales()


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return pd.read_csv(
        DEMO / "donnees_demo.csv", sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )


# --- générateur national -------------------------------------------------------------------------


def test_meme_graine_meme_table_autre_graine_autre_table(nationale):
    pd.testing.assert_frame_equal(nationale, generer_donnees_nationales(4500, graine=2026))
    autre = generer_donnees_nationales(4500, graine=7)
    assert not nationale["montant_socle"].equals(autre["montant_socle"])


def test_colonnes_canoniques_en_texte(nationale):
    assert list(nationale.columns) == list(COLONNES_CANONIQUES)
    assert len(nationale) == 4500
    assert all(isinstance(v, str) for v in nationale.iloc[0])
    assert nationale["etp_conventionnes"].str.fullmatch(r"\d+,\d{2}").all()


def test_101_departements_et_repartition_regionale(nationale):
    assert set(nationale["departement"]) == set(departements())
    attendues = nationale["departement"].map(lambda c: departements()[c].region)
    assert (nationale["region"] == attendues).all()
    par_region = nationale["region"].value_counts()
    assert par_region.index[0] == "Auvergne-Rhône-Alpes"
    assert 470 <= par_region["Auvergne-Rhône-Alpes"] <= 570


def test_identifiants_uniques_au_format_asp(nationale):
    assert nationale["identifiant"].is_unique
    for ligne in nationale.itertuples():
        numero = lire_numero_annexe(ligne.identifiant)
        assert numero is not None, ligne.identifiant
        assert (numero.mesure, numero.departement) == (ligne.type, ligne.departement)
        assert 2023 <= numero.annee <= 2025


def test_proportions_des_types(nationale):
    parts = nationale["type"].value_counts(normalize=True)
    assert 0.45 <= parts["ACI"] <= 0.55
    assert parts["AI"] > parts["EI"] > parts["ETTI"] > 0.05
    # 2026 : aucune part modulée des EITI trouvée depuis 2025, elles seraient refusées
    assert "EITI" not in parts


def test_eiti_dans_une_campagne_qui_les_module():
    parts = generer_donnees_nationales(2000, annee=2024)["type"].value_counts(normalize=True)
    assert parts["ETTI"] > parts["EITI"] > 0.02


def test_numerateurs_coherents_et_siret_valides(nationale):
    _verifier_coherence(nationale)
    assert nationale["siret"].str.fullmatch(r"\d{14}").all()
    assert all(_luhn_valide(s) and _luhn_valide(s[:9]) for s in nationale["siret"])
    assert (nationale.loc[nationale["type"] != "ACI", "dont_cofinancement_cd"] == "0,00").all()
    assert (nationale["sorties_totales"] == "0").any()


def test_montant_socle_egal_etp_fois_socle_en_vigueur(nationale):
    for ligne in nationale.sample(300, random_state=1).itertuples():
        socle = parametres.montant_socle_etp(
            ligne.type, dt.date(2026, 1, 1), mayotte=ligne.departement == "976"
        ).valeur
        assert _dec(ligne.montant_socle) == _dec(ligne.etp_conventionnes) * socle


def test_tailles_typiques(nationale):
    etp = nationale["etp_conventionnes"].map(_dec)
    mediane = {t: statistics.median(etp[nationale["type"] == t]) for t in ("ACI", "AI", "EI")}
    assert 7 <= mediane["ACI"] <= 10
    assert 30 <= mediane["AI"] <= 40
    assert 2 <= mediane["EI"] <= 20


def test_donnees_nationales_valides_pour_la_validation(tmp_path):
    table = generer_donnees_nationales(1000, graine=3)
    chemin = ecrire_csv(table, tmp_path / "nationale.csv")
    lues = donnees.lire_donnees(chemin, 2026)
    assert lues.rapport.est_valide, lues.rapport.texte()
    assert len(lues.table) == 1000


def test_lignes_invalides_injectees_toutes_rejetees(tmp_path):
    table = generer_donnees_nationales(1000, graine=5, part_invalides=0.03)
    injectees = table.attrs["lignes_invalides"]
    assert len(injectees) == 30
    assert set(injectees.values()) == set(MOTIFS_INVALIDES)
    lues = donnees.lire_donnees(ecrire_csv(table, tmp_path / "invalides.csv"), 2026)
    signalees = {a.ligne for a in lues.rapport.bloquantes}
    # Ligne CSV = index + 2 ; l'original de l'identifiant copié est signalé lui aussi.
    attendues = {i + 2 for i in injectees}
    assert attendues <= signalees
    assert len(signalees - attendues) == 1
    assert len(lues.table) == 1000 - len(signalees)


def test_ecrire_csv_comme_excel_francais(tmp_path):
    table = generer_donnees_nationales(150, graine=1)
    table.loc[0, "raison_sociale"] = "=SOMME(A1:A9)"
    chemin = ecrire_csv(table, tmp_path / "sortie" / "n.csv")
    brut = chemin.read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf" + ";".join(COLONNES_CANONIQUES).encode() + b"\r\n")
    relu = pd.read_csv(chemin, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert relu.loc[0, "raison_sociale"] == "'=SOMME(A1:A9)"
    pd.testing.assert_frame_equal(
        relu.drop(columns="raison_sociale"),
        table.drop(columns="raison_sociale"),
        check_dtype=False,
    )
    assert [p.name for p in chemin.parent.iterdir()] == ["n.csv"]


def test_ecrire_xlsx_nombres_exacts_textes_sans_formule(tmp_path):
    table = generer_donnees_nationales(150, graine=1)
    table.loc[0, "raison_sociale"] = "=SOMME(A1:A9)"
    table.loc[1, "siret"] = "01234567890128"
    chemin = ecrire_xlsx(table, tmp_path / "n.xlsx")
    feuille = openpyxl.load_workbook(chemin)["Données SIAE"]
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0] == COLONNES_CANONIQUES
    assert len(lignes) == 151
    colonne = {nom: j for j, nom in enumerate(COLONNES_CANONIQUES)}
    assert feuille.cell(2, colonne["raison_sociale"] + 1).data_type == "s"
    assert lignes[1][colonne["raison_sociale"]] == "=SOMME(A1:A9)"
    assert lignes[2][colonne["siret"]] == "01234567890128"
    assert lignes[1][colonne["departement"]] == table.loc[0, "departement"]
    for i in range(1, 151):
        socle = lignes[i][colonne["montant_socle"]]
        assert Decimal(repr(socle)) == _dec(table.loc[i - 1, "montant_socle"])


def test_ecrire_une_table_deja_typee(tmp_path):
    table = pd.DataFrame(
        {
            "identifiant": ["ACI054250001"],
            "etp_conventionnes": [Decimal("8.40")],
            "etp_realises": [None],
        }
    )
    chemin = ecrire_csv(table, tmp_path / "t.csv")
    assert chemin.read_bytes().decode("utf-8-sig") == (
        "identifiant;etp_conventionnes;etp_realises\r\nACI054250001;8,40;\r\n"
    )
    feuille = openpyxl.load_workbook(ecrire_xlsx(table, tmp_path / "t.xlsx")).active
    assert [c.value for c in feuille[2]] == ["ACI054250001", 8.4, None]


def test_arguments_refuses_en_francais():
    with pytest.raises(ValueError, match="au moins 1"):
        generer_donnees_nationales(0)
    with pytest.raises(ValueError, match="entre 0 et 1"):
        generer_donnees_nationales(10, part_invalides=1.5)


# --- données de démonstration --------------------------------------------------------------------


def test_demo_une_region_cinq_departements(demo):
    assert 36 <= len(demo) <= 45
    assert set(demo["departement"]) == {"51", "54", "57", "67", "88"}
    assert set(demo["region"]) == {"Grand Est"}
    assert list(demo.columns) == list(COLONNES_CANONIQUES)


def test_demo_types_sans_eiti_aci_moitie(demo):
    types = Counter(demo["type"])
    assert types["EITI"] == 0  # 2026 : une EITI serait refusée (aucune part modulée trouvée)
    assert min(types["EI"], types["ETTI"], types["AI"]) >= 4
    assert 0.4 <= types["ACI"] / len(demo) <= 0.6


def test_demo_cas_particuliers(demo):
    def ratios(ligne) -> tuple[Fraction, ...]:
        dynamiques = sum(
            int(ligne[c])
            for c in ("sorties_emploi_durable", "sorties_emploi_transition", "sorties_positives")
        )
        return (
            Fraction(int(ligne["nb_beneficiaires_minima"]), int(ligne["nb_salaries_insertion"])),
            Fraction(_dec(ligne["etp_encadrement"])) / Fraction(_dec(ligne["etp_insertion"])),
            Fraction(dynamiques, int(ligne["sorties_totales"]) or 1),
        )

    cles = Counter((ligne["type"], ratios(ligne)) for _, ligne in demo.iterrows())
    ex_aequo = [cle for cle, nombre in cles.items() if nombre == 2]
    assert len(ex_aequo) == 1 and ex_aequo[0][0] == "ACI"
    assert (demo["sorties_totales"] == "0").sum() == 1
    penitentiaires = demo[demo["milieu_penitentiaire"] == "oui"]
    assert list(penitentiaires["type"]) == ["ACI"]
    assert any(
        "&" in nom and nom != nom.encode("ascii", "ignore").decode()
        for nom in demo["raison_sociale"]
    )


def test_demo_identifiants_siret_et_montants(demo):
    _verifier_coherence(demo)
    assert demo["identifiant"].is_unique
    for ligne in demo.itertuples():
        numero = lire_numero_annexe(ligne.identifiant)
        assert (numero.mesure, numero.departement) == (ligne.type, ligne.departement)
        assert len(ligne.identifiant) == len(ligne.type) + 9
        socle = parametres.montant_socle_etp(ligne.type, SOCLE_2024_11).valeur
        assert _dec(ligne.montant_socle) == _dec(ligne.etp_conventionnes) * socle
        cofinance = _dec(ligne.dont_cofinancement_cd) > 0
        assert cofinance == (ligne.type == "ACI" and ligne.milieu_penitentiaire == "non")
    assert demo["siret"].str.fullmatch(r"\d{14}").all()
    assert demo["siret"].str.startswith("0").sum() == 1
    assert all(_luhn_valide(s) for s in demo["siret"])


def test_demo_valide_pour_la_validation():
    lues = donnees.lire_donnees(DEMO / "donnees_demo.csv", 2026)
    assert lues.rapport.est_valide, lues.rapport.texte()
    assert lues.rapport.anomalies == []
    assert len(lues.table) == 40


def test_demo_enveloppe_inferieure_aux_montants_modules():
    lues_env = lire_enveloppes(DEMO / "enveloppes_demo.csv")
    assert lues_env.anomalies == []
    enveloppes = lues_env.montants
    assert enveloppes == {"Grand Est": Decimal("295600.00")}
    lues = donnees.lire_donnees(DEMO / "donnees_demo.csv", 2026)
    calcul = calculer_modulation(lues, OptionsCalcul(2026, enveloppes=enveloppes))
    bilan = calcul.enveloppes.set_index("region").loc["Grand Est"]
    assert bilan["total_avant_enveloppe"] > Decimal("295600.00")
    assert bilan["total_module"] <= Decimal("295600.00")
    assert sum(calcul.resultats["montant_module"]) == bilan["total_module"]


# --- outils des bancs d'essai --------------------------------------------------------------------


def _outils_bancs():
    chemin = Path(__file__).resolve().parents[1] / "benchmarks" / "outils.py"
    spec = importlib.util.spec_from_file_location("outils_bancs", chemin)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # les dataclasses du module le cherchent là
    spec.loader.exec_module(module)
    return module


def test_rapporter_affiche_la_ligne_et_le_verdict(capsys):
    outils = _outils_bancs()
    assert outils.rapporter("lecture", 0.0841, 0.1) is True
    assert outils.rapporter("calcul", outils.Mesure(0.25, 0.2, 0.3, 3), 0.1) is False
    assert capsys.readouterr().out.splitlines() == [
        "lecture : 0,084 s (cible 0,100 s) OK",
        "calcul : 0,250 s (cible 0,100 s) DÉPASSÉ",
    ]


def test_mesurer_renvoie_mediane_min_max():
    outils = _outils_bancs()
    appels = []
    mesure = outils.mesurer(lambda: appels.append(1), 5)
    assert len(appels) == 5
    assert mesure.minimum <= mesure.mediane <= mesure.maximum
    assert mesure.repetitions == 5
