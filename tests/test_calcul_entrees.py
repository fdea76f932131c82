"""`calculer` sur de mauvaises entrées : année absurde, calcul refusé puis relancé, enveloppes.

Chaque test reproduit un défaut trouvé en relecture (commande lancée telle qu'un agent la tape).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from aides import DONNEES, calculer, empreinte, grand_livre, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.referentiel import probleme_annee_campagne

# --- année de campagne absurde ----------------------------------------------------------------


def test_annee_de_campagne_possible():
    aujourdhui = dt.date(2026, 11, 23)
    assert probleme_annee_campagne(2014, aujourdhui) is None
    assert probleme_annee_campagne(2027, aujourdhui) is None
    assert probleme_annee_campagne(2013, aujourdhui).startswith(
        "Année de campagne 2013 impossible : le montant modulé de l'aide au poste existe "
        "depuis 2014"
    )
    assert "la plus lointaine que l'on puisse préparer aujourd'hui est 2027" in (
        probleme_annee_campagne(2035, aujourdhui)
    )


@pytest.mark.parametrize("annee", [1999, dt.date.today().year + 2])
def test_calculer_refuse_une_annee_absurde(annee, tmp_path, capsys):
    sortie = tmp_path / "resultats"
    assert calculer(sortie, annee) == 2
    assert f"Année de campagne {annee} impossible" in sortie_capturee(capsys)
    assert not sortie.exists()


# --- calcul refusé puis relancé ---------------------------------------------------------------


def _donnees_avec_departement_99(chemin: Path) -> Path:
    lignes = list(csv.reader(DONNEES.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    lignes[2][lignes[0].index("departement")] = "99"
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows(lignes)
    return chemin


def test_refus_cite_anomalies_xlsx_puis_relance_sans_ecraser(tmp_path, capsys):
    mauvaises = _donnees_avec_departement_99(tmp_path / "donnees.csv")
    sortie = tmp_path / "resultats"
    commande = ["calculer", "--annee", "2026", "--sortie", str(sortie)]
    assert main([*commande, str(mauvaises)]) == 2
    texte = sortie_capturee(capsys)
    assert "donnees.csv, ligne 3, colonne « departement » : « 99 »" in texte
    assert f"Le même rapport, avec des filtres : {sortie / 'anomalies.xlsx'}" in texte
    # l'agent corrige son fichier et relance la même commande : pas besoin de --ecraser
    assert main([*commande, str(DONNEES)]) == 0
    assert sorted(p.name for p in sortie.iterdir()) == [
        "manifeste.json",
        "resultats.csv",
        "resultats.xlsx",
    ]


def test_dossier_de_resultats_jamais_remplace_sans_ecraser(calculs, capsys):
    sortie = calculs[2026].parent
    avant = empreinte(calculs[2026])
    assert calculer(sortie, 2026) == 2
    assert "existe déjà" in sortie_capturee(capsys)
    assert empreinte(calculs[2026]) == avant


# --- remarque d'un fichier d'enveloppes ---------------------------------------------------------


def test_remarque_d_enveloppe_pas_rattachee_a_une_structure(tmp_path, capsys):
    """Ligne 2 du fichier d'enveloppes : la remarque allait dans la colonne « anomalies » de la
    structure de la ligne 2 des données (ACI051230010), qui n'a rien à voir."""
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nBretagne;1000\n", encoding="utf-8")
    sortie = tmp_path / "resultats"
    assert calculer(sortie, 2026, "--enveloppes", str(enveloppes)) == 0
    assert (
        "Remarque : (avertissement) enveloppes.csv, ligne 2, colonne « region » : Aucune "
        "structure de la région Bretagne"
    ) in sortie_capturee(capsys)
    resultats = grand_livre(sortie / "resultats.csv").set_index("identifiant")
    # la seule remarque de la structure : 2026 n'a pas d'arrêté enregistré
    assert resultats.loc["ACI051230010", "anomalies"].startswith("ATTENTION : aucun arrêté")
    assert " ; " not in resultats.loc["ACI051230010", "anomalies"]
    assert not resultats["anomalies"].str.contains("Bretagne").any()
