"""`iae-modulation simuler` : plusieurs méthodes sur les mêmes données, comparées ; choisir un
scénario, c'est lancer `calculer --methode-fichier` avec son fichier : mêmes montants, au centime,
structure par structure (propriété sur des méthodes tirées au hasard)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from aides import (
    DEMO,
    DONNEES,
    demo_hors_detention,
    grand_livre,
    sortie_capturee,
    tailles_sur_papier,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iae_modulation.campagne import executer_calcul
from iae_modulation.cli import main
from iae_modulation.execution_simulation import executer_simulation
from iae_modulation.fichier_methode import lire_methode
from iae_modulation.methode import methode_par_defaut
from iae_modulation.simulation import Scenario

ENVELOPPES = DEMO / "enveloppes_demo.csv"
POIDS_50 = """nom: Poids 50/30/20
notation: rang
poids: {publics: 50, effort: 30, resultats: 20}
repartition: totale
"""
DEPARTEMENTAL = """nom: Minmax départemental
notation: minmax
groupes: type-departement
repartition: plafond
"""


def methode(dossier: Path, nom: str, texte: str) -> Path:
    chemin = dossier / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def simuler(dossier: Path, *scenarios: str, options: tuple[str, ...] = ()) -> int:
    arguments = ["simuler", str(DONNEES), "--annee", "2026", "--sortie", str(dossier / "sim")]
    for scenario in scenarios:
        arguments += ["--scenario", scenario]
    return main([*arguments, "--enveloppes", str(ENVELOPPES), *options])


def feuille(chemin: Path, nom: str) -> list[dict]:
    """Les lignes d'une feuille (en-têtes en ligne 1), lues par openpyxl."""
    lignes = list(openpyxl.load_workbook(chemin, read_only=True)[nom].values)
    return [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]


