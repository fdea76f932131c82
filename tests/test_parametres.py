"""Paramètres datés : valeur en vigueur, grade de chaque valeur (T, S2, S1, NF), valeurs non
trouvées ou sans objet, règles et mots datés, dossier de paramètres de l'agent, année sans arrêté,
refus des fichiers mal formés (clé en double, date mal formée, référence absente, valeur non
numérique, grade absent)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from iae_modulation.parametres import (
    DOSSIER_PARAMETRES,
    GRADES,
    ErreurParametre,
    annee_sans_arrete,
    charger_parametre,
    en_vigueur,
    montant_socle_etp,
    surcharge,
    surcharge_active,
    tous_les_parametres,
    valeur,
    valeur_ou_sans_objet,
)
from iae_modulation.regles import ReglesDatees

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
        ("EI", JOUR(2020, 12, 31), "10646"),
        ("EI", JOUR(2021, 1, 1), "10751"),
        ("ETTI", JOUR(2021, 1, 1), "4341"),
        ("EI", JOUR(2021, 9, 30), "10751"),
        ("ETTI", JOUR(2020, 1, 1), "4299"),
        ("EITI", JOUR(2022, 1, 1), "5846"),
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


def test_la_valeur_porte_sa_date_sa_reference_et_son_grade():
    socle = montant_socle_etp("aci", JOUR(2018, 6, 1))
    assert socle.debut == JOUR(2018, 1, 1)
    assert socle.unite == "EUR/ETP"
    assert socle.reference_titre.startswith("Arrêté du 5 février 2018 fixant le montant de l'aide")
    assert socle.reference_lien.startswith("https://www.legifrance.gouv.fr/")
    assert socle.grade == "S2" and not socle.lue_dans_le_texte
    assert "Direction[s]" in socle.note and "associationmodeemploi" in socle.note
    assert socle.vers_dict() == {
        "nom": "montant_socle_aci",
        "valeur": "19897",
        "debut": "2018-01-01",
        "unite": "EUR/ETP",
        "reference": {"titre": socle.reference_titre, "lien": socle.reference_lien},
        "grade": "S2",
        "note": socle.note,
        "origine": "paquet",
    }
    lu = montant_socle_etp("EI", JOUR(2019, 3, 1))
    assert (lu.valeur, lu.grade) == (Decimal("10520"), "T")
    assert lu.reference_lien == "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000038200919"


def test_ai_et_aci_sans_aide_au_poste_avant_le_1er_juillet_2014():
    with pytest.raises(
        ErreurParametre, match=r"Montant socle AI : aucune valeur en vigueur au 30/06/2014"
    ):
        montant_socle_etp("AI", JOUR(2014, 6, 30))


def test_eiti_non_trouve_apres_l_arrete_de_2023_erreur_claire():
    with pytest.raises(ErreurParametre) as erreur:
        montant_socle_etp("EITI", JOUR(2023, 12, 31))
    assert str(erreur.value) == (
        "Montant socle EITI inconnu au 31/12/2023 (Arrêté du 28 juillet 2023 : montant non trouvé "
        "(les synthèses consultées ne le donnent pas).) : renseignez la colonne montant_socle."
    )


def test_eiti_2025_sans_objet_le_conseil_une_seule_fois():
    with pytest.raises(ErreurParametre) as erreur:
        montant_socle_etp("EITI", JOUR(2025, 1, 1))
    message = str(erreur.value)
    assert message.startswith("Montant socle EITI sans objet au 01/01/2025 (Sans objet à partir")
    assert message.endswith("Renseignez la colonne montant_socle.)")
    assert message.count("colonne montant_socle") == 1


def test_ai_et_aci_du_1er_janvier_2021_non_trouvees_jamais_devinees():
    for code in ("AI", "ACI"):
        with pytest.raises(ErreurParametre, match=f"Montant socle {code} inconnu au 01/01/2021"):
            montant_socle_etp(code, JOUR(2021, 1, 1))


def test_eiti_sans_montant_pour_1505_heures_a_partir_de_2025():
    with pytest.raises(ErreurParametre, match=r"Montant socle EITI sans objet au 01/01/2025"):
        montant_socle_etp("EITI", JOUR(2025, 1, 1))


def test_etti_2020_en_baisse_reelle_de_deux_sources():
    socle = montant_socle_etp("ETTI", JOUR(2020, 6, 1))
    assert socle.valeur == Decimal("4299")
    assert socle.grade == "S2"
    assert "réelle" in socle.note
    assert socle.vers_dict()["grade"] == "S2"


def test_mayotte_a_ses_propres_montants():
    assert montant_socle_etp("EI", JOUR(2022, 8, 1), mayotte=True).valeur == Decimal("8763")
    assert montant_socle_etp("ACI", JOUR(2022, 12, 31), mayotte=True).valeur == Decimal("16825")
    assert montant_socle_etp("EI", JOUR(2022, 8, 1)).valeur == Decimal("11609")
    series = {
        JOUR(2020, 1, 1): ("8035", "3245", "1044", "15428"),
        JOUR(2021, 10, 1): ("8294", "3349", "1077", "15924"),
        JOUR(2022, 1, 1): ("8369", "3210", "1087", "16067"),
        JOUR(2023, 5, 1): ("9120", "3498", "1185", "17510"),
    }
    for jour, montants in series.items():
        lus = [montant_socle_etp(t, jour, mayotte=True).valeur for t in ("EI", "ETTI", "AI", "ACI")]
        assert lus == [Decimal(m) for m in montants], jour
    assert montant_socle_etp("EI", JOUR(2025, 1, 1), mayotte=True).grade == "S1"
    assert montant_socle_etp("EITI", JOUR(2022, 1, 1), mayotte=True).valeur == Decimal("4412")
    assert montant_socle_etp("EITI", JOUR(2022, 8, 1), mayotte=True).valeur == Decimal("4529")
    with pytest.raises(ErreurParametre, match="Montant socle AI à Mayotte : aucune valeur"):
        montant_socle_etp("AI", JOUR(2015, 6, 1), mayotte=True)
    with pytest.raises(ErreurParametre, match="Montant socle AI à Mayotte inconnu au 01/01/2018"):
        montant_socle_etp("AI", JOUR(2018, 1, 1), mayotte=True)


def test_milieu_penitentiaire_par_periode():
    assert valeur_ou_sans_objet("regle_milieu_penitentiaire", JOUR(2015, 1, 1)).valeur is None
    with pytest.raises(ErreurParametre, match="valeur inconnue au 01/06/2016"):
        valeur("regle_milieu_penitentiaire", JOUR(2016, 6, 1))
    socles = {
        2017: ("6142", "11793"),
        2018: ("6218", "11938"),
        2019: ("6312", "12119"),
        2020: ("6388", "12265"),
    }
    for annee, (ei, aci) in socles.items():
        jour = JOUR(annee, 1, 1)
        assert valeur("regle_milieu_penitentiaire", jour).valeur == "taux_fixe"
        assert valeur("taux_milieu_penitentiaire", jour).valeur == Decimal("0.05")
        assert montant_socle_etp("EI", jour, penitentiaire=True).valeur == Decimal(ei)
        assert montant_socle_etp("ACI", jour, penitentiaire=True).valeur == Decimal(aci)
    octobre = JOUR(2021, 10, 1)
    assert montant_socle_etp("EI", octobre, penitentiaire=True).valeur == Decimal("6593")
    assert montant_socle_etp("ACI", octobre, penitentiaire=True).valeur == Decimal("12658")
    assert valeur("regle_milieu_penitentiaire", JOUR(2022, 1, 1)).valeur == "plafond"
    assert valeur("taux_milieu_penitentiaire", JOUR(2026, 1, 1)).valeur == Decimal("0.05")
    with pytest.raises(ErreurParametre, match="sans objet au 01/01/2022"):
        montant_socle_etp("EI", JOUR(2022, 1, 1), penitentiaire=True)


def test_plafond_des_eiti_par_periode():
    assert valeur_ou_sans_objet("taux_modulation_max_eiti", JOUR(2018, 12, 31)).valeur is None
    assert valeur("taux_modulation_max_eiti", JOUR(2019, 1, 1)).valeur == Decimal("0.10")
    with pytest.raises(ErreurParametre, match="valeur inconnue au 01/01/2025"):
        valeur("taux_modulation_max_eiti", JOUR(2025, 1, 1))
    fin = valeur_ou_sans_objet("taux_modulation_max_eiti", JOUR(2026, 12, 23))
    assert fin.valeur is None and fin.grade == "T" and "huit ans" in fin.note


def test_regle_sans_bloc_en_vigueur_donne_son_motif():
    """Aucun bloc en vigueur (avant le premier) : la règle n'a pas de valeur et son motif est le
    message de `en_vigueur` (`regles._lire`), celui que cite le refus d'une ligne."""
    eiti = ReglesDatees(2013, en_vigueur).eiti
    motif = (
        "Taux maximal du montant modulé des entreprises d'insertion par le travail indépendant "
        "(EITI) : aucune valeur en vigueur au 01/01/2013 (première valeur connue au 01/01/2014, "
        "fichier taux_modulation_max_eiti.yaml)."
    )
    assert (eiti.valeur, eiti.refus) == (None, motif)


