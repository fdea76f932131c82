"""Décisions de paiement ASP (note DGEFP 2014-04, annexe 5) : texte du document et PDF."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from iae_modulation.documents import pdf
from iae_modulation.documents.decision_asp import (
    CHAMPS_DECISION,
    DecisionASP,
    rendre_decisions_asp,
    valeurs_decision,
)
from iae_modulation.documents.modeles_source import construire_decision
from iae_modulation.documents.publipostage import ErreurModele
from iae_modulation.documents.signature import Signature
from iae_modulation.sorties import ErreurEntree
from pypdf import PdfReader

NBSP = "\u00a0"
COLONNES = [
    "département",
    "N° annexe",
    "Raison sociale",
    "Montant total de l'aide au poste",
    "Montant prévu modulation",
]


def _decision(**changements) -> DecisionASP:
    decision = DecisionASP(
        mesure="ACI",
        departement="54",
        nom_departement="Meurthe-et-Moselle",
        region="Grand Est",
        annee=2014,
        nb_structures=2,
        montant_total=Decimal("9259.20"),
        base_du_taux="Le taux appliqué est de 5 % du montant socle (année 2014).",
        colonnes=COLONNES,
        lignes=[
            [
                "54",
                "ACI054180019",
                "Emmaüs & Co <Nord>",
                f"123{NBSP}456,00{NBSP}€",
                f"6{NBSP}172,80{NBSP}€",
            ],
            [
                "54",
                "ACI054180020",
                "Jardins de Lorraine",
                f"61{NBSP}728,00{NBSP}€",
                f"3{NBSP}086,40{NBSP}€",
            ],
        ],
        signature=Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2026, 11, 22)),
    )
    return replace(decision, **changements)


def _texte_docx(chemin: Path) -> str:
    document = docx.Document(str(chemin))
    textes = [p.text for p in document.paragraphs]
    for tableau in document.tables:
        textes += ["|".join(c.text for c in ligne.cells) for ligne in tableau.rows]
    return "\n".join(textes).replace(NBSP, " ")


def test_decision_contient_total_nombre_et_tableau(tmp_path):
    (chemin,) = rendre_decisions_asp([_decision()], tmp_path)
    assert chemin.name == "decision_asp_2014_54_ACI.docx"
    texte = _texte_docx(chemin)
    assert "pour un montant total de 9 259,20 € (nombre de structures : 2)" in texte
    assert "Vu le code du travail, notamment ses articles L. 5132-2 et R. 5132-37 ;" in texte
    assert "note DGEFP n° 2014-04" in texte
    assert "Agence de services et de paiement (ASP)" in texte
    assert (
        "Mesure ACI (atelier et chantier d'insertion) – département 54 – Meurthe-et-Moselle"
        in texte
    )
    assert "PRÉFET DE MEURTHE-ET-MOSELLE" in texte
    assert "Le préfet de Meurthe-et-Moselle," in texte
    # décision de 2014 : le service et le titre du directeur à la date de l'acte (31/12/2014)
    assert "Unité territoriale de la direction régionale des entreprises" in texte
    assert (
        "Pour le préfet et par délégation,\nle responsable de l'unité territoriale de la "
        "direction régionale des entreprises"
    ) in texte
    assert "PROJET (sans numéro)" in texte  # aucun numéro donné : pas au registre
    assert "Nancy, le 22 novembre 2026" in texte
    assert "Jeanne Martin" in texte
    tableau = docx.Document(str(chemin)).tables[0]
    assert [c.text for c in tableau.rows[0].cells] == COLONNES
    assert [c.text for c in tableau.rows[1].cells][2:] == [
        "Emmaüs & Co <Nord>",
        f"123{NBSP}456,00{NBSP}€",
        f"6{NBSP}172,80{NBSP}€",
    ]
    assert len(tableau.rows) == 3


def test_article_selon_la_mesure_et_sans_signataire(tmp_path):
    chemins = rendre_decisions_asp(
        [
            _decision(mesure="EI", signature=Signature(date=dt.date(2026, 6, 1))),
            _decision(mesure="ETTI"),
            _decision(mesure="AI", departement="2A"),
        ],
        tmp_path,
    )
    # sans signataire ni lieu : un projet, qui le dit en tête de page et dans son nom
    assert [c.name for c in chemins] == [
        "PROJET_decision_asp_2014_54_EI.docx",
        "decision_asp_2014_54_ETTI.docx",
        "decision_asp_2014_2A_AI.docx",
    ]
    en_tetes = [docx.Document(str(c)).sections[0].header.paragraphs[0].text for c in chemins]
    assert en_tetes == ["PROJET — non signé", "", ""]
    textes = [_texte_docx(c) for c in chemins]
    assert "L. 5132-2 et R. 5132-8 ;" in textes[0]
    assert "Le 1er juin 2026" in textes[0]
    assert "L. 5132-2 et R. 5132-10-12 ;" in textes[1]
    assert "L. 5132-2 et R. 5132-23 ;" in textes[2]


def test_doublon_et_mesure_inconnue_refuses(tmp_path):
    with pytest.raises(ErreurEntree, match="decision_asp_2014_54_ACI.docx"):
        rendre_decisions_asp([_decision(), _decision()], tmp_path / "a")
    with pytest.raises(ErreurEntree, match="Mesure inconnue pour une décision ASP : FDI"):
        rendre_decisions_asp([_decision(mesure="FDI")], tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_modele_sans_total_refuse_avant_tout_document(tmp_path):
    modele = tmp_path / "modele.docx"
    document = docx.Document()
    document.add_paragraph("Décision {{ mesure }} {{ departement }} {{ annee }} {{ tableau }}")
    document.add_paragraph("{{ nombre_structures }}")
    document.save(str(modele))
    with pytest.raises(ErreurModele) as erreur:
        rendre_decisions_asp([_decision()], tmp_path / "sortie", modele=modele)
    message = str(erreur.value)
    assert "champs inconnus : {{ nombre_structures }}" in message
    assert "champs obligatoires absents : {{ montant_total }}, {{ nb_structures }}" in message
    assert not (tmp_path / "sortie").exists()


def test_modele_livre_identique_au_script(tmp_path):
    livre = docx.Document(str(Path(__file__).resolve().parents[1] / "templates/decision_asp.docx"))
    (tmp_path / "reconstruit.docx").write_bytes(construire_decision())
    reconstruit = docx.Document(str(tmp_path / "reconstruit.docx"))
    assert [p.text for p in livre.paragraphs] == [p.text for p in reconstruit.paragraphs]


avec_libreoffice = pytest.mark.skipif(
    not pdf.libreoffice_disponible(), reason="LibreOffice n'est pas installé"
)


@avec_libreoffice
def test_pdf_des_decisions_en_deux_lots(tmp_path, monkeypatch):
    chemins = rendre_decisions_asp([_decision(), _decision(mesure="EI")], tmp_path / "docx")
    monkeypatch.setattr(pdf, "LONGUEUR_MAX_COMMANDE", 10)  # force un appel par document
    pdfs = pdf.convertir_en_pdf(chemins, tmp_path / "pdf")
    assert [p.name for p in pdfs] == ["decision_asp_2014_54_ACI.pdf", "decision_asp_2014_54_EI.pdf"]
    for fichier in pdfs:
        texte = " ".join(page.extract_text() for page in PdfReader(fichier).pages)
        texte = " ".join(texte.replace(NBSP, " ").split())
        assert "montant total de 9 259,20 € (nombre de structures : 2)" in texte
        assert "Emmaüs & Co <Nord>" in texte
    fusion = pdf.fusionner_pdf(pdfs, tmp_path / "tout.pdf")
    assert len(PdfReader(fusion).pages) == sum(len(PdfReader(p).pages) for p in pdfs)


@avec_libreoffice
def test_pdf_manquant_signale_en_francais(tmp_path):
    absent = tmp_path / "absent.docx"
    with pytest.raises(pdf.ErreurPDF, match="LibreOffice n'a pas produit 1 PDF sur 1 : absent.pdf"):
        pdf.convertir_en_pdf([absent], tmp_path / "pdf")


def test_libreoffice_absent(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda nom: None)
    monkeypatch.setattr(pdf.sys, "platform", "linux")
    assert not pdf.libreoffice_disponible()
    with pytest.raises(pdf.ErreurPDF, match="LibreOffice est introuvable"):
        pdf.convertir_en_pdf([tmp_path / "a.docx"], tmp_path)


def test_chaque_champ_accepte_recoit_une_valeur():
    assert set(valeurs_decision(_decision())) == CHAMPS_DECISION
