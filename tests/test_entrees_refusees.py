"""Parcours d'un agent sur de mauvaises entrées : message français, code 2, rien d'écrit à moitié.

Chaque test reproduit un défaut trouvé en relecture (commande lancée telle qu'un agent la tape).
"""

from __future__ import annotations

import csv
import shutil

import pytest
from aides import DONNEES, EXPORT_ACI, empreinte, sortie_capturee
from iae_modulation.chemins import DOSSIER_TEMPLATES
from iae_modulation.cli import main
from iae_modulation.excel import macros
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import ErreurEntree

# --- resultats.csv illisible ------------------------------------------------------------------


def test_resultats_csv_vide_refuse_en_francais(tmp_path):
    vide = tmp_path / "resultats.csv"
    vide.write_bytes(b"")
    with pytest.raises(ErreurEntree, match=r"^resultats\.csv : fichier vide"):
        lire_grand_livre(vide)


def test_resultats_csv_reenregistre_par_excel_en_windows_1252(calculs, tmp_path):
    """Excel réenregistre un CSV ouvert en « CSV (séparateur : point-virgule) » en Windows-1252 :
    ce n'est plus le fichier du calcul (refusé), mais il reste lisible si l'agent l'accepte."""
    texte = calculs[2026].read_text(encoding="utf-8-sig")
    copie = tmp_path / "resultats.csv"
    copie.write_bytes(texte.encode("cp1252"))
    with pytest.raises(ErreurEntree, match="manifeste.json du calcul, qui garde son empreinte"):
        lire_grand_livre(copie)
    relu = {
        ligne["identifiant"]: ligne
        for ligne in lire_grand_livre(copie, accepter_modifie=True).lignes
    }
    assert relu["ACI054240010"]["raison_sociale"] == "Solidarité & Réemploi Lorrain"


def test_annexe5_resultats_vides_sans_trace_python(tmp_path, capsys):
    vide = tmp_path / "resultats.csv"
    vide.write_bytes(b"")
    sortie = tmp_path / "asp"
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026"]
    code = main([*commande, "--resultats", str(vide), "--sortie", str(sortie), "--sans-pdf"])
    assert code == 2
    assert "resultats.csv : fichier vide" in sortie_capturee(capsys)
    assert not sortie.exists()


# --- résultats d'une autre campagne -----------------------------------------------------------


def test_annexe5_refuse_les_resultats_d_une_autre_campagne(calculs, tmp_path, capsys):
    sortie = tmp_path / "asp"
    code = main(
        [
            *("annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2025"),
            *("--resultats", str(calculs[2026]), "--sortie", str(sortie), "--sans-pdf"),
        ]
    )
    assert code == 2
    assert (
        "ces résultats sont ceux de la campagne 2026, pas de la campagne 2025 demandée"
    ) in sortie_capturee(capsys)
    assert not sortie.exists()


def test_notifications_refusent_les_resultats_2014_pour_2026(calculs, tmp_path, capsys):
    sortie = tmp_path / "lettres"
    code = main(
        [
            *("notifications", str(calculs[2014]), "--donnees", str(DONNEES)),
            *("--annee", "2026", "--sortie", str(sortie)),
        ]
    )
    assert code == 2
    assert "ces résultats sont ceux de la campagne 2014" in sortie_capturee(capsys)
    assert not sortie.exists()


def test_resultats_2014_reconnus_sans_manifeste(calculs, tmp_path):
    """Sans manifeste voisin (fichier copié ailleurs), l'empreinte ne peut pas être vérifiée :
    refus, sauf acceptation explicite ; la colonne « annee » dit toujours la campagne."""
    copie = tmp_path / "resultats_2014.csv"
    shutil.copy(calculs[2014], copie)
    with pytest.raises(ErreurEntree, match="introuvable à côté de lui"):
        lire_grand_livre(copie, 2014)
    with pytest.raises(ErreurEntree, match=r"ceux de la campagne 2014, pas de la campagne 2026"):
        lire_grand_livre(copie, 2026, accepter_modifie=True)
    livre = lire_grand_livre(copie, 2014, accepter_modifie=True)
    assert len(livre.lignes) == 39 and "modifié après le calcul" in livre.modifie