@pytest.mark.parametrize(
    ("nom", "jour", "attendu"),
    [
        ("mot_service_regional", JOUR(2021, 3, 31), "(DIRECCTE)"),
        ("mot_service_regional", JOUR(2021, 4, 1), "(DREETS)"),
        ("mot_service_departemental", JOUR(2015, 12, 31), "Unité territoriale"),
        ("mot_service_departemental", JOUR(2016, 1, 1), "Unité départementale"),
        ("mot_service_departemental", JOUR(2021, 4, 1), "(DDETS)"),
        ("mot_organisme_emploi", JOUR(2023, 12, 31), "Pôle emploi"),
        ("mot_organisme_emploi", JOUR(2024, 1, 1), "France Travail"),
        ("mot_instance_departementale_iae", JOUR(2024, 6, 30), "(CDIAE)"),
        ("mot_instance_departementale_iae", JOUR(2024, 7, 1), "comité départemental pour l'emploi"),
        ("mot_recours_en_ligne", JOUR(2018, 11, 30), "« Télérecours citoyens »"),
        ("mot_libelle_minima_sociaux", JOUR(2015, 12, 31), "RSA socle, ASS, AAH"),
        ("mot_libelle_minima_sociaux", JOUR(2016, 1, 1), "RSA, ASS, AAH"),
        ("mot_visa_aide_aci", JOUR(2021, 8, 30), "L. 5132-2 et R. 5132-37 ;"),
        ("mot_visa_aide_aci", JOUR(2021, 8, 31), "L. 5132-2, R. 5132-37 et R. 5132-38 ;"),
        ("mot_visa_aide_etti", JOUR(2026, 1, 1), "R. 5132-10-12 et R. 5132-10-13 ;"),
    ],
)
def test_mots_dates(nom, jour, attendu):
    assert attendu in valeur(nom, jour).valeur