def centimes(valeur) -> Decimal:
    return Decimal(str(valeur)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def simulation(tmp_path_factory) -> Path:
    dossier = tmp_path_factory.mktemp("simulation")
    poids = methode(dossier, "poids.yaml", POIDS_50)
    departemental = methode(dossier, "dep.yaml", DEPARTEMENTAL)
    code = simuler(
        dossier, "Note 2014-04=defaut", f"Poids 50/30/20={poids}", f"Départemental={departemental}"
    )
    assert code == 0
    return dossier / "sim"


def test_la_simulation_ecrit_comparaison_fichiers_de_methode_et_manifeste(simulation, capsys):
    assert sorted(p.name for p in simulation.iterdir()) == [
        "manifeste.json",
        "methode_Departemental.yaml",
        "methode_Note_2014-04.yaml",
        "methode_Poids_50_30_20.yaml",
        "simulation.xlsx",
        "synthese_commission.pdf",
    ]
    classeur = openpyxl.load_workbook(simulation / "simulation.xlsx")
    assert classeur.sheetnames == ["Scénarios", "Structures", "Totaux", "Écarts", "Graphiques"]
    assert len(classeur["Graphiques"]._charts) == 3  # taux par scénario ; deux graphiques d'écarts
    structures = feuille(simulation / "simulation.xlsx", "Structures")
    assert len(structures) == 40
    assert "Poids 50/30/20 — écart / Note 2014-04" in structures[0]
    manifeste = json.loads((simulation / "manifeste.json").read_text("utf-8"))
    assert manifeste["commande"] == "simuler"
    assert [s["nom"] for s in manifeste["options"]["scenarios"]] == [
        "Note 2014-04",
        "Poids 50/30/20",
        "Départemental",
    ]
    assert manifeste["options"]["scenarios"][1]["methode"]["contenu"] == POIDS_50
    assert {e["role"] for e in manifeste["entrees"]} == {
        "donnees",
        "enveloppes",
        "methode : Poids 50/30/20",
        "methode : Départemental",
    }


def test_le_fichier_de_methode_d_un_scenario_donne_les_memes_montants_a_calculer(
    simulation, tmp_path
):
    """Choisir un scénario : `calculer --methode-fichier` avec son fichier, mêmes montants."""
    structures = feuille(simulation / "simulation.xlsx", "Structures")
    for nom, fichier in (
        ("Note 2014-04", "methode_Note_2014-04.yaml"),
        ("Poids 50/30/20", "methode_Poids_50_30_20.yaml"),
        ("Départemental", "methode_Departemental.yaml"),
    ):
        sortie = tmp_path / fichier
        arguments = ["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(sortie)]
        arguments += ["--enveloppes", str(ENVELOPPES), "--methode-fichier"]
        assert main([*arguments, str(simulation / fichier)]) == 0
        livre = grand_livre(sortie / "resultats.csv").set_index("identifiant")
        for ligne in structures:
            attendu = livre.loc[ligne["N° d'annexe financière"]]
            assert centimes(ligne[f"{nom} — montant modulé"]) == attendu["montant_module"]
            assert Decimal(str(ligne[f"{nom} — taux effectif"])) == attendu["taux_effectif"]


def test_totaux_par_departement_et_type_et_gagnants(simulation):
    """Les totaux d'un département et d'un type refaits à la main depuis la feuille
    « Structures » ; gagnants et perdants comptés sur les écarts."""
    structures = feuille(simulation / "simulation.xlsx", "Structures")
    totaux = feuille(simulation / "simulation.xlsx", "Totaux")
    aci_51 = [s for s in structures if s["Département"] == "51" and s["Type"] == "ACI"]
    (ligne,) = [t for t in totaux if t["Département"] == "51" and t["Type"] == "ACI"]
    assert ligne["Structures"] == len(aci_51)
    for nom in ("Note 2014-04", "Poids 50/30/20", "Départemental"):
        somme = sum(centimes(s[f"{nom} — montant modulé"]) for s in aci_51)
        assert centimes(ligne[f"{nom} — total modulé"]) == somme
    ecarts = [centimes(s["Départemental — écart / Note 2014-04"]) for s in aci_51]
    assert ligne["Départemental — gagnent / Note 2014-04"] == sum(e > 0 for e in ecarts)
    assert ligne["Départemental — perdent / Note 2014-04"] == sum(e < 0 for e in ecarts)


def test_resume_du_terminal(tmp_path, capsys):
    poids = methode(tmp_path, "poids.yaml", POIDS_50)
    assert simuler(tmp_path, "Note=defaut", f"Poids={poids}") == 0
    sortie = sortie_capturee(capsys).replace("\u00a0", " ")
    assert "2 scénario(s) comparé(s) sur 40 structures, campagne 2026 :" in sortie
    assert "- Poids : " in sortie and "par rapport à « Note » :" in sortie
    assert "Enveloppe Grand Est : 295 600,00 €, utilisée" in sortie
    assert sortie.splitlines()[-1] == (
        "Attention : 40 structure(s) fictive(s) de la démonstration (ex. ACI051230010) sont "
        f"dans la simulation : remplacez-les, dans {DONNEES}, par vos structures avant toute "
        "décision ou notification."
    )


ATTENTION_2026 = (
    "ATTENTION : aucun arrêté fixant les montants de l'aide au poste n'est enregistré pour 2026 ; "
    "les montants et règles en vigueur au 31/12/2025 sont appliqués tels quels (dernier arrêté "
    "enregistré : arrêté du 4 décembre 2024)."
)
NON_LUE = (
    "Valeur non lue dans le texte : taux_milieu_penitentiaire au 01/01/2022 = 0.05 (grade S2 : "
    "deux sources secondaires concordantes)"
)


def test_annee_sans_arrete_dite_au_terminal_au_classeur_et_a_la_commission(tmp_path, capsys):
    """Une simulation 2026 applique les valeurs de 2025 : elle le dit comme `calculer` (ligne
    ATTENTION en tête du résumé), et aussi dans simulation.xlsx et la synthèse de la
    commission, avec les valeurs non lues dans le texte (issue 15, points 4 et 6)."""
    assert simuler(tmp_path, "Note=defaut") == 0
    simulation = tmp_path / "sim"
    sortie = sortie_capturee(capsys).replace("\u00a0", " ")
    assert sortie.startswith(ATTENTION_2026), sortie
    assert NON_LUE in sortie
    # en colonne B : la colonne A, répétée sur chaque page imprimée, reste vide (issue 16)
    scenarios = openpyxl.load_workbook(simulation / "simulation.xlsx")["Scénarios"]
    assert scenarios["B3"].value.startswith(ATTENTION_2026)
    assert (
        scenarios["B7"].value == "Valeur non lue dans le texte : regle_milieu_penitentiaire "
        "au 01/01/2022 = plafond (grade S1 : une seule source)"
    )
    assert scenarios["B8"].value == NON_LUE
    texte = subprocess.run(
        ["pdftotext", str(simulation / "synthese_commission.pdf"), "-"],
        capture_output=True,
        text=True,
    ).stdout
    texte = " ".join(texte.replace("\u00a0", " ").split())
    assert ATTENTION_2026 in texte and NON_LUE in texte
    manifeste = json.loads((simulation / "manifeste.json").read_text("utf-8"))
    assert manifeste["alertes"][0].startswith(ATTENTION_2026)


def test_simulation_2026_avec_dossier_de_parametres_sans_attention(tmp_path, capsys):
    dossier = tmp_path / "parametres_2026"
    dossier.mkdir()
    (dossier / "montant_socle_ei.yaml").write_text(
        "description: Montant socle EI\nunite: EUR/ETP\nvaleurs:\n  2026-01-01:\n"
        "    valeur: 13500\n    grade: T\n    reference:\n      titre: Arrêté d'essai "
        "(texte fictif des tests)\n      lien: https://exemple.invalid/arrete\n",
        encoding="utf-8",
    )
    assert simuler(tmp_path, "Note=defaut", options=("--parametres", str(dossier))) == 0
    sortie = sortie_capturee(capsys)
    assert "ATTENTION" not in sortie
    assert sortie.startswith("1 scénario(s) comparé(s) sur 40 structures, campagne 2026 :")


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        (("A=defaut", "A=defaut"), "Scénarios de même nom : A."),
        (("A=absent.yaml",), "absent.yaml"),
    ],
)
def test_scenarios_refuses(tmp_path, capsys, scenarios, message):
    assert simuler(tmp_path, *scenarios) == 2
    assert message in sortie_capturee(capsys)
    assert not (tmp_path / "sim").exists()


