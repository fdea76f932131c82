"""`calculer --precedent` : le taux effectif et le montant modulé de la campagne N − 1, lus dans
son grand livre vérifié, rapprochés sur l'identifiant normalisé ; structures nouvelles et
disparues nommées ; rappel dans la lettre sur option."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from aides import DONNEES, calculer, grand_livre, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.rapprochement import texte_docx

SIGNES = ["--lieu", "Nancy", "--signataire", "Jeanne Martin", "--sans-pdf"]


def lignes_csv(chemin: Path) -> list[dict]:
    with open(chemin, encoding="utf-8-sig", newline="") as fichier:
        return list(csv.DictReader(fichier, delimiter=";"))


@pytest.fixture(scope="module")
def campagnes(tmp_path_factory) -> Path:
    """2025 sans la première structure de la démo et avec une structure disparue depuis ;
    2026 sur la démo entière, avec --precedent."""
    dossier = tmp_path_factory.mktemp("precedent")
    lignes = DONNEES.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    entete, premiere, *autres = lignes
    disparue = autres[0].replace("ACI051240033", "ACI051249999", 1)
    donnees_2025 = dossier / "donnees_2025.csv"
    # l'identifiant écrit en minuscules avec une espace : rapproché sous sa forme normalisée
    autres[1] = autres[1].replace(autres[1].split(";")[0], autres[1].split(";")[0].lower(), 1)
    donnees_2025.write_text("".join([entete, *autres, disparue]), encoding="utf-8-sig")
    assert calculer(dossier / "2025", 2025, donnees=donnees_2025) == 0
    assert calculer(dossier / "2026", 2026, "--precedent", str(dossier / "2025")) == 0
    return dossier


def test_taux_et_montant_de_n_moins_1_au_grand_livre(campagnes, capsys):
    avant = {
        ligne["identifiant"]: ligne for ligne in lignes_csv(campagnes / "2025" / "resultats.csv")
    }
    livre = grand_livre(campagnes / "2026" / "resultats.csv").set_index("identifiant")
    for identifiant, ligne in avant.items():
        if identifiant in livre.index:
            assert livre.loc[identifiant, "montant_precedent"] == Decimal(
                ligne["montant_module"].replace(",", ".")
            )
            assert livre.loc[identifiant, "taux_precedent"] == Decimal(
                ligne["taux_effectif"].replace(",", ".")
            )
    assert livre.loc["ACI051230010", "montant_precedent"] is None  # nouvelle en 2026
    assert livre.loc["ACI051230010", "taux_precedent"] is None


def test_structures_nouvelles_et_disparues_nommees(tmp_path, campagnes, capsys):
    code = calculer(tmp_path / "s", 2026, "--precedent", str(campagnes / "2025" / "resultats.csv"))
    assert code == 0
    sortie = sortie_capturee(capsys)
    assert "Campagne précédente (2025) : 40 structure(s) lue(s)" in sortie
    assert "1 structure(s) nouvelle(s), absente(s) du grand livre 2025 : ACI051230010" in sortie
    assert "1 structure(s) du grand livre 2025 absente(s) des données : ACI051249999" in sortie
    manifeste = json.loads((tmp_path / "s" / "manifeste.json").read_text("utf-8"))
    assert manifeste["options"]["precedent"] == {
        "annee": 2025,
        "nouvelles": ["ACI051230010"],
        "disparues": ["ACI051249999"],
    }
    assert "precedent" in {e["role"] for e in manifeste["entrees"]}


def test_precedent_d_une_autre_annee_refuse(tmp_path, campagnes, capsys):
    code = calculer(tmp_path / "s", 2027, "--precedent", str(campagnes / "2025"))
    assert code == 2
    assert "Campagne précédente (--precedent)" in sortie_capturee(capsys)
    assert not (tmp_path / "s").exists()


def test_precedent_retouche_refuse(tmp_path, campagnes, capsys):
    copie = tmp_path / "2025"
    copie.mkdir()
    for fichier in (campagnes / "2025").iterdir():
        copie.joinpath(fichier.name).write_bytes(fichier.read_bytes())
    texte = (copie / "resultats.csv").read_text(encoding="utf-8-sig")
    (copie / "resultats.csv").write_text(texte.replace(";Reims;", ";Châlons;", 1), "utf-8-sig")
    assert calculer(tmp_path / "s", 2026, "--precedent", str(copie)) == 2
    assert "il a été modifié après le calcul" in sortie_capturee(capsys)


def test_rappel_dans_la_lettre_sur_option(tmp_path, campagnes):
    resultats = campagnes / "2026" / "resultats.csv"
    commande = ["notifications", str(resultats), "--annee", "2026", *SIGNES]
    assert main([*commande, "--sortie", str(tmp_path / "avec"), "--rappel-precedent"]) == 0
    assert main([*commande, "--sortie", str(tmp_path / "sans")]) == 0
    ligne = next(
        ligne
        for ligne in lignes_csv(campagnes / "2025" / "resultats.csv")
        if ligne["identifiant"] == "ACI051240033"
    )
    montant = ligne["montant_module"]
    entiers, decimales = montant.split(",")
    attendu = f"{int(entiers):,}".replace(",", " ") + f",{decimales} €"
    avec = texte_docx(tmp_path / "avec" / "notification_2026-51-ACI-ACI051240033.docx").replace(
        "\u00a0", " "
    )
    assert (
        f"Pour mémoire, au titre de la campagne 2025, votre montant modulé était de {attendu}"
        in (avec)
    )
    sans = texte_docx(tmp_path / "sans" / "notification_2026-51-ACI-ACI051240033.docx")
    assert "Pour mémoire" not in sans
    nouvelle = texte_docx(tmp_path / "avec" / "notification_2026-51-ACI-ACI051230010.docx")
    assert "Pour mémoire" not in nouvelle
