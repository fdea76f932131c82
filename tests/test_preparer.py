"""`iae-modulation preparer` sur des fichiers de l'ASP écrits à la main (noms de colonnes réels,
en-têtes du bilan avec leurs espaces et un nom coupé), sur l'échantillon réel du FluxIAE, et ses
refus. Les valeurs attendues sont écrites à la main, lues dans les fichiers ci-dessous."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from aides import echantillon_avec_fin, sortie_capturee, tailles_sur_papier
from iae_modulation.cli import main
from iae_modulation.lecture import lire_table

ANNEXES = """DEBAnnexeFinanciere07022026_063004|||||||||||||||||
af_id_structure|af_numero_annexe_financiere|af_numero_avenant_renouvellement|\
af_numero_avenant_modification|af_mesure_dispositif_code|af_etat_annexe_financiere_code|\
af_date_debut_effet|af_date_fin_effet|af_etp_postes_insertion|af_montant_total_annuel|\
af_indic_cofinancement|af_mt_cofinance|af_indic_perimetre_milieu_penitentiaire|\
af_etp_encadrement_tech_accomp_sociop_annee_prec|af_etp_trava_non_salaries|\
af_etp_presta_ext_enca_tech_accomp_sociopa_annee_prec|\
af_etp_pers_agrees_pole_emploi_iae_annee_prec|af_description_action
11|ACI051230010|2|0|ACI_DC|HISTORISE|01/01/2026|31/12/2026|8.50|200000.00|true|30000.00|false|\
3.00|0.00|0.00|8.00|x
11|ACI051230010|2|1|ACI_DC|VALIDE|01/01/2026|31/12/2026|9.01|215528.21|true|39256.86|false|\
3.46|0.50|0.25|8.58|un " seul
11|ACI051230010|1|0|ACI_DC|VALIDE|01/01/2025|31/12/2025|9.01|210000.00|true|39000.00|false|\
3.10|0.00|0.00|8.20|
11|FDI051250001|0|0|FDI_DC|VALIDE|01/10/2025|31/12/2026|||false||false|||||
12|EI054260003|0|0|EI_DC|VALIDE|01/01/2026|31/12/2026|4.00|45000.00|false|0.00|false|\
1.00|0.00|0.00|3.90|
12|EI054220007|3|0|EI_DC|VALIDE|01/01/2025|31/12/2025|4.00|44000.00|false|0.00|false|\
1.00|0.00|0.00|3.80|
12|EIPA054260001|0|0|EIPA_DC|VALIDE|01/01/2026|31/12/2026|1.00|5000.00|false||false|||||
13|AI057240002|2|0|AI_DC|PROVISOIRE|01/01/2026|30/06/2026|30.00|24000.00|false||false|\
3.00|||15.00|
13|AI057240002|2|0|AI_DC|PROVISOIRE|01/01/2026|30/06/2026|30.00|24000.00|false||false|\
3.00|||15.00|
14|ACI067250011|1|0|ACI_MP|VALIDE|01/01/2026|31/12/2026|5.00|110000.00|false|0.00|false|\
1.50|0.00|0.00|4.80|
14|ACI067250011|1|1|ACI_MP|SAISI|01/01/2026|31/12/2026|6.00|130000.00|false|0.00|false|\
1.50|0.00|0.00|4.80|
15|ETTI088260002|0|0|ETTI_DC|ANNULE|01/01/2026|31/12/2026|10.00|43000.00|false||false|\
2.00|||9.00|
16|ACI051250004|1|0|ACI_DC|VALIDE|01/01/2026|31/12/2026|7.00|160000,00|false|0.00|false|\
2.00|0.00|0.00|6.00|
17|EITI051260009|0|0|EITI_DC|VALIDE|01/01/2026|31/12/2026|2.50|14000.00|false||false|\
0.50|||2.00|
99|ACI051260099|0|0|ACI_DC|VALIDE|01/01/2026|31/12/2026|6.00|130000.00|false|0.00|false|\
2.00|0.00|0.00|5.50|
FIN15|||||||||||||||||
"""
COLONNES_STRUCTURES = (
    "structure_id_siae",
    "structure_siret_actualise",
    "structure_denomination",
    *(f"structure_adresse_admin_{c}" for c in ("numero", "type_voie", "nom_voie", "cp", "commune")),
    *(
        f"structure_adresse_gestion_{c}"
        for c in (
            "numero",
            "cplt_num_voie",
            "type_voie",
            "nom_voie",
            "cplt_adresse",
            "cp",
            "commune",
        )
    ),
)
GESTION, ADMIN = "structure_adresse_gestion_", "structure_adresse_admin_"
STRUCTURES = (
    {"structure_id_siae": "11", "structure_siret_actualise": "46270107900016",
     "structure_denomination": "Les Jardins de la Vesle", ADMIN + "numero": "1",
     ADMIN + "type_voie": "rue", ADMIN + "nom_voie": "de l'Administration", ADMIN + "cp": "51000",
     ADMIN + "commune": "Châlons", GESTION + "numero": "14", GESTION + "type_voie": "chemin",
     GESTION + "nom_voie": "des Maraîchers", GESTION + "cp": "51100", GESTION + "commune": "Reims"},
    {"structure_id_siae": "12", "structure_siret_actualise": "79831948900026",
     "structure_denomination": "Bâtiment Solidaire", ADMIN + "numero": "3",
     ADMIN + "nom_voie": "Place du Marché", ADMIN + "cp": "57000", ADMIN + "commune": "Metz"},
    {"structure_id_siae": "13", "structure_siret_actualise": "43735569600026",
     "structure_denomination": "Entraide", GESTION + "numero": "27.0",
     GESTION + "cplt_num_voie": "bis", GESTION + "type_voie": "avenue",
     GESTION + "nom_voie": "de Verdun", GESTION + "cplt_adresse": "BP 12", GESTION + "cp": "57100",
     GESTION + "commune": "Thionville"},
    {"structure_id_siae": "14", "structure_siret_actualise": "75183801200076",
     "structure_denomination": "Chantier du Centre de détention", GESTION + "numero": "2",
     GESTION + "type_voie": "rue", GESTION + "nom_voie": "de la Maison d'Arrêt",
     GESTION + "cp": "67000", GESTION + "commune": "Strasbourg"},
    {"structure_id_siae": "17", "structure_siret_actualise": "88888888800011",
     "structure_denomination": "Indépendants Solidaires", GESTION + "numero": "5",
     GESTION + "type_voie": "impasse", GESTION + "nom_voie": "des Lilas", GESTION + "cp": "1000",
     GESTION + "commune": "Bourg-en-Bresse"},
    {"structure_id_siae": "18", "structure_siret_actualise": "12345678900017",
     "structure_denomination": "Structure sans annexe", GESTION + "cp": "51100",
     GESTION + "commune": "Reims"},
)  # fmt: skip
ENTETES_BILAN = (
    "Année",
    "Mesure",
    "Libellé Département",
    "Région",
    "0 - Numéro de l'annexe / avenant",
    "0 - SIRET  ",
    "0 - Dénomination",
    "2 - Nombre total des salariés en insertion ayant travaillé da",
    "2 - Dont femmes ",
    "2 - Dont bénéficiaires du RSA ",
    "2 - Dont bénéficiaires de l'ASS ",
    "2 - Dont bénéficiaires de l'AAH ",
    "2 - Dont résidants en QPV ",
    "2 - Dont résidants en ZRR ",
    "2 - Dont jeunes de moins de 26 ans :",
    "2 - Dont personnes sans emploi de 50 ans et plus :",
    "2 - Dont inscrits à Pôle emploi depuis 12 à 23 mois :",
    "2 - Dont inscrits à Pôle emploi depuis 24 mois et plus:",
    "2 - Dont nombre de personnes reconnues RQTH :",
    "4 - Total des sorties exam",
    "5 - Total des sorties dans l'emploi durable",
    "6 - Total des sorties dans l'emploi de transition",
    "7 - Total des sorties positives",
    "9 - Une colonne que l'outil ne connaît pas",
)
LIGNES_BILAN = (
    (2025, "ACI", "MARNE", "GRAND EST", "ACI 051 23 0010 A1M0", "46270107900016",
     "LES JARDINS DE LA VESLE", 22, 12, 6, 3, 1, 4, 0, 3, 5, 6, 7, 2, 10, 3, 2, 2, 99),
    (2024, "ACI", "MARNE", "GRAND EST", "ACI 051 23 0010 A0M0", "46270107900016",
     "LES JARDINS DE LA VESLE", 30, 15, 9, 3, 1, 4, 0, 3, 5, 6, 7, 2, 14, 3, 2, 2, 99),
    (2025, "EI", "MEURTHE-ET-MOSELLE", "GRAND EST", "EI 054 22 0007 A3M0", "79831948900026",
     "BATIMENT SOLIDAIRE", 9, 2, 2, 0, 1, 1, 1, 2, 1, 2, 1, 0, 4, 1, 1, 0, 99),
    (2025, "AI", "MOSELLE", "GRAND EST", "AI 057 24 0002 A1M0", "43735569600026",
     "ENTRAIDE", 40, 20, 10, 5, 2, 8, 0, 6, 9, 10, 12, 3, 15, 3, 4, 2, 99),
    (2025, "ACI", "BAS-RHIN", "GRAND EST", "ACI 067 25 0011 A0M0", "75183801200076",
     "CHANTIER DU CENTRE DE DETENTION", 12, 0, 5, 1, 7, 2, 0, 1, 2, 3, 4, 1, 6, 1, 1, 1, 99),
    (2025, "ACI", "MARNE", "GRAND EST", "ACI 051 20 0555 A2M0", "51234567800011",
     "ANCIEN CHANTIER", 8, 3, 2, 1, 0, 1, 0, 1, 1, 1, 1, 0, 3, 1, 0, 0, 99),
    (2025, "ACI", "MARNE", "GRAND EST", "n° inconnu", "", "", 5, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 1, 0, 0, 0, 99),
)  # fmt: skip


def ecrire_entrees(dossier: Path) -> dict[str, Path]:
    dossier.mkdir(parents=True, exist_ok=True)
    annexes = dossier / "fluxIAE_AnnexeFinanciere_07022026_063004.csv"
    annexes.write_bytes(ANNEXES.replace("\n", "\r\n").encode("utf-8"))
    structures = dossier / "fluxIAE_Structure_07022026_063004.csv"
    lignes = [
        "DEBStructure07022026_063004" + "|" * (len(COLONNES_STRUCTURES) - 1),
        "|".join(COLONNES_STRUCTURES),
        *("|".join(s.get(c, "") for c in COLONNES_STRUCTURES) for s in STRUCTURES),
        f"FIN{len(STRUCTURES)}" + "|" * (len(COLONNES_STRUCTURES) - 1),
    ]
    structures.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = "Export"
    feuille.append(ENTETES_BILAN)
    for ligne in LIGNES_BILAN:
        feuille.append(ligne)
    bilan = dossier / "DataON_bilan_2025.xlsx"
    classeur.save(bilan)
    return {"annexes": annexes, "structures": structures, "bilan": bilan}


def preparer(entrees: dict[str, Path], sortie: Path, *options: str) -> int:
    arguments = [f"--{role}={chemin}" for role, chemin in entrees.items()]
    return main(["preparer", *arguments, "--annee", "2026", "--sortie", str(sortie), *options])


@pytest.fixture(scope="module")
def preparee(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("preparer")
    assert preparer(ecrire_entrees(base / "asp"), base / "sortie") == 0
    return base / "sortie"


def table(dossier: Path) -> dict[str, dict[str, str]]:
    lue = lire_table(dossier / "donnees.csv").table
    return {ligne["identifiant"]: ligne for ligne in lue.to_dict("records")}


def feuille(dossier: Path, nom: str) -> list[dict]:
    classeur = openpyxl.load_workbook(dossier / "preparation.xlsx", read_only=True)
    lignes = list(classeur[nom].iter_rows(values_only=True))
    return [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]


def test_une_ligne_par_annexe_de_l_annee_valeurs_lues_a_leur_source(preparee: Path) -> None:
    lignes = table(preparee)
    assert list(lignes) == [
        "ACI051230010",
        "EI054260003",
        "AI057240002",
        "ACI067250011",
        "EITI051260009",
        "ACI051260099",
    ]
    aci = lignes["ACI051230010"]
    assert aci == {
        "identifiant": "ACI051230010",
        "siret": "46270107900016",
        "raison_sociale": "Les Jardins de la Vesle",
        "adresse": "14 chemin des Maraîchers",
        "code_postal": "51100",
        "commune": "Reims",
        "type": "ACI",
        "departement": "51",
        "region": "Grand Est",
        "etp_conventionnes": "9,01",
        "etp_realises": "",
        "montant_socle": "215528,21",
        "dont_cofinancement_cd": "39256,86",
        "nb_salaries_insertion": "22",
        "nb_beneficiaires_minima": "10",
        "etp_encadrement": "3,46",
        "etp_insertion": "8,58",
        "sorties_totales": "10",
        "sorties_emploi_durable": "3",
        "sorties_emploi_transition": "2",
        "sorties_positives": "2",
        "milieu_penitentiaire": "non",
        "nb_residents_qpv": "4",
        "nb_residents_zrr": "0",
        "nb_50_ans_et_plus": "5",
        "nb_deld": "6",
        "nb_detld": "7",
        "nb_rqth": "2",
        "nb_femmes": "12",
        "nb_moins_26_ans": "3",
    }
    ei = lignes["EI054260003"]  # n° nouveau en 2026 : bilan 2025 de EI054220007, même structure
    assert (ei["nb_salaries_insertion"], ei["nb_beneficiaires_minima"]) == ("9", "3")
    assert (ei["sorties_totales"], ei["sorties_emploi_durable"]) == ("4", "1")
    assert (ei["adresse"], ei["code_postal"], ei["commune"]) == (
        "3 Place du Marché",
        "57000",
        "Metz",
    )
    ai = lignes["AI057240002"]
    assert (ai["montant_socle"], ai["dont_cofinancement_cd"], ai["etp_encadrement"]) == (
        "24000,00",
        "",
        "3,00",
    )
    assert ai["adresse"] == "27 bis avenue de Verdun, BP 12"
    assert lignes["ACI067250011"]["milieu_penitentiaire"] == "oui"
    assert lignes["ACI067250011"]["nb_beneficiaires_minima"] == "13"  # 5 + 1 + 7, signalé
    eiti = lignes["EITI051260009"]
    assert (eiti["nb_salaries_insertion"], eiti["code_postal"]) == ("", "01000")
    assert (lignes["ACI051260099"]["siret"], lignes["ACI051260099"]["adresse"]) == ("", "")


def test_chaque_ligne_d_annexe_lue_est_retenue_ou_ecartee_avec_son_motif(preparee: Path) -> None:
    ecartees = {(e["Ligne"], e["Motif"]) for e in feuille(preparee, "Écartées")}
    assert ecartees == {
        (3, "remplacée par un avenant plus récent (état HISTORISE)"),
        (5, "dates d'effet hors de l'année 2026"),
        (6, "FDI : fonds départemental d'insertion, ce n'est pas une aide au poste"),
        (8, "dates d'effet hors de l'année 2026"),
        (9, "contrat passerelle (EIPA_DC) : ce n'est pas une aide au poste de la SIAE"),
        (11, "ligne répétée à l'identique (même annexe, même avenant, mêmes valeurs)"),
        (13, "saisie mais pas encore validée (état SAISI)"),
        (14, "annulée (état ANNULE)"),
        (
            15,
            "illisible : fluxIAE_AnnexeFinanciere_07022026_063004.csv, ligne 15, colonne "
            "af_montant_total_annuel : « 160000,00 » n'est pas écrit comme un nombre du "
            "FluxIAE (8.15), ce n'est pas un montant.",
        ),
    }
    retenues = {s["Ligne des annexes"] for s in feuille(preparee, "Sources")}
    assert retenues == {4, 7, 10, 12, 16, 17}
    assert sorted(retenues | {ligne for ligne, _ in ecartees}) == list(range(3, 18))


def test_source_de_chaque_valeur_fichier_ligne_colonne(preparee: Path) -> None:
    """La ligne de chaque fichier d'où viennent les valeurs d'une structure ; la colonne de
    chaque valeur dans « Correspondance » et « Colonnes lues »."""
    sources = {s["Identifiant"]: s for s in feuille(preparee, "Sources")}
    aci = sources["ACI051230010"]
    assert aci["Ligne des annexes"] == 4
    assert aci["Ligne du bilan"] == 2
    assert aci["Ligne des structures"] == 3
    assert aci["Remarques"] == (
        "avenant retenu A2M1 (état VALIDE) ; bilan de l'annexe ACI 051 23 0010 A1M0 ; "
        "RSA 6 + ASS 3 + AAH 1"
    )  # chaque remarque une fois (le bilan n'est plus cité deux fois)
    ei = sources["EI054260003"]
    assert ei["Ligne du bilan"] == 4
    assert "par l'annexe EI054220007 de 2025" in ei["Remarques"]
    assert "adresse ← structure_adresse_admin_numero" in ei["Remarques"]  # pas d'adresse de gestion
    assert sources["EITI051260009"]["Ligne du bilan"] is None
    assert "lu « 01000 »" in sources["EITI051260009"]["Remarques"]
    correspondance = {c["Colonne de la table"]: c for c in feuille(preparee, "Correspondance")}
    assert correspondance["montant_socle"]["Colonne(s) source"].startswith(
        "af_montant_total_annuel"
    )
    assert (
        "« 2 - Dont bénéficiaires du RSA »"
        in correspondance["nb_beneficiaires_minima"]["Colonne(s) source"]
    )
    usages = {
        c["Colonne (telle qu'écrite)"]: c["Usage"] for c in feuille(preparee, "Colonnes lues")
    }
    assert usages["« 2 - Dont bénéficiaires du RSA  »"] == "lue (rsa)"


def test_rapport_imprime_en_8_points_au_moins(preparee: Path) -> None:
    """« Ligne dans fluxIAE_AnnexeFinanciere_07022026_063004.csv », un mot de 44 caractères,
    élargissait sa colonne : « Sources » s'imprimait en 7,6 points ; « Colonne source », en
    dernière colonne, débordait à droite : pied de « À vérifier » en 6,9 points ; ses huit
    colonnes larges l'imprimaient en 6,1 points (issue 16) : problème, fichier et colonne source
    y sont renvoyés à la ligne dans des colonnes plus étroites. Le fichier de chaque colonne
    « Ligne … » est nommé dans « Synthèse »."""
    classeur = openpyxl.load_workbook(preparee / "preparation.xlsx")
    assert [c.value for c in classeur["Sources"][1]] == [
        "Identifiant",
        "Ligne des annexes",
        "Ligne du bilan",
        "Ligne des structures",
        "Remarques",
    ]
    for feuille in classeur:  # texte et pied de page
        assert min(tailles_sur_papier(feuille)) >= 8, feuille.title
    a_verifier = classeur["À vérifier"]
    assert [a_verifier.cell(1, j).value for j in (4, 6, 8)] == [
        "Problème",
        "Fichier",
        "Colonne source",
    ]
    assert all(a_verifier.cell(2, j).alignment.wrap_text for j in (4, 6, 8))
    assert a_verifier["F2"].value == "fluxIAE_AnnexeFinanciere_07022026_063004.csv"
    constats = [c.value for c in classeur["Synthèse"]["A"]]
    for debut in (
        "Lignes d'annexes lues dans fluxIAE_AnnexeFinanciere_07022026_063004.csv",
        "Lignes lues dans le bilan DataON_bilan_2025.xlsx",
        "Structures lues dans fluxIAE_Structure_07022026_063004.csv",
    ):
        assert debut in constats


def test_valeurs_a_verifier_signalees_jamais_corrigees(preparee: Path) -> None:
    signalements = feuille(preparee, "À vérifier")
    par_cle = {(s["Identifiant"], s["Colonne"]): s for s in signalements}
    minima = par_cle[("ACI067250011", "nb_beneficiaires_minima")]
    assert minima["Bloquant pour le calcul"] == "oui"
    assert "13 bénéficiaires de minima sociaux pour 12 salariés" in minima["Problème"]
    assert "une personne peut relever de deux minima" in minima["Problème"]
    periode = [s for s in signalements if s["Identifiant"] == "AI057240002"]
    assert any("du 01/01/2026 au 30/06/2026" in s["Problème"] for s in periode)
    assert any("PROVISOIRE" in s["Problème"] for s in periode)
    assert all(s["Bloquant pour le calcul"] == "non" for s in periode)
    # une EITI de 2026 : aucune part modulée trouvée depuis 2025, « calculer » la refusera
    eiti = par_cle[("EITI051260009", "type")]
    assert eiti["Bloquant pour le calcul"] == "oui"
    assert "EITI refusée pour la campagne 2026" in eiti["Problème"]


def test_presents_dans_une_source_absents_de_l_autre(preparee: Path) -> None:
    constats = {
        (r["Fichier"], r["Annexe ou structure"]): r["Constat"]
        for r in feuille(preparee, "Rapprochement")
    }
    assert (
        "sans ligne de l'année 2025 dans le bilan"
        in constats[("fluxIAE_AnnexeFinanciere_07022026_063004.csv", "EITI051260009")]
    )
    assert (
        "absente du FluxIAE des structures"
        in constats[("fluxIAE_AnnexeFinanciere_07022026_063004.csv", "ACI051260099")]
    )
    assert (
        "aucune annexe de l'année 2026"
        in constats[("DataON_bilan_2025.xlsx", "ACI 051 20 0555 A2M0")]
    )
    assert "n'est pas un numéro d'annexe" in constats[("DataON_bilan_2025.xlsx", "n° inconnu")]
    assert (
        "sans annexe de l'année 2026" in constats[("fluxIAE_Structure_07022026_063004.csv", "18")]
    )


def test_colonnes_du_bilan_inconnues_listees_jamais_devinees(preparee: Path) -> None:
    usages = {
        c["Colonne (telle qu'écrite)"]: c["Usage"] for c in feuille(preparee, "Colonnes lues")
    }
    assert usages["« 9 - Une colonne que l'outil ne connaît pas »"] == (
        "inconnue : ignorée, jamais devinée"
    )
    assert usages["« 0 - SIRET   »"] == "lue (siret)"
    assert usages["« 4 - Total des sorties exam »"] == "lue (sorties_totales)"
    assert "connue, non utilisée" in usages["« Libellé Département »"]


def test_manifeste_et_calculer_accepte_la_table_telle_quelle(preparee, tmp_path, capsys) -> None:
    manifeste = json.loads((preparee / "manifeste.json").read_text("utf-8"))
    assert [e["role"] for e in manifeste["entrees"]] == ["annexes", "bilan", "structures"]
    assert {s["fichier"] for s in manifeste["sorties"]} == {
        "donnees.csv",
        "donnees.xlsx",
        "preparation.xlsx",
    }
    # la table préparée contient une valeur que le calcul refuse (13 minima pour 12 salariés) :
    # calculer la refuse en nommant la ligne, comme le rapport l'annonçait
    assert main(["calculer", str(preparee / "donnees.csv"), "--annee", "2026", "--sortie",
                 str(tmp_path / "refus")]) == 2  # fmt: skip
    assert "donnees.csv, ligne 5, colonne « nb_beneficiaires_minima »" in sortie_capturee(capsys)


def test_valeurs_illisibles_recopiees_et_annoncees_jamais_laissees_vides(tmp_path) -> None:
    """« #N/A » dans le bilan (une formule d'Excel sans valeur) : recopié tel quel dans la table,
    que « calculer » refuse, et annoncé bloquant avec sa source ; une ligne du FluxIAE des
    structures aux valeurs décalées (un « | » dans le nom) n'est pas lue, et c'est dit."""
    entrees = ecrire_entrees(tmp_path / "asp")
    classeur = openpyxl.load_workbook(entrees["bilan"])
    classeur.active.cell(2, ENTETES_BILAN.index("4 - Total des sorties exam") + 1, "#N/A")
    classeur.save(entrees["bilan"])
    texte = entrees["structures"].read_text("utf-8")
    entrees["structures"].write_text(texte.replace("|Entraide|", "|Entr|aide|"), "utf-8")
    assert preparer(entrees, tmp_path / "sortie") == 0
    lignes = table(tmp_path / "sortie")
    assert lignes["ACI051230010"]["sorties_totales"] == "#N/A"
    signalements = {
        (s["Identifiant"], s["Colonne"]): s for s in feuille(tmp_path / "sortie", "À vérifier")
    }
    na = signalements[("ACI051230010", "sorties_totales")]
    assert na["Bloquant pour le calcul"] == "oui" and "erreur d'Excel" in na["Problème"]
    assert (na["Fichier"], na["Ligne"]) == ("DataON_bilan_2025.xlsx", 2)
    assert lignes["AI057240002"]["adresse"] == ""
    constats = {
        (r["Fichier"], r["Ligne"]): r["Constat"]
        for r in feuille(tmp_path / "sortie", "Rapprochement")
    }
    decalee = constats[("fluxIAE_Structure_07022026_063004.csv", 5)]
    assert "champs pour 15 colonnes d'en-tête" in decalee


def test_encadrement_elargi_ajoute_non_salaries_et_prestataires(tmp_path: Path) -> None:
    entrees = ecrire_entrees(tmp_path / "asp")
    assert preparer(entrees, tmp_path / "sortie", "--encadrement-elargi") == 0
    assert table(tmp_path / "sortie")["ACI051230010"]["etp_encadrement"] == "4,21"


def test_sans_bilan_ni_structures_les_colonnes_restent_vides(tmp_path, capsys) -> None:
    entrees = ecrire_entrees(tmp_path / "asp")
    assert preparer({"annexes": entrees["annexes"]}, tmp_path / "sortie") == 0
    aci = table(tmp_path / "sortie")["ACI051230010"]
    assert (aci["siret"], aci["nb_salaries_insertion"], aci["montant_socle"]) == (
        "",
        "",
        "215528,21",
    )
    assert "Sans bilan (--bilan)" in sortie_capturee(capsys)


@pytest.mark.parametrize(
    ("probleme", "message"),
    [
        ("annee", "aucune annexe financière de l'année 2031"),
        ("vue", "c'est la vue « Structure » du FluxIAE"),
        ("bilan_autre_annee", "aucune ligne de l'année 2025"),
        ("bilan_ambigu", "plusieurs colonnes pour une même rubrique"),
        ("tronque", "la dernière ligne « FIN… » manque"),
    ],
)
def test_entrees_refusees_code_2_rien_ecrit(tmp_path, capsys, probleme, message) -> None:
    entrees = ecrire_entrees(tmp_path / "asp")
    options = ["--annee", "2026"]
    if probleme == "annee":
        options = ["--annee", "2027"]
        entrees["annexes"].write_text(ANNEXES.replace("2026", "2031"), encoding="utf-8")
        message = "aucune annexe financière de l'année 2027"
    elif probleme == "vue":
        entrees["annexes"] = entrees["structures"]
    elif probleme in ("bilan_autre_annee", "bilan_ambigu"):
        classeur = openpyxl.load_workbook(entrees["bilan"])
        feuille_ = classeur.active
        if probleme == "bilan_autre_annee":
            for ligne in feuille_.iter_rows(min_row=2):
                ligne[0].value = 2023
        else:
            feuille_.cell(1, len(ENTETES_BILAN) + 1, "2 - Dont bénéficiaires du RSA majoré")
        classeur.save(entrees["bilan"])
    else:
        entrees["annexes"].write_text(ANNEXES.rsplit("FIN", 1)[0], encoding="utf-8")
    arguments = [f"--{role}={chemin}" for role, chemin in entrees.items()]
    code = main(["preparer", *arguments, *options, "--sortie", str(tmp_path / "sortie")])
    assert code == 2
    assert message in sortie_capturee(capsys)
    assert not (tmp_path / "sortie").exists()


@pytest.mark.echantillon
def test_echantillon_reel_du_fluxiae(tmp_path: Path) -> None:
    """Les annexes 2021 de l'échantillon public, lues à la main dans le fichier."""
    code = main(
        ["preparer", "--annexes", str(echantillon_avec_fin(tmp_path)), "--annee", "2021",
         "--sortie", str(tmp_path / "sortie")]
    )  # fmt: skip
    assert code == 0
    lignes = table(tmp_path / "sortie")
    colonnes = (
        "type",
        "departement",
        "etp_conventionnes",
        "montant_socle",
        "dont_cofinancement_cd",
        "etp_encadrement",
        "etp_insertion",
    )
    assert {i: tuple(ligne[c] for c in colonnes) for i, ligne in lignes.items()} == {
        "ACI054210019": ("ACI", "54", "8,86", "182888,12", "6036,21", "1,40", "6,60"),
        "ACI029190009": ("ACI", "29", "17,09", "352771,78", "74681,79", "3,82", "13,49"),
        "AI017200002": ("AI", "17", "33,00", "46101,00", "", "3,52", "14,00"),
        "EI017210016": ("EI", "17", "2,00", "21502,00", "0,00", "0,00", "0,00"),
        "AI092215107": ("AI", "92", "19,00", "26543,00", "", "3,00", "14,80"),
        "ACI972190115": ("ACI", "972", "18,74", "386831,08", "", "2,00", "5,94"),
    }
    ecartees = feuille(tmp_path / "sortie", "Écartées")
    assert len(ecartees) + len(lignes) == 85  # chaque ligne du fichier est comptée
    assert sum(e["Motif"].startswith("FDI") for e in ecartees) == 14
