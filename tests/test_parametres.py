"""Paramètres datés : valeur en vigueur, valeurs inconnues ou non vérifiées, refus des fichiers
mal formés (clé en double, date mal formée, référence absente, valeur non numérique)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from iae_modulation.parametres import (
    DOSSIER_PARAMETRES,
    ErreurParametre,
    charger_parametre,
    montant_socle_etp,
    tous_les_parametres,
    valeur,
)

JOUR = dt.date


@pytest.mark.parametrize(
    ("type_siae", "jour", "attendu"),
    [
        ("EI", JOUR(2014, 1, 1), "10000"),
        ("ETTI", JOUR(2014, 12, 31), "4250"),
        ("ETTI", JOUR(2015, 1, 1), "4284"),
        ("AI", JOUR(2014, 7, 1), "1300"),
        ("ACI", JOUR(2017, 12, 31), "19655"),
        ("ACI", JOUR(2018, 1, 1), "19897"),
        ("ACI", JOUR(2019, 6, 30), "20199"),
        ("EI", JOUR(2021, 9, 30), "10646"),
        ("EI", JOUR(2021, 10, 1), "10988"),
        ("AI", JOUR(2022, 7, 31), "1479"),
        ("AI", JOUR(2022, 8, 1), "1509"),
        ("ACI", JOUR(2023, 5, 1), "23196"),
        ("EITI", JOUR(2024, 10, 31), "6443"),
        ("EITI", JOUR(2024, 11, 1), "6570"),
        ("EI", JOUR(2024, 12, 31), "12459"),
        ("EI", JOUR(2025, 1, 1), "13304"),
    ],
)
def test_montant_socle_en_vigueur_veille_et_jour_du_changement(type_siae, jour, attendu):
    assert montant_socle_etp(type_siae, jour).valeur == Decimal(attendu)


def test_la_valeur_porte_sa_date_et_sa_reference():
    socle = montant_socle_etp("aci", JOUR(2018, 6, 1))
    assert socle.debut == JOUR(2018, 1, 1)
    assert socle.unite == "EUR/ETP"
    assert socle.reference_titre.startswith("Arrêté du 5 février 2018")
    assert socle.reference_lien.startswith("https://www.legifrance.gouv.fr/")
    assert socle.verifie is True
    assert socle.vers_dict() == {
        "nom": "montant_socle_aci",
        "valeur": "19897",
        "debut": "2018-01-01",
        "unite": "EUR/ETP",
        "reference": {"titre": socle.reference_titre, "lien": socle.reference_lien},
        "verifiee": True,
        "note": "",
    }


def test_ai_et_aci_sans_aide_au_poste_avant_le_1er_juillet_2014():
    with pytest.raises(
        ErreurParametre, match=r"Montant socle AI : aucune valeur en vigueur au 30/06/2014"
    ):
        montant_socle_etp("AI", JOUR(2014, 6, 30))


def test_eiti_inconnu_apres_l_arrete_de_2023_erreur_claire():
    with pytest.raises(ErreurParametre) as erreur:
        montant_socle_etp("EITI", JOUR(2023, 12, 31))
    assert str(erreur.value) == (
        "Montant socle EITI inconnu au 31/12/2023 (arrêté du 28 juillet 2023 non transcrit) : "
        "renseignez la colonne montant_socle."
    )


def test_etti_2020_non_verifiee_avec_note():
    socle = montant_socle_etp("ETTI", JOUR(2020, 6, 1))
    assert socle.valeur == Decimal("4299")
    assert socle.verifie is False
    assert "douteuse" in socle.note
    assert socle.vers_dict()["verifiee"] is False


def test_mayotte_a_ses_propres_montants():
    assert montant_socle_etp("EI", JOUR(2022, 8, 1), mayotte=True).valeur == Decimal("8763")
    assert montant_socle_etp("ACI", JOUR(2022, 12, 31), mayotte=True).valeur == Decimal("16825")
    assert montant_socle_etp("EI", JOUR(2022, 8, 1)).valeur == Decimal("11609")
    with pytest.raises(ErreurParametre, match="Montant socle AI à Mayotte : aucune valeur"):
        montant_socle_etp("AI", JOUR(2020, 1, 1), mayotte=True)


def test_type_inconnu_refuse():
    with pytest.raises(ErreurParametre, match="Type de SIAE inconnu « FDI »"):
        montant_socle_etp("FDI", JOUR(2020, 1, 1))


def test_poids_des_criteres_somment_a_un():
    jour = JOUR(2015, 1, 1)
    poids = [valeur(f"poids_{c}", jour).valeur for c in ("publics", "effort", "resultats")]
    assert poids == [Decimal("0.35"), Decimal("0.40"), Decimal("0.25")]
    assert sum(poids) == Decimal("1")


def test_taux_2014_puis_plus_de_taux_forfaitaire_en_2015():
    assert valeur("taux_forfaitaire_2014", JOUR(2014, 12, 31)).valeur == Decimal("0.05")
    with pytest.raises(ErreurParametre, match="pas de valeur applicable au 01/01/2015"):
        valeur("taux_forfaitaire_2014", JOUR(2015, 1, 1))


def test_taux_maximal_et_milieu_penitentiaire():
    assert valeur("taux_modulation_max", JOUR(2024, 1, 1)).valeur == Decimal("0.10")
    assert valeur("taux_milieu_penitentiaire", JOUR(2019, 1, 1)).valeur == Decimal("0.05")


def test_parametre_inconnu_liste_les_disponibles():
    with pytest.raises(ErreurParametre, match="Paramètre inconnu « poids_public ».*poids_publics"):
        valeur("poids_public", JOUR(2015, 1, 1))


def test_tous_les_fichiers_du_dossier_se_chargent():
    fichiers = sorted(p.stem for p in DOSSIER_PARAMETRES.glob("*.yaml"))
    parametres = tous_les_parametres()
    assert sorted(parametres) == fichiers
    assert {"montant_socle_ei", "montant_socle_mayotte_aci", "taux_modulation_max"} <= set(fichiers)
    for nom in fichiers:
        assert charger_parametre(DOSSIER_PARAMETRES / f"{nom}.yaml").periodes


def test_valeurs_lues_en_decimal_exact_sans_float():
    # 0.1 lu via float donnerait 0.1000000000000000055511151231257827…
    assert valeur("taux_modulation_max", JOUR(2020, 1, 1)).valeur.as_tuple() == (0, (1, 0), -2)


VALIDE = """\
description: Essai
unite: EUR/ETP
valeurs:
  2014-01-01:
    valeur: 10000
    reference:
      titre: Arrêté du 6 mars 2014
      lien: https://www.legifrance.gouv.fr/
