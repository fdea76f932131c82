"""Le classeur : la méthode choisie dans « Paramètres » (mêmes choix que la ligne de commande) et
le bouton « Comparer des méthodes » (feuille « Simulation »), exécutés sans Excel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from aides import classeur_de_campagne, grand_livre
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import macros
from iae_modulation.excel.fichier import ClasseurFichier
from test_classeur_actions import executer


@pytest.fixture
def copie(tmp_path) -> Path:
    return classeur_de_campagne(tmp_path / "campagne.xlsm")


def grand_livre_du_classeur(chemin: Path):
    dossier = chemin.parent / ClasseurFichier(chemin).lire_parametre("dernier_calcul")
    return grand_livre(dossier / "resultats.csv")


def test_poids_groupes_et_repartition_choisis_dans_les_parametres(copie):
    resultat = executer(
        "calculer",
        copie,
        poids_publics=50,
        poids_effort=30,
        poids_resultats=20,
        groupes="type × département",
        repartition="totale",
        enveloppe=300000,
        region="Grand Est",
    )
    assert resultat.code == 0, resultat.message
    livre = grand_livre_du_classeur(copie)
    assert set(livre["poids_publics"].dropna()) == {Decimal("0.5")}
    assert set(livre["repartition"]) == {"totale"}
    assert "ACI 51" in set(livre["groupe"])
    assert sum(livre["montant_module"]) <= Decimal(300000)
    entree = resultat.entrees[2].replace("\u00a0", " ")
    assert "méthode « Méthode par défaut modifiée (poids publics 50 %, effort 30 %, " in entree


def test_poids_qui_ne_font_pas_100_refuses_sans_rien_ecrire(copie):
    avant = copie.read_bytes()
    resultat = executer("calculer", copie, poids_publics=50, poids_effort=50, poids_resultats=10)
    assert resultat.code == 2
    assert "Feuille « Paramètres » : Méthode refusée" in resultat.message
    assert "la somme des poids fait 110" in resultat.message
    assert not (copie.parent / "IAE_sorties").exists()
    assert copie.read_bytes() == avant  # refusé avant tout travail : classeur inchangé


def test_fichier_de_methode_des_parametres(copie):
    (copie.parent / "ma_methode.yaml").write_text(
        "nom: Région 2027\npoids: {publics: 40, effort: 40, resultats: 20}\n", encoding="utf-8"
    )
    resultat = executer("calculer", copie, methode_fichier="ma_methode.yaml")
    assert resultat.code == 0, resultat.message
    assert set(grand_livre_du_classeur(copie)["methode"]) == {"Région 2027"}
    # les documents disent de quel calcul, et de quelle méthode, ils partent
    lettres = executer("notifications", copie)
    assert "Dernier calcul utilisé : calcul-2026-" in lettres.message
    assert "(méthode « Région 2027 »)" in lettres.message


def test_fichier_et_autres_choix_refuses_ensemble(copie):
    (copie.parent / "m.yaml").write_text("nom: M\n", encoding="utf-8")
    resultat = executer("calculer", copie, methode_fichier="m.yaml", repartition="totale")
    assert resultat.code == 2
    assert "un fichier de méthode et d'autres choix (repartition)" in resultat.message


def test_comparer_des_methodes_ecrit_la_comparaison_et_les_fichiers(copie):
    resultat = executer("comparer", copie, enveloppe=295600, region="Grand Est")
    assert resultat.code == 0, resultat.message
    assert resultat.message.startswith("Attention : 40 structure(s) fictive(s)")
    # 2026 sans arrêté : dit au Journal comme pour « Calculer la modulation » (issue 15)
    assert (
        "\nATTENTION : aucun arrêté fixant les montants de l'aide au poste n'est enregistré "
        "pour 2026 ;" in resultat.message
    )
    lignes = list(
        openpyxl.load_workbook(copie)[contrat.SIMULATION].iter_rows(
            min_row=contrat.LIGNE_RESULTATS_SIMULATION, values_only=True
        )
    )
    assert lignes[1][:3] == ("Scénario", "Total modulé", "Taux moyen")
    noms = [ligne[0] for ligne in lignes[2:5]]
    assert noms == ["Note 2014-04 (référence)", "Poids 50/30/20", "Minmax par département"]
    entete = lignes[6]
    assert entete[:5] == (
        "N° d'annexe financière",
        "Raison sociale",
        "Type",
        "Département",
        "Montant socle",
    )
    structures = lignes[7:]
    assert len(structures) == 40
    simulation = Path(resultat.sorties[0]).parent
    assert (simulation / "simulation.xlsx").is_file()
    assert (simulation / "methode_Poids_50_30_20.yaml").is_file()
    # le scénario retenu, recalculé depuis « Paramètres » : mêmes montants, au centime
    colonne = entete.index("Poids 50/30/20 — montant modulé")
    attendus = {ligne[0]: Decimal(str(ligne[colonne])) for ligne in structures}
    recalcul = executer(
        "calculer",
        copie,
        methode_fichier=str(simulation / "methode_Poids_50_30_20.yaml"),
        enveloppe=295600,
        region="Grand Est",
    )
    assert recalcul.code == 0, recalcul.message
    livre = grand_livre_du_classeur(copie).set_index("identifiant")
    for identifiant, montant in attendus.items():
        assert livre.loc[identifiant, "montant_module"] == montant.quantize(Decimal("0.01"))


def test_scenario_sans_nom_refuse_en_nommant_la_ligne(copie):
    classeur = ClasseurFichier(copie)
    ligne = contrat.LIGNE_ENTETE_SCENARIOS + 4  # la quatrième ligne de scénario, vide
    rangee = [None] * len(contrat.COLONNES_SCENARIOS)
    rangee[3] = 40
    classeur.ecrire_lignes(contrat.SIMULATION, ligne, [rangee])
    resultat = macros.ACTIONS["comparer"](classeur)
    assert resultat.code == 2
    assert f"Feuille « Simulation », ligne {ligne} : donnez un nom au scénario" in (
        resultat.message
    )