# --- données des lettres inutilisables --------------------------------------------------------


def test_notifications_refusent_des_donnees_sans_colonne_type(calculs, tmp_path, capsys):
    """Avant : 41 lettres sans adresse, code 0, au lieu de dire que la table est inutilisable."""
    lignes = list(csv.reader(DONNEES.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    colonne = lignes[0].index("type")
    donnees = tmp_path / "donnees.csv"
    with open(donnees, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows(
            [cellule for i, cellule in enumerate(ligne) if i != colonne] for ligne in lignes
        )
    avant = empreinte(donnees)
    sortie = tmp_path / "lettres"
    code = main(
        [
            *("notifications", str(calculs[2026]), "--donnees", str(donnees)),
            *("--annee", "2026", "--sortie", str(sortie)),
        ]
    )
    assert code == 2
    texte = sortie_capturee(capsys)
    assert "donnees.csv : ce ne sont pas les données valides d'un calcul" in texte
    assert "donnees.csv, colonne « type » : colonne obligatoire absente" in texte
    assert not sortie.exists()
    assert empreinte(donnees) == avant


def test_duree_des_notifications_en_francais(calculs, tmp_path, capsys):
    sortie = tmp_path / "lettres"
    code = main(
        [
            *("notifications", str(calculs[2026]), "--donnees", str(DONNEES)),
            *("--annee", "2026", "--sortie", str(sortie), "--sans-pdf"),
        ]
    )
    assert code == 0
    premiere = sortie_capturee(capsys).strip().splitlines()[0]
    assert premiere.startswith("40 lettre(s) de notification écrite(s) sur 40 structure(s), en ")
    duree = premiere.split(", en ")[1].split(" s,")[0]
    assert "," in duree and "." not in duree


# --- année de campagne absurde ----------------------------------------------------------------


def test_annexe5_et_notifications_refusent_1999(calculs, tmp_path, capsys):
    asp, lettres = tmp_path / "asp", tmp_path / "lettres"
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "1999"]
    assert main([*commande, "--taux-forfaitaire", "5", "--sortie", str(asp), "--sans-pdf"]) == 2
    commande = ["notifications", str(calculs[2026]), "--donnees", str(DONNEES)]
    assert main([*commande, "--annee", "1999", "--sortie", str(lettres)]) == 2
    assert sortie_capturee(capsys).count("Année de campagne 1999 impossible") == 2
    assert not asp.exists() and not lettres.exists()


def test_classeur_annee_1999_message_juste(tmp_path):
    """« 1999 » était dit « pas une année » ; 2100 était accepté."""
    copie = tmp_path / "campagne.xlsm"
    shutil.copyfile(DOSSIER_TEMPLATES / "IAE_modulation.xlsm", copie)
    classeur = ClasseurFichier(copie)
    for annee, attendu in (
        ("1999", "Année de campagne 1999 impossible : le montant modulé de l'aide au poste"),
        ("2100", "Année de campagne 2100 impossible"),
    ):
        classeur.ecrire_parametre("annee", annee)
        resultat = macros.ACTIONS["calculer"](classeur)
        assert resultat.code == 2
        assert resultat.message.startswith(
            f"Feuille « Paramètres », « Année de campagne » : {attendu}"
        )


def test_date_impossible_refusee_en_francais(calculs, tmp_path, capsys):
    commande = ["notifications", str(calculs[2026]), "--donnees", str(DONNEES), "--annee", "2026"]
    with pytest.raises(SystemExit) as sortie:
        main([*commande, "--sortie", str(tmp_path / "lettres"), "--date", "2026-13-45"])
    assert sortie.value.code == 2
    assert "« 2026-13-45 » n'est pas une date au format AAAA-MM-JJ" in sortie_capturee(capsys)