def test_methode_mal_ecrite_refusee_avec_la_ligne(tmp_path, capsys):
    faux = methode(tmp_path, "faux.yaml", "nom: X\npoids: {publics: 50, effort: 30}\nbizarre: 1\n")
    assert simuler(tmp_path, f"X={faux}") == 2
    sortie = sortie_capturee(capsys)
    assert "faux.yaml, clé « bizarre » (ligne 3) : clé inconnue" in sortie
    assert "faux.yaml, clé « poids.resultats » (ligne 2) : le poids du critère « Résultats »" in (
        sortie
    )


def test_pied_de_page_imprime_en_8_points_au_moins(simulation):
    """Le pied de page, écrit « &8 » sur des feuilles réduites à une page de large, s'imprimait
    en 2,7 points (« Scénarios », où l'avertissement de l'année sans arrêté débordait à droite
    du tableau) à 7,8 (issue 16) : sa taille suit l'échelle de chaque feuille. « Scénarios »,
    douze colonnes sur une page de large, s'imprimait en 4,6 points : elle s'imprime par zones,
    le scénario répété à gauche de chaque page, ses textes sur la largeur de la première."""
    classeur = openpyxl.load_workbook(simulation / "simulation.xlsx")
    for feuille in classeur:  # texte et pied de page, trois scénarios
        assert min(tailles_sur_papier(feuille)) >= 8, feuille.title
    scenarios = classeur["Scénarios"]
    assert scenarios.print_title_cols == "$A:$A" and scenarios.print_title_rows == "$4:$4"
    assert [b.id for b in scenarios.col_breaks.brk] == [5, 11]  # F et L commencent une page
    assert [c.value for c in scenarios[4]][:2] == ["Scénario", "Méthode"]
    assert scenarios["B1"].value == "Comparaison de méthodes — campagne 2026"
    assert scenarios["B3"].value.startswith("ATTENTION")
    assert "B3:E3" in scenarios.merged_cells and scenarios["B3"].alignment.wrap_text
    assert all(scenarios.cell(ligne, 1).value is None for ligne in (1, 2, 3))


