"""Annexe 5 : texte des décisions (Word, PDF), synthèse, FluxIAE réel et démo de bout en bout."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from aides import ECHANTILLON, echantillon_avec_fin
from iae_modulation.annexe5 import demo_annexe5, executer_annexe5
from iae_modulation.campagne import executer_calcul
from iae_modulation.documents.pdf import libreoffice_disponible
from iae_modulation.documents.signature import Signature
from iae_modulation.formats import montant_fr
from iae_modulation.sorties import sha256

DEMO = Path(__file__).resolve().parents[1] / "python" / "iae_modulation" / "demo"
SIGNATURE = Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2026, 6, 15))


def aci_forfaitaire(sortie: Path, pdf: bool):
    return executer_annexe5(
        DEMO / "exports" / "ACI.xlsx",
        "ACI",
        2026,
        sortie,
        departements=["51"],
        taux_forfaitaire=Decimal(5),
        signature=SIGNATURE,
        pdf=pdf,
    )


def test_decision_word_contient_total_nombre_de_structures_et_tableau(tmp_path):
    rapport = aci_forfaitaire(tmp_path / "sortie", pdf=False)
    assert rapport.code_sortie == 0, rapport.erreur
    document = docx.Document(tmp_path / "sortie" / "decision_asp_2026_51_ACI.docx")
    texte = "\n".join(p.text for p in document.paragraphs)
    total = montant_fr(Decimal("38907.51"))  # 5 % de 778 150,13 €, ligne par ligne
    assert f"pour un montant total de {total} (nombre de structures : 4)" in texte
    assert "département 51 – Marne" in texte
    assert "Nancy, le 15 juin 2026" in texte and "Jeanne Martin" in texte
    tableau = document.tables[0]
    assert [c.text for c in tableau.rows[0].cells][-2:] == [
        "Montant total de l'aide au poste",
        "Montant prévu modulation",
    ]
    assert [c.text for c in tableau.rows[1].cells][-1] == montant_fr(Decimal("10776.41"))
    assert [c.text for c in tableau.rows[-1].cells][-1] == total
    assert len(tableau.rows) == 1 + 4 + 1  # en-tête, 4 structures, total


@pytest.mark.skipif(not libreoffice_disponible(), reason="LibreOffice absent (la CI l'installe)")
def test_decision_pdf_contient_total_et_nombre_de_structures(tmp_path):
    from pypdf import PdfReader

    rapport = aci_forfaitaire(tmp_path / "sortie", pdf=True)
    assert rapport.code_sortie == 0, rapport.erreur
    chemin = tmp_path / "sortie" / "decision_asp_2026_51_ACI.pdf"
    texte = " ".join(page.extract_text() for page in PdfReader(chemin).pages)
    texte = " ".join(texte.replace("\u00a0", " ").split())
    assert "38 907,51 €" in texte
    assert "nombre de structures : 4" in texte
    manifeste = json.loads((tmp_path / "sortie" / "manifeste.json").read_text("utf-8"))
    assert {"fichier": chemin.name, "sha256": sha256(chemin)} in manifeste["sorties"]


def test_synthese_par_departement_avec_totaux(tmp_path):
    rapport = executer_annexe5(
        DEMO / "exports" / "AI.xlsx",
        "AI",
        2026,
        tmp_path / "sortie",
        taux_forfaitaire=Decimal(5),
        signature=SIGNATURE,
        pdf=False,
    )
    assert rapport.code_sortie == 0, rapport.erreur
    classeur = openpyxl.load_workbook(tmp_path / "sortie" / "synthese.xlsx")
    lignes = list(classeur["Synthèse"].iter_rows(min_row=4, values_only=True))
    assert lignes[0] == (
        "Département",
        "Nom du département",
        "Région",
        "Mesure",
        "Nombre de structures",
        "Base (aide au poste)",
        "Taux moyen (modulé ÷ base)",
        "Montant modulé",
        "Régularisation 2014",
        "Montant net à verser",
        "Reste à déduire de l'aide au poste",
    )
    assert [ligne[:5] for ligne in lignes[1:-1]] == [
        (code, t_nom, "Grand Est", "AI", total.nb_structures)
        for (code, total), t_nom in zip(
            rapport.totaux.items(),
            ["Marne", "Meurthe-et-Moselle", "Moselle", "Bas-Rhin", "Vosges"],
            strict=True,
        )
    ]
    assert lignes[-1][0] == "Total"
    assert lignes[-1][4] == 7
    # 7 bases (347 793,58 € en tout) × 5 %, arrondi ligne par ligne
    assert Decimal(str(lignes[-1][7])) == rapport.montant_total == Decimal("17389.68")


@pytest.mark.skipif(not ECHANTILLON.is_file(), reason="../shared/data absent")
def test_fluxiae_reel_de_bout_en_bout(tmp_path):
    flux = echantillon_avec_fin(tmp_path)
    avant = sha256(flux)
    rapport = executer_annexe5(
        flux,
        "ACI",
        2021,
        tmp_path / "sortie",
        taux_forfaitaire=Decimal(5),
        signature=SIGNATURE,
        pdf=False,
    )
    assert rapport.code_sortie == 0, rapport.erreur
    assert rapport.source == "fluxiae"
    assert {code: t.montant_module for code, t in rapport.totaux.items()} == {
        "29": Decimal("17638.59"),  # 352 771,78 × 5 %
        "54": Decimal("9144.41"),  # 182 888,12 × 5 %
        "972": Decimal("19341.55"),  # 386 831,08 × 5 %
    }
    assert rapport.ecartees["FDI : fonds départemental d'insertion, ce n'est pas une aide au poste"]
    resume = rapport.resume()
    assert "Lignes du FluxIAE écartées :" in resume
    assert "remplacée par un avenant plus récent (état HISTORISE) : 22" in resume
    lignes = list(
        openpyxl.load_workbook(tmp_path / "sortie" / "annexe5_2021_972_ACI.xlsx")[
            "Tableau"
        ].iter_rows(min_row=4, values_only=True)
    )
    # la forme de la note (colonnes de l'extranet que le FluxIAE connaît), sans les noms que le
    # FluxIAE ne donne pas ; le cofinancement est vérifié puis retiré, comme le veut la note
    assert lignes[0] == (
        "Département",
        "N° convention",
        "N° annexe financière",
        "Date début effet annexe",
        "Date fin effet annexe",
        "Montant total de l'aide au poste",
        "Montant prévu modulation",
    )
    assert lignes[1][:3] == ("972", "972 010519 ACI 00115", "ACI972190115A2M2")
    assert "indiquez la table des structures (--donnees)" in resume
    assert sha256(flux) == avant


def test_demo_des_quatre_mesures_avec_le_grand_livre_de_la_demo(tmp_path):
    calcul = executer_calcul(
        DEMO / "donnees_demo.csv",
        2026,
        tmp_path / "calcul",
        enveloppes=DEMO / "enveloppes_demo.csv",
    )
    assert calcul.code_sortie == 0
    resume = demo_annexe5(tmp_path / "annexe5", tmp_path / "calcul" / "resultats.csv", pdf=False)
    # pas d'EITI dans la démo de 2026 : aucune part modulée trouvée depuis 2025
    for mesure in ("EI", "ETTI", "AI", "ACI"):
        assert f"Annexe 5 – {mesure} – campagne 2026" in resume
        assert (tmp_path / "annexe5" / mesure / "manifeste.json").is_file()
    assert "rien n'a été écrit" not in resume
    # Toutes les structures de la démo : les montants nets du grand livre.
    attendu = sum(calcul.resultats["montant_net"], Decimal(0))
    assert f"Synthèse des 4 mesures : 19 décision(s), {montant_fr(attendu)} à verser" in resume
