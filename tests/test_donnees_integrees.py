"""Données intégrées aux documents Word : relues telles qu'écrites, conservées quand le document
est réenregistré par LibreOffice (comme un agent retouche une lettre), jamais dupliquées quand un
modèle est tiré d'un document déjà produit."""

from __future__ import annotations

import subprocess
import zipfile
from decimal import Decimal

import docx
import pytest
from iae_modulation.documents.donnees_integrees import PARTIE, lire_donnees
from iae_modulation.documents.publipostage import ModeleCompile

DONNEES = {
    "type": "decision",
    "numero": "2026-57-ACI-001",
    "total": Decimal("13533.31"),
    "lignes": [{"identifiant": "ACI057000001", "montant": "13533.31"}],
    "nom": "Emmaüs & Co <Moselle>",
}
ATTENDU = {**DONNEES, "total": "13533.31"}


def _modele(chemin):
    document = docx.Document()
    document.add_paragraph("Décision {{ numero }}")
    document.save(str(chemin))
    return chemin


def test_donnees_relues_telles_qu_ecrites(tmp_path):
    modele = ModeleCompile(_modele(tmp_path / "m.docx"))
    sortie = modele.ecrire({"numero": "2026-57-ACI-001"}, tmp_path / "d.docx", donnees=DONNEES)
    assert lire_donnees(sortie) == ATTENDU
    assert docx.Document(str(sortie)).paragraphs[0].text == "Décision 2026-57-ACI-001"
    sans = modele.ecrire({"numero": "x"}, tmp_path / "s.docx")
    assert lire_donnees(sans) is None


def test_modele_tire_d_un_document_produit(tmp_path):
    modele = ModeleCompile(_modele(tmp_path / "m.docx"))
    produit = modele.ecrire({"numero": "1"}, tmp_path / "p.docx", donnees={"total": "1.00"})
    # un agent repart d'une décision produite comme modèle : ses données ne sont pas recopiées
    second = ModeleCompile(produit)
    sortie = second.ecrire({}, tmp_path / "d.docx", donnees={"total": "2.00"})
    with zipfile.ZipFile(sortie) as archive:
        noms = archive.namelist()
        relations = archive.read("word/_rels/document.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    assert noms.count(PARTIE) == 1
    assert relations.count("rIdIaeDonnees") == 1
    assert types.count("itemProps_iae.xml") == 1
    assert lire_donnees(sortie) == {"total": "2.00"}
    assert lire_donnees(second.ecrire({}, tmp_path / "vide.docx")) is None


@pytest.mark.libreoffice
def test_donnees_conservees_apres_reenregistrement(tmp_path):
    modele = ModeleCompile(_modele(tmp_path / "m.docx"))
    sortie = modele.ecrire({"numero": "2026-57-ACI-001"}, tmp_path / "d.docx", donnees=DONNEES)
    resave = tmp_path / "resave"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profil'}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(resave),
            str(sortie),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert lire_donnees(resave / "d.docx") == ATTENDU