def test_structures_imprimee_par_zones_l_identite_repetee(simulation):
    """« Structures », une ligne par structure et sept colonnes par scénario comparé, s'imprimait
    sur une page de large : 6,1 points avec trois scénarios (issue 16). Elle s'imprime par zones
    (8,5 points), n° d'annexe et raison sociale répétés à gauche de chaque page, l'en-tête en
    haut ; l'écran montre les mêmes colonnes, figées et filtrées de même."""
    structures = openpyxl.load_workbook(simulation / "simulation.xlsx")["Structures"]
    assert tailles_sur_papier(structures) == (8.5, 8.5)
    assert structures.print_title_cols == "$A:$B" and structures.print_title_rows == "$1:$1"
    assert [b.id for b in structures.col_breaks.brk] == [11]  # L commence la seconde page
    entetes = [c.value for c in structures[1]]
    assert entetes[:2] == ["N° d'annexe financière", "Raison sociale"]
    assert entetes[11] == "Poids 50/30/20 — rang dans le groupe" and len(entetes) == 17
    assert structures.freeze_panes == "C2" and structures.auto_filter.ref == "A1:Q41"
    # « Poids 50/30/20 — rang dans le groupe » en colonne de 8 : six lignes (tronqué à 45 points)
    assert structures.row_dimensions[1].height >= 6 * 12.75


def test_empreinte_sha256_entiere_renvoyee_a_la_ligne(simulation):
    """L'empreinte SHA-256 du fichier de méthode (64 caractères, plus de 60 unités en Arial 10)
    était coupée à 18,5 unités dans sa colonne de 20 : elle passe à la ligne et sa ligne a la
    hauteur de ses quatre lignes (issue 16)."""
    import hashlib

    scenarios = openpyxl.load_workbook(simulation / "simulation.xlsx")["Scénarios"]
    assert scenarios["D4"].value == "SHA-256 de la méthode"
    for ligne, fichier in ((6, "poids.yaml"), (7, "dep.yaml")):
        empreinte = hashlib.sha256((simulation.parent / fichier).read_bytes()).hexdigest()
        assert scenarios.cell(ligne, 4).value == empreinte
        assert scenarios.cell(ligne, 4).alignment.wrap_text
        assert scenarios.row_dimensions[ligne].height >= 4 * 12.75


def test_synthese_pour_la_commission_une_page(simulation):
    pdf = simulation / "synthese_commission.pdf"
    infos = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           1" in infos
    texte = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    texte = " ".join(texte.replace("\u00a0", " ").split())
    assert "Comparaison de méthodes pour la commission – campagne 2026" in texte
    assert (
        "Comparaison de méthodes pour la commission – campagne 2026 Pour l'instance "
        "départementale de l'IAE : commission spécialisée de l'inclusion et de l'insertion par "
        "l'activité économique du comité départemental pour l'emploi. 40 structures" in texte
    )
    assert "« Poids 50/30/20 » par rapport à « Note 2014-04 » :" in texte
    assert "Total modulé par type et par scénario" in texte