def test_pas_de_telerecours_ni_de_visa_eiti_avant_leur_existence():
    assert valeur_ou_sans_objet("mot_recours_en_ligne", JOUR(2018, 11, 29)).valeur is None
    assert valeur_ou_sans_objet("mot_visa_aide_eiti", JOUR(2018, 12, 21)).valeur is None
    assert "2018-771" in valeur("mot_visa_aide_eiti", JOUR(2018, 12, 22)).valeur
    # ce que la remarque d'une lettre de 2014 en dit (jamais « None »)
    assert valeur_ou_sans_objet("mot_recours_en_ligne", JOUR(2014, 12, 31)).signalement() == (
        "mot_recours_en_ligne au 01/01/2014 = sans objet (rien n'est écrit) (grade S2 : deux "
        "sources secondaires concordantes)"
    )


def test_chaque_valeur_a_un_grade_et_une_note_hors_du_texte():
    for parametre in tous_les_parametres().values():
        for periode in parametre.periodes:
            assert periode.grade in GRADES, (parametre.nom, periode.debut)
            if periode.grade != "T" or periode.valeur is None:
                assert periode.note, (parametre.nom, periode.debut)
            if periode.grade == "NF":
                assert periode.valeur is None, (parametre.nom, periode.debut)


def test_annee_sans_arrete():
    ligne = annee_sans_arrete(2026)
    assert ligne.startswith(
        "ATTENTION : aucun arrêté fixant les montants de l'aide au poste n'est enregistré pour 2026"
    )
    assert "(dernier arrêté enregistré : arrêté du 4 décembre 2024)" in ligne
    assert "--parametres" in ligne
    assert annee_sans_arrete(2027).startswith("ATTENTION") and "2027" in annee_sans_arrete(2027)
    for annee in range(2014, 2026):
        assert annee_sans_arrete(annee) is None, annee


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
    grade: T
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
            VALIDE + "  2015-01-01:\n    valeur: 0.35\n    grade: S2\n    note: deux sources\n"
            "    reference: {titre: T, lien: 'https://x.fr'}\n",
        )
    )
    assert [(p.debut, p.valeur, p.grade) for p in parametre.periodes] == [
        (JOUR(2014, 1, 1), Decimal("10000"), "T"),
        (JOUR(2015, 1, 1), Decimal("0.35"), "S2"),
    ]


