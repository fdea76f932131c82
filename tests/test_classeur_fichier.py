"""Le classeur sur disque (`excel/fichier.py`) : seules les feuilles touchées sont réécrites, le
reste du paquet (VBA, ruban, graphiques, tableau) est recopié octet pour octet, et un autre
client (openpyxl, LibreOffice) relit ce qui a été écrit."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from aides import classeur_de_campagne
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import macros, paquet
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.resultats import COLONNES_RESULTATS

RACINE = Path(__file__).resolve().parents[1]
GABARIT = RACINE / "templates" / "IAE_modulation.xlsm"


@pytest.fixture
def copie(tmp_path) -> Path:
    return classeur_de_campagne(tmp_path / "campagne.xlsm")


def test_un_calcul_ne_reecrit_que_les_feuilles_qu_il_remplit(copie):
    avant = paquet.lire_parties(copie.read_bytes())
    assert macros.ACTIONS["calculer"](ClasseurFichier(copie)).code == 0
    apres = paquet.lire_parties(copie.read_bytes())
    assert list(apres) == list(avant)  # mêmes parties, même ordre
    changees = {nom for nom in avant if avant[nom] != apres[nom]}
    # Paramètres (dernier calcul), Résultats, Synthèse, Journal (la 8e, après « Simulation »)
    feuilles = {f"xl/worksheets/sheet{i}.xml" for i in (2, 5, 6, 8)}
    assert changees <= feuilles | {"xl/styles.xml"}
    assert feuilles <= changees
    for partie in (paquet.PARTIE_VBA, paquet.PARTIE_RUBAN, "xl/charts/chart1.xml"):
        assert apres[partie] == avant[partie]


def test_ecritures_relues_par_le_fichier_et_par_openpyxl(copie):
    classeur = ClasseurFichier(copie)
    classeur.ecrire_parametre("lieu", "Lyon & Villeurbanne <69>")
    classeur.ecrire_lignes(
        contrat.RESULTATS, 2, [["A", 1.5, None, "=SOMME(A1)"], ["B\x01", 2]], [None, "0.00%"]
    )
    classeur.ajouter_ligne(contrat.JOURNAL, ["2026-03-14 09:30:05", "Essai"])
    classeur.enregistrer()
    relu = ClasseurFichier(copie)
    assert relu.lire_parametre("lieu") == "Lyon & Villeurbanne <69>"
    assert [ligne[:4] for ligne in relu.lire_feuille(contrat.RESULTATS)[1:]] == [
        ["A", 1.5, None, "=SOMME(A1)"],
        ["B", 2.0, None, None],
    ]
    livre = openpyxl.load_workbook(copie)
    resultats = livre[contrat.RESULTATS]
    assert resultats["D2"].value == "=SOMME(A1)" and resultats["D2"].data_type == "s"
    assert resultats["B2"].number_format == "0.00%"
    largeur = openpyxl.utils.get_column_letter(len(COLONNES_RESULTATS))  # ligne d'en-têtes
    assert resultats.dimensions == f"A1:{largeur}3"
    assert [c.value for c in livre[contrat.JOURNAL][2]][:2] == ["2026-03-14 09:30:05", "Essai"]


def test_surlignage_pose_puis_efface_en_gardant_le_format(copie):
    classeur = ClasseurFichier(copie)
    classeur.surligner(contrat.DONNEES, [(2, 12), (3, 7)])  # montant socle, type
    classeur.enregistrer()
    feuille = openpyxl.load_workbook(copie)[contrat.DONNEES]
    assert feuille["L2"].fill.fgColor.rgb.endswith(contrat.COULEUR_SURLIGNAGE)
    assert feuille["L2"].number_format == contrat.FORMAT_EUROS
    classeur = ClasseurFichier(copie)
    classeur.effacer_surlignage(contrat.DONNEES, 2)
    classeur.enregistrer()
    feuille = openpyxl.load_workbook(copie)[contrat.DONNEES]
    assert feuille["L2"].fill.fill_type is None and feuille["G3"].fill.fill_type is None
    assert feuille["L2"].number_format == contrat.FORMAT_EUROS


def test_formule_lue_par_sa_valeur_calculee(copie):
    """Une cellule dont Excel a enregistré la formule et sa valeur : la valeur est lue."""
    parties = paquet.lire_parties(copie.read_bytes())
    feuille = parties["xl/worksheets/sheet2.xml"].decode("utf-8")
    feuille = feuille.replace(
        '<c r="B4" s="5"><v>2026</v></c>', '<c r="B4" s="5"><f>2025+1</f><v>2026</v></c>'
    )
    parties["xl/worksheets/sheet2.xml"] = feuille.encode("utf-8")
    copie.write_bytes(paquet.ecrire_archive(parties))
    assert ClasseurFichier(copie).lire_parametre("annee") == 2026


def test_chaine_de_calcul_retiree_quand_une_feuille_change(copie):
    """Excel reconstruit xl/calcChain.xml ; une chaîne qui cite une cellule réécrite le ferait
    déclarer le classeur « endommagé »."""
    parties = paquet.lire_parties(copie.read_bytes())
    parties["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="B4" i="2"/></calcChain>'
    )
    relations = parties["xl/_rels/workbook.xml.rels"].decode("utf-8")
    parties["xl/_rels/workbook.xml.rels"] = relations.replace(
        "</Relationships>",
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    ).encode("utf-8")
    copie.write_bytes(paquet.ecrire_archive(parties))
    classeur = ClasseurFichier(copie)
    classeur.ecrire_parametre("annee", 2027)
    classeur.enregistrer()
    apres = paquet.lire_parties(copie.read_bytes())
    assert "xl/calcChain.xml" not in apres
    assert b"calcChain" not in apres["xl/_rels/workbook.xml.rels"]


@pytest.mark.libreoffice
def test_libreoffice_ouvre_le_classeur_apres_un_calcul(copie, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert macros.ACTIONS["calculer"](ClasseurFichier(copie)).code == 0
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profil"]
        + ["--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(copie)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    livre = openpyxl.load_workbook(tmp_path / "lo" / "campagne.xlsx")
    assert livre[contrat.RESULTATS]["A2"].value == "ACI051230010"
    assert livre[contrat.JOURNAL]["B2"].value == "Calculer la modulation"
    with zipfile.ZipFile(copie) as archive:
        assert archive.testzip() is None
