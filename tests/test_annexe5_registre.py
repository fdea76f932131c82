"""Annexe 5 et registre des actes : une campagne lancée deux fois ne produit pas deux décisions
payables ; « annule et remplace » ; numéro sur la décision, son annexe et chaque page ; projets
sans numéro ; données intégrées au format de l'issue 16."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from aides import EXPORT_ACI, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.documents.donnees_integrees import lire_donnees
from iae_modulation.rapprochement import texte_docx
from iae_modulation.registre import EN_VIGUEUR, REMPLACEE, lire_registre
from iae_modulation.sorties import sha256

SIGNES = ["--lieu", "Metz", "--signataire", "Jeanne Martin", "--date", "2026-06-15"]


@pytest.fixture
def livre(calculs, tmp_path):
    """Une copie du grand livre 2026 de la démonstration (son registre est propre au test)."""
    shutil.copytree(calculs[2026].parent, tmp_path / "calcul")
    return tmp_path / "calcul" / "resultats.csv"


def _nets_aci_57(livre) -> dict[str, str]:
    """Les montants nets ACI de la Moselle lus dans le grand livre (module csv), « 1234.56 »."""
    with livre.open(encoding="utf-8-sig", newline="") as fichier:
        return {
            ligne["identifiant"]: ligne["montant_net"].replace(",", ".")
            for ligne in csv.DictReader(fichier, delimiter=";")
            if ligne["type"] == "ACI" and ligne["departement"] == "57"
        }


def _total(nets: dict[str, str]) -> str:
    return str(sum(Decimal(v) for v in nets.values()))


def _annexe5(livre, sortie, *options):
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026"]
    commande += ["--departement", "57", "--resultats", str(livre), "--sortie", str(sortie)]
    return main([*commande, "--sans-pdf", *options])


def test_lancee_deux_fois_une_seule_decision_payable(livre, tmp_path, capsys):
    assert _annexe5(livre, tmp_path / "premier", *SIGNES) == 0
    assert "décision n° 2026-57-ACI-001" in sortie_capturee(capsys)
    # une autre sortie, même grand livre : le registre est à côté du grand livre
    assert _annexe5(livre, tmp_path / "second", *SIGNES) == 2
    message = sortie_capturee(capsys)
    assert "déjà en vigueur : n° 2026-57-ACI-001 du 15 juin 2026" in message
    assert "relancez avec --remplace 2026-57-ACI-001" in message
    assert not (tmp_path / "second").exists()
    (acte,) = lire_registre(livre.parent)
    assert (acte.numero, acte.statut, acte.autorite) == (
        "2026-57-ACI-001",
        EN_VIGUEUR,
        "Le préfet de la Moselle",
    )
    docx = tmp_path / "premier" / "decision_asp_2026_57_ACI.docx"
    assert acte.fichier_docx == "../premier/decision_asp_2026_57_ACI.docx"
    assert acte.sha256_docx == sha256(docx)
    assert acte.grand_livre_sha256 == sha256(livre)
    assert str(acte.total) == _total(_nets_aci_57(livre))


def test_calcul_refait_une_seule_decision_payable(livre, tmp_path, capsys):
    """Le calcul refait dans un dossier voisin (autre méthode, région recalculée) a son propre
    registre : la décision déjà en vigueur au registre du premier calcul y est vue, et la
    seconde décision payable refusée ; elle passe en la remplaçant dans ce registre-là."""
    assert _annexe5(livre, tmp_path / "premier", *SIGNES) == 0
    shutil.copytree(livre.parent, tmp_path / "calcul2", ignore=shutil.ignore_patterns("registre*"))
    refait = tmp_path / "calcul2" / "resultats.csv"
    capsys.readouterr()
    assert _annexe5(refait, tmp_path / "second", *SIGNES) == 2
    message = " ".join(sortie_capturee(capsys).split())
    assert (
        "Décision(s) ACI 2026 déjà en vigueur dans un autre registre des actes de la campagne "
        "(celui d'un autre calcul) : n° 2026-57-ACI-001 du 15 juin 2026"
    ) in message
    assert f"relancez avec --registre {livre.parent.resolve()} --remplace 2026-57-ACI-001" in (
        message
    )
    assert not (tmp_path / "second").exists()
    assert not (tmp_path / "calcul2" / "registre.csv").exists()
    registre = ["--registre", str(livre.parent), "--remplace", "2026-57-ACI-001"]
    assert _annexe5(refait, tmp_path / "second", *SIGNES, *registre) == 0
    ancien, nouveau = lire_registre(livre.parent)
    assert (ancien.statut, nouveau.numero, nouveau.statut) == (
        REMPLACEE,
        "2026-57-ACI-002",
        EN_VIGUEUR,
    )


def test_calcul_refait_remplace_sans_designer_le_registre(livre, tmp_path, capsys):
    """`--remplace` seul suffit après un calcul refait : le registre voisin qui tient la décision
    remplacée est retrouvé (le bouton du classeur n'a que la cellule des numéros), le compte
    rendu le dit, et le rapprochement du dossier ne voit qu'une décision payable."""
    assert _annexe5(livre, tmp_path / "premier", *SIGNES) == 0
    shutil.copytree(livre.parent, tmp_path / "calcul2", ignore=shutil.ignore_patterns("registre*"))
    refait = tmp_path / "calcul2" / "resultats.csv"
    capsys.readouterr()
    assert _annexe5(refait, tmp_path / "second", *SIGNES, "--remplace", "2026-57-ACI-001") == 0
    message = " ".join(sortie_capturee(capsys).split())
    assert (
        f"registre des actes d'un autre calcul de la campagne ({livre.parent.resolve()}"
        "/registre.csv) : c'est lui qui tient la décision remplacée (2026-57-ACI-001)."
    ) in message
    assert "décision n° 2026-57-ACI-002" in message
    ancien, nouveau = lire_registre(livre.parent)
    assert (ancien.statut, ancien.remplacee_par) == (REMPLACEE, "2026-57-ACI-002")
    assert (nouveau.statut, nouveau.remplace) == (EN_VIGUEUR, "2026-57-ACI-001")
    assert not (tmp_path / "calcul2" / "registre.csv").exists()
    texte = texte_docx(tmp_path / "second" / "decision_asp_2026_57_ACI.docx").replace("\u00a0", " ")
    assert "Annule et remplace la décision n° 2026-57-ACI-001 du 15 juin 2026" in texte
    # un numéro qu'aucun registre ne tient : refusé, le message donne la décision en vigueur
    capsys.readouterr()
    assert _annexe5(refait, tmp_path / "t3", *SIGNES, "--remplace", "2026-57-ACI-009") == 2
    message = " ".join(sortie_capturee(capsys).split())
    assert "déjà en vigueur dans un autre registre des actes de la campagne" in message
    assert "--remplace 2026-57-ACI-002 :" in message
    assert not (tmp_path / "t3").exists()


def test_annule_et_remplace(livre, tmp_path, capsys):
    assert _annexe5(livre, tmp_path / "premier", *SIGNES) == 0
    assert _annexe5(livre, tmp_path / "second", *SIGNES, "--remplace", "2026-57-ACI-001") == 0
    ancien, nouveau = lire_registre(livre.parent)
    assert (ancien.statut, ancien.remplacee_par) == (REMPLACEE, "2026-57-ACI-002")
    assert (nouveau.statut, nouveau.remplace) == (EN_VIGUEUR, "2026-57-ACI-001")
    docx = tmp_path / "second" / "decision_asp_2026_57_ACI.docx"
    texte = texte_docx(docx).replace("\u00a0", " ")
    assert "Annule et remplace la décision n° 2026-57-ACI-001 du 15 juin 2026" in texte
    assert "La présente décision annule et remplace la décision n° 2026-57-ACI-001 du 15 juin" in (
        texte
    )
    donnees = lire_donnees(docx)
    assert (donnees["numero"], donnees["remplace"]) == ("2026-57-ACI-002", "2026-57-ACI-001")
    # le numéro remplacé ne sert plus ; un numéro inconnu non plus
    capsys.readouterr()
    assert _annexe5(livre, tmp_path / "t3", *SIGNES, "--remplace", "2026-57-ACI-001") == 2
    assert "déjà été remplacée par la décision n° 2026-57-ACI-002" in sortie_capturee(capsys)
    assert _annexe5(livre, tmp_path / "t4", *SIGNES, "--remplace", "2026-57-ACI-007") == 2
    assert "aucune décision de ce numéro" in sortie_capturee(capsys)
    assert _annexe5(livre, tmp_path / "t5", *SIGNES, "--remplace", "2026-54-ACI-001") == 2
    assert "départements 57 ; le numéro n'en désigne aucune" in sortie_capturee(capsys)
    assert len(lire_registre(livre.parent)) == 2


def test_numero_sur_la_decision_son_annexe_et_chaque_page(livre, tmp_path):
    assert _annexe5(livre, tmp_path / "asp", *SIGNES, "--prefete") == 0
    docx = tmp_path / "asp" / "decision_asp_2026_57_ACI.docx"
    texte = texte_docx(docx).replace("\u00a0", " ")
    assert "DÉCISION DE PAIEMENT\nn° 2026-57-ACI-001" in texte
    assert "PRÉFÈTE DE LA MOSELLE" in texte
    assert "La préfète de la Moselle," in texte
    assert "Direction départementale de l'emploi, du travail et des solidarités (DDETS)" in texte
    assert (
        "Pour la préfète et par délégation,"
        "le directeur départemental de l'emploi, du travail et des solidarités"
    ) in texte.replace("\n", "")
    assert "Annexe à la décision n° 2026-57-ACI-001" in texte
    with zipfile.ZipFile(docx) as archive:
        pieds = [
            archive.read(n).decode("utf-8")
            for n in archive.namelist()
            if n.startswith("word/footer")
        ]
    assert pieds
    for pied in pieds:
        assert "2026" in pied and "ACI" in pied and "001" in pied
        assert " PAGE " in pied and " NUMPAGES " in pied
    tableau = openpyxl.load_workbook(tmp_path / "asp" / "annexe5_2026_57_ACI.xlsx")["Tableau"]
    assert "annexe à la décision n°\u00a02026-57-ACI-001" in tableau["A1"].value


def test_donnees_integrees_au_format_de_l_issue(livre, tmp_path):
    assert _annexe5(livre, tmp_path / "asp", *SIGNES) == 0
    donnees = lire_donnees(tmp_path / "asp" / "decision_asp_2026_57_ACI.docx")
    assert sorted(donnees) == sorted(
        [
            "type",
            "version",
            "numero",
            "remplace",
            "annee",
            "departement",
            "mesure",
            "projet",
            "total",
            "nombre_structures",
            "grand_livre_sha256",
            "lignes",
        ]
    )
    assert (donnees["type"], donnees["version"], donnees["numero"]) == (
        "decision_asp",
        1,
        "2026-57-ACI-001",
    )
    assert (donnees["annee"], donnees["departement"], donnees["projet"]) == (2026, "57", False)
    nets = _nets_aci_57(livre)
    assert donnees["total"] == _total(nets) and donnees["nombre_structures"] == len(nets) == 5
    assert donnees["grand_livre_sha256"] == sha256(livre)
    assert {ligne["identifiant"]: ligne["montant"] for ligne in donnees["lignes"]} == nets
    premiere = donnees["lignes"][0]
    assert sorted(premiere) == [
        "identifiant",
        "montant",
        "montant_module",
        "regularisation",
        "siret",
    ]
    assert premiere["regularisation"] is None and len(premiere["siret"]) == 14
    manifeste = json.loads((tmp_path / "asp" / "manifeste.json").read_text("utf-8"))
    assert manifeste["options"]["numeros"] == {"57": "2026-57-ACI-001"}


def test_projet_sans_numero_et_hors_registre(livre, tmp_path, capsys):
    assert _annexe5(livre, tmp_path / "signe", *SIGNES) == 0
    assert _annexe5(livre, tmp_path / "projet") == 0
    resume = sortie_capturee(capsys)
    assert "signée, ce projet devra être émis avec --remplace 2026-57-ACI-001" in resume
    noms = sorted(p.name for p in (tmp_path / "projet").iterdir())
    assert "PROJET_decision_asp_2026_57_ACI.docx" in noms
    assert "PROJET_annexe5_2026_57_ACI.xlsx" in noms
    docx = tmp_path / "projet" / "PROJET_decision_asp_2026_57_ACI.docx"
    donnees = lire_donnees(docx)
    assert donnees["numero"] is None and donnees["projet"] is True
    assert "n° PROJET (sans numéro)" in texte_docx(docx).replace("\u00a0", " ")
    assert len(lire_registre(livre.parent)) == 1
    assert _annexe5(livre, tmp_path / "p2", "--remplace", "2026-57-ACI-001") == 2
    assert "un projet" in sortie_capturee(capsys)


def test_ddets_pp_refuse_a_paris_et_options_de_l_autorite(livre, tmp_path, capsys):
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026"]
    commande += ["--resultats", str(livre), "--sortie", str(tmp_path / "x"), "--sans-pdf"]
    with pytest.raises(SystemExit):
        main([*commande, "--autorite", "préfecture"])
    assert "« préfecture » inconnue" in sortie_capturee(capsys)
    assert main([*commande, "--autorite", "region", "--departement", "57", *SIGNES]) == 0
    texte = texte_docx(tmp_path / "x" / "decision_asp_2026_57_ACI.docx")
    assert "Le préfet de la région Grand Est," in texte
    assert "Direction régionale de l'économie, de l'emploi, du travail et des solidarités" in texte