def test_refus_date_en_double(tmp_path):
    texte = (
        VALIDE
        + "  2014-01-01:\n    valeur: 9000\n    grade: T\n"
        + "    reference: {titre: T, lien: 'https://x.fr'}\n"
    )
    with pytest.raises(ErreurParametre) as erreur:
        charger_parametre(ecrire(tmp_path, texte))
    message = str(erreur.value)
    assert "essai.yaml" in message
    assert (
        "ligne 10, clé « valeurs > 2014-01-01 » : clé en double (déjà présente ligne 5)" in message
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


@pytest.mark.parametrize(
    ("ancien", "nouveau", "motif"),
    [
        (
            "valeur: 10000\n    grade: T",
            "valeur: null\n    grade: NF",
            r"« valeurs > 2014-01-01 > note » : une note",
        ),
        ("grade: T", "grade: S1", r"« valeurs > 2014-01-01 > note » : une note"),
        ("    grade: T\n", "", r"« valeurs > 2014-01-01 > grade » : grade obligatoire absent"),
        ("grade: T", "grade: S3", r"« S3 » n'est pas un grade"),
        (
            "grade: T",
            "grade: NF\n    note: pas trouvé",
            r"une valeur non trouvée \(grade NF\) s'écrit null",
        ),
        ("grade: T", "grade: T\n    verifie: false", r"« verifie » est remplacé par « grade »"),
        ("unite: EUR/ETP", "unite: texte", r"un texte entre guillemets est attendu"),
    ],
    ids=[
        "null sans note",
        "S1 sans note",
        "grade absent",
        "grade inconnu",
        "NF avec valeur",
        "verifie",
        "texte attendu",
    ],
)
def test_refus_lies_au_grade_et_a_l_unite(tmp_path, ancien, nouveau, motif):
    with pytest.raises(ErreurParametre, match=motif):
        charger_parametre(ecrire(tmp_path, VALIDE.replace(ancien, nouveau)))


def test_unite_texte_lue_en_texte(tmp_path):
    texte = VALIDE.replace("unite: EUR/ETP", "unite: texte")
    lu = charger_parametre(ecrire(tmp_path, texte.replace("valeur: 10000", 'valeur: "DREETS"')))
    assert lu.periodes[0].valeur == "DREETS"


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


# --- dossier de paramètres de l'agent -------------------------------------------------------------

SOCLE_EI_2026 = """\
description: Montant socle EI
unite: EUR/ETP
valeurs:
  2026-01-01:
    valeur: 13500
    grade: S1
    note: Valeur d'essai.
    reference:
      titre: Arrêté d'essai de 2026
      lien: https://exemple.invalid/2026
"""


def dossier_agent(tmp_path, **fichiers):
    dossier = tmp_path / "parametres_agent"
    dossier.mkdir()
    for nom, texte in fichiers.items():
        (dossier / f"{nom}.yaml").write_text(texte, encoding="utf-8")
    return dossier


def test_surcharge_ajoute_une_annee_et_s_efface_apres_usage(tmp_path):
    dossier = dossier_agent(tmp_path, montant_socle_ei=SOCLE_EI_2026)
    with surcharge(dossier) as active:
        lu = montant_socle_etp("EI", JOUR(2026, 3, 1))
        assert (lu.valeur, lu.grade, lu.origine) == (
            Decimal("13500"),
            "S1",
            "parametres_agent/montant_socle_ei.yaml",
        )
        assert montant_socle_etp("EI", JOUR(2025, 6, 1)).valeur == Decimal("13304")
        assert annee_sans_arrete(2026) is None
        assert active.vers_dict()["fichiers"] == [
            {
                "fichier": "montant_socle_ei.yaml",
                "sha256": hashlib.sha256(SOCLE_EI_2026.encode()).hexdigest(),
            }
        ]
    assert surcharge_active() is None
    assert montant_socle_etp("EI", JOUR(2026, 3, 1)).valeur == Decimal("13304")
    assert annee_sans_arrete(2026) is not None


def test_surcharge_remplace_une_valeur_secondaire_et_le_dit(tmp_path):
    texte = SOCLE_EI_2026.replace("2026-01-01", "2025-01-01").replace("13500", "13300")
    with surcharge(dossier_agent(tmp_path, montant_socle_ei=texte)) as active:
        assert montant_socle_etp("EI", JOUR(2025, 6, 1)).valeur == Decimal("13300")
        assert active.remplacements == ("montant_socle_ei au 2025-01-01 (grade S2 du paquet)",)


def test_surcharge_refuse_de_contredire_le_texte_et_les_fichiers_inconnus(tmp_path):
    contredit = SOCLE_EI_2026.replace("2026-01-01", "2019-01-01").replace("13500", "10600")
    dossier = dossier_agent(
        tmp_path,
        montant_socle_ei=contredit,
        montant_socle_fdi=SOCLE_EI_2026,
        taux_modulation_max=SOCLE_EI_2026,
    )
    with pytest.raises(ErreurParametre) as erreur, surcharge(dossier):
        pass
    message = str(erreur.value)
    assert "montant_socle_ei.yaml, bloc 2019-01-01 : 10600 contredit la valeur 10520 du paquet" in (
        message
    )
    assert "montant_socle_fdi.yaml : aucun paramètre de ce nom dans le paquet" in message
    assert "unité « EUR/ETP » au lieu de « fraction »" in message
    assert surcharge_active() is None


def test_surcharge_identique_au_texte_acceptee(tmp_path):
    meme = SOCLE_EI_2026.replace("2026-01-01", "2019-01-01").replace("13500", "10520")
    with surcharge(dossier_agent(tmp_path, montant_socle_ei=meme)):
        assert montant_socle_etp("EI", JOUR(2019, 6, 1)).grade == "T"


def test_surcharge_dossier_absent_ou_vide(tmp_path):
    with (
        pytest.raises(ErreurParametre, match="Dossier de paramètres introuvable"),
        surcharge(tmp_path / "absent"),
    ):
        pass
    (tmp_path / "vide").mkdir()
    with pytest.raises(ErreurParametre, match="aucun fichier .yaml"), surcharge(tmp_path / "vide"):
        pass


def test_chaque_valeur_du_paquet_dans_le_tableau_des_grades():
    """docs/parametres.md, « Les valeurs, une à une » : une ligne par bloc, avec son grade."""
    doc = (Path(__file__).parents[1] / "docs" / "parametres.md").read_text(encoding="utf-8")
    for nom, parametre in tous_les_parametres().items():
        for periode in parametre.periodes:
            debut = f"{periode.debut:%d/%m/%Y}"
            assert f"| `{nom}` | {debut} |" in doc, (nom, debut)
            ligne = next(li for li in doc.splitlines() if li.startswith(f"| `{nom}` | {debut} |"))
            assert f"| {periode.grade} |" in ligne, (nom, debut)