"""


def ecrire(tmp_path, texte):
    chemin = tmp_path / "essai.yaml"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_fichier_valide_minimal(tmp_path):
    parametre = charger_parametre(
        ecrire(
            tmp_path,
            VALIDE + "  2015-01-01:\n    valeur: 0.35\n"
            "    reference: {titre: T, lien: 'https://x.fr'}\n",
        )
    )
    assert [(p.debut, p.valeur) for p in parametre.periodes] == [
        (JOUR(2014, 1, 1), Decimal("10000")),
        (JOUR(2015, 1, 1), Decimal("0.35")),
    ]


def test_refus_date_en_double(tmp_path):
    texte = (
        VALIDE
        + "  2014-01-01:\n    valeur: 9000\n    reference: {titre: T, lien: 'https://x.fr'}\n"
    )
    with pytest.raises(ErreurParametre) as erreur:
        charger_parametre(ecrire(tmp_path, texte))
    message = str(erreur.value)
    assert "essai.yaml" in message
    assert (
        "ligne 9, clé « valeurs > 2014-01-01 » : clé en double (déjà présente ligne 5)" in message
    )


def test_refus_cle_en_double_dans_un_bloc(tmp_path):
    texte = VALIDE.replace("    valeur: 10000\n", "    valeur: 10000\n    valeur: 11000\n")
    with pytest.raises(ErreurParametre, match=r"« valeurs > 2014-01-01 > valeur » : clé en double"):
        charger_parametre(ecrire(tmp_path, texte))


@pytest.mark.parametrize(
    "date_fausse", ["2014-13-01", "1er janvier 2014", "2014-1-1", "2014-02-30"]
)
def test_refus_date_mal_formee(tmp_path, date_fausse):
    texte = VALIDE.replace("2014-01-01", f'"{date_fausse}"')
    with pytest.raises(ErreurParametre) as erreur:
        charger_parametre(ecrire(tmp_path, texte))
    assert f"clé « valeurs > {date_fausse} » : date mal formée « {date_fausse} »" in str(
        erreur.value
    )


def test_refus_valeur_sans_reference(tmp_path):
    texte = VALIDE.split("    reference:")[0]
    with pytest.raises(ErreurParametre, match=r"« valeurs > 2014-01-01 > reference » : référence"):
        charger_parametre(ecrire(tmp_path, texte))


def test_refus_reference_sans_lien(tmp_path):
    texte = VALIDE.replace("      lien: https://www.legifrance.gouv.fr/\n", "")
    with pytest.raises(ErreurParametre, match=r"« valeurs > 2014-01-01 > reference > lien »"):
        charger_parametre(ecrire(tmp_path, texte))


def test_refus_unite_absente(tmp_path):
    with pytest.raises(ErreurParametre, match=r"clé « unite » : clé obligatoire absente"):
        charger_parametre(ecrire(tmp_path, VALIDE.replace("unite: EUR/ETP\n", "")))


@pytest.mark.parametrize("texte_valeur", ["10 000", "0,35", "dix mille", ".inf"])
def test_refus_valeur_non_numerique(tmp_path, texte_valeur):
    texte = VALIDE.replace("valeur: 10000", f"valeur: {texte_valeur}")
    with pytest.raises(ErreurParametre, match=f"valeur non numérique « {texte_valeur} »"):
        charger_parametre(ecrire(tmp_path, texte))


def test_valeur_inconnue_exige_une_note(tmp_path):
    texte = VALIDE.replace("valeur: 10000", "valeur: null\n    verifie: false")
    with pytest.raises(ErreurParametre, match=r"« valeurs > 2014-01-01 > note » : une note"):
        charger_parametre(ecrire(tmp_path, texte))


def test_tous_les_problemes_signales_en_une_fois(tmp_path):
    texte = VALIDE.replace("unite: EUR/ETP\n", "").replace("2014-01-01", "2014-13-01")
    with pytest.raises(ErreurParametre) as erreur:
        charger_parametre(ecrire(tmp_path, texte))
    message = str(erreur.value)
    assert message.startswith("Fichier de paramètre essai.yaml invalide :")
    assert "« unite »" in message and "date mal formée" in message


def test_syntaxe_yaml_invalide_en_francais(tmp_path):
    with pytest.raises(ErreurParametre, match=r"essai.yaml : syntaxe YAML invalide ligne \d+"):
        charger_parametre(ecrire(tmp_path, VALIDE + "  - liste: [non fermée\n"))