def texte_synthese(dossier: Path) -> str:
    texte = subprocess.run(
        ["pdftotext", str(dossier / "synthese_commission.pdf"), "-"],
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(texte.replace("\u00a0", " ").split())


def test_la_synthese_nomme_l_instance_de_la_campagne_lue_dans_les_parametres(tmp_path, capsys):
    """Campagne 2015 : le CDIAE (instruction DGEFP n° 2014-2) ; le mot est celui du paramètre
    `mot_instance_departementale_iae`, qu'un dossier de paramètres peut compléter."""
    donnees = str(demo_hors_detention(tmp_path / "donnees_2015.csv", retirer=True))
    options = ["--annee", "2015", "--scenario", "Note=defaut"]
    assert main(["simuler", donnees, *options, "--sortie", str(tmp_path / "s")]) == 0
    assert (
        "campagne 2015 Pour l'instance départementale de l'IAE : conseil départemental de "
        "l'insertion par l'activité économique (CDIAE). 39 structures"
        in texte_synthese(tmp_path / "s")
    )
    dossier = tmp_path / "parametres"
    dossier.mkdir()
    (dossier / "mot_instance_departementale_iae.yaml").write_text(
        "description: Instance\nunite: texte\nvaleurs:\n  2015-06-01:\n    valeur: CDIAE "
        "de la Moselle\n    grade: T\n    reference:\n      titre: Texte d'essai (fictif)\n"
        "      lien: https://exemple.invalid/cdiae\n",
        encoding="utf-8",
    )
    sortie = ["--sortie", str(tmp_path / "p"), "--parametres", str(dossier)]
    assert main(["simuler", donnees, *options, *sortie]) == 0
    assert "Pour l'instance départementale de l'IAE : CDIAE de la Moselle. 39" in texte_synthese(
        tmp_path / "p"
    )


# --- propriété : simuler un scénario, c'est calculer avec son fichier -------------------------


@st.composite
def scenarios_tires(draw):
    poids = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
    texte = (
        f"nom: Tiré\nnotation: {draw(st.sampled_from(['rang', 'minmax']))}\n"
        f"poids: {{publics: {poids[0]}, effort: {poids[1] - poids[0]}, "
        f"resultats: {100 - poids[1]}}}\n"
        f"groupes: {draw(st.sampled_from(['type-region', 'type-departement']))}\n"
    )
    plafond = draw(st.integers(100, 1000))
    texte += f"plafond: {plafond / 100}\n"
    repartition = draw(st.sampled_from(["plafond", "totale", "taux-moyen"]))
    texte += f"repartition: {repartition}\n"
    if repartition == "taux-moyen":
        texte += f"taux_moyen: {draw(st.integers(1, plafond)) / 100}\n"
    enveloppe = draw(st.integers(100_000, 600_000))
    return texte, enveloppe


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_tires())
def test_simuler_un_scenario_egale_calculer_avec_son_fichier(tire):
    texte, enveloppe = tire
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        enveloppes = dossier / "env.csv"
        enveloppes.write_text(f"region;enveloppe\nGrand Est;{enveloppe}\n", encoding="utf-8")
        fichier = methode(dossier, "tiree.yaml", texte)
        scenarios = [
            Scenario("Défaut", methode_par_defaut()),
            Scenario("Tiré", lire_methode(fichier)),
        ]
        simulation = executer_simulation(
            DONNEES, 2026, scenarios, dossier / "sim", enveloppes=enveloppes
        )
        assert simulation.code_sortie == 0, simulation.resume()
        calcul = executer_calcul(
            DONNEES,
            2026,
            dossier / "calcul",
            methode=lire_methode(dossier / "sim" / "methode_Tire.yaml"),
            enveloppes=enveloppes,
            classeur_xlsx=False,
        )
        assert calcul.code_sortie == 0
        livre = grand_livre(dossier / "calcul" / "resultats.csv").set_index("identifiant")
        for ligne in feuille(dossier / "sim" / "simulation.xlsx", "Structures"):
            attendu = livre.loc[ligne["N° d'annexe financière"]]
            assert centimes(ligne["Tiré — montant modulé"]) == attendu["montant_module"]
