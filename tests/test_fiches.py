"""Fiches de dialogue de gestion : valeurs du grand livre, médiane, quartiles et rang calculés à
la main sur un petit groupe, année précédente à côté, une page par fiche en PDF, refus."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import docx
import pytest
from aides import DONNEES, ecrire_grand_livre, ligne_de_grand_livre, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.documents import fiches as fiches_module
from iae_modulation.documents import pdf
from iae_modulation.documents.graphique import quartile, repartition

D = Decimal
# Six ACI du Grand Est comparés, un ACI en milieu pénitentiaire (hors comparaison), un EI seul.
PUBLICS = ("0.2", "0.3", "0.4", "0.4", "0.6", "0.9")


def grand_livre(dossier: Path, annee: int = 2026, decalage: str = "0") -> Path:
    lignes = [
        ligne_de_grand_livre(
            f"ACI05123{k:04d}",
            "ACI",
            "51",
            annee=str(annee),
            siret=f"4627010790{k:04d}",
            raison_sociale=f"Chantier {k}",
            publics=D(p) + D(decalage),
            effort=D("0.1") * (k + 1),
            resultats=None if k == 5 else D("0.5"),
            score_publics=D("0.5"),
            taux_calcule=D("0.05"),
        )
        for k, p in enumerate(PUBLICS)
    ]
    lignes.append(
        ligne_de_grand_livre(
            "ACI057230099",
            "ACI",
            "57",
            annee=str(annee),
            motif_taux="milieu pénitentiaire",
            publics=D("0.99"),
            taux_calcule=D("0.05"),
        )
    )
    lignes.append(
        ligne_de_grand_livre(
            "EI054230001",
            "EI",
            "54",
            annee=str(annee),
            motif_taux="seule dans son groupe",
            taux_calcule=D("0.05"),
            score_publics=D("0.5"),
            enveloppe_disponible=D("1000.00"),
            total_avant_enveloppe=D("20000.00"),
        )
    )
    return ecrire_grand_livre(dossier, lignes)


def cellules(chemin: Path) -> list[list[list[str]]]:
    """Le texte de chaque cellule de chaque tableau de la fiche (python-docx)."""
    document = docx.Document(str(chemin))
    return [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]


def texte(chemin: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(chemin)).paragraphs)


def test_quartiles_comme_excel() -> None:
    valeurs = [D(p) for p in PUBLICS]
    assert quartile(valeurs, Fraction(1, 10)) == D("0.25")  # position 0,5 : entre 0,2 et 0,3
    groupe = repartition(valeurs)
    assert (groupe.premier_quartile, groupe.mediane, groupe.troisieme_quartile) == (
        D("0.325"),
        D("0.4"),
        D("0.55"),
    )


@pytest.fixture(scope="module")
def fiches(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("fiches")
    resultats = grand_livre(base / "calcul")
    precedent = grand_livre(base / "calcul2025", 2025, decalage="-0.1")
    code = main(
        ["fiches", str(resultats), "--precedent", str(precedent), "--sortie", str(base / "f")]
    )
    assert code == 0
    return base / "f"


def test_indicateurs_du_groupe_rang_et_annee_precedente(fiches: Path) -> None:
    indicateurs = cellules(fiches / "fiche_ACI051230002.docx")[0]
    assert indicateurs[0] == [
        "Critère (poids)",
        "Valeur 2025",
        "Valeur 2024",
        "1er quartile",
        "Médiane",
        "3e quartile",
        "Rang",
        "Score",
    ]
    publics = indicateurs[1]
    assert publics[1:] == [
        "40,0\u00a0%",
        "30,0\u00a0%",
        "32,5\u00a0%",
        "40,0\u00a0%",
        "55,0\u00a0%",
        "3,5 / 6",
        "0,5000",
    ]
    resultats = indicateurs[3]  # un indicateur non calculable n'est ni classé ni compté
    assert resultats[6] == "3 / 5"  # cinq valeurs égales : rang moyen 3
    assert cellules(fiches / "fiche_ACI051230005.docx")[0][3][1] == "non calculable"


def test_montants_lus_dans_le_grand_livre(fiches: Path) -> None:
    montants = {ligne[0]: ligne[1:] for ligne in cellules(fiches / "fiche_EI054230001.docx")[-1]}
    assert montants["Montant socle de l'aide au poste"] == ["215\u00a0528,21\u00a0€"] * 2
    assert montants["Montant avant enveloppe (socle × taux)"][0] == "10\u00a0776,41\u00a0€"
    assert montants["Enveloppe régionale disponible"][0] == "1\u00a0000,00\u00a0€"
    assert montants["Montant modulé"][0] == "538,82\u00a0€"  # 10 776,41 × 1 000 / 20 000
    phrase = texte(fiches / "fiche_EI054230001.docx")
    assert (
        "10\u00a0776,41\u00a0€ × 1\u00a0000,00\u00a0€ / 20\u00a0000,00\u00a0€, au centime "
        "inférieur = 538,82\u00a0€" in phrase
    )
    assert "Seule structure de son type dans la région" in phrase


def test_milieu_penitentiaire_hors_du_groupe(fiches: Path) -> None:
    assert "groupe de comparaison : 6 ACI de la région (hors taux fixe)" in texte(
        fiches / "fiche_ACI057230099.docx"
    )
    indicateurs = cellules(fiches / "fiche_ACI057230099.docx")[0]
    assert indicateurs[1][6] == "—"  # pas de rang : hors classement


def test_precedent_d_une_autre_annee_refuse(tmp_path: Path, capsys) -> None:
    resultats = grand_livre(tmp_path / "calcul")
    autre = grand_livre(tmp_path / "autre", 2023)
    code = main(
        ["fiches", str(resultats), "--precedent", str(autre), "--sortie", str(tmp_path / "f")]
    )
    assert code == 2
    assert "--precedent attend celui de la campagne 2025" in sortie_capturee(capsys)
    assert not (tmp_path / "f").exists()


@pytest.mark.skipif(not pdf.libreoffice_disponible(), reason="LibreOffice absent")
def test_une_page_par_fiche_en_pdf_meme_la_plus_longue(tmp_path, calculs, monkeypatch) -> None:
    """Les fiches de la démonstration, écrites par lots de 12 dans des processus séparés,
    assemblées puis découpées : chaque PDF a une page, la sienne (son n° d'annexe), et ne porte
    que ses propres images."""
    monkeypatch.setattr(fiches_module, "FICHES_PAR_LOT", 12)
    code = main(
        ["fiches", str(calculs[2026]), "--donnees", str(DONNEES), "--pdf", "--sortie",
         str(tmp_path / "f")]
    )  # fmt: skip
    assert code == 0
    pdfs = sorted((tmp_path / "f").glob("*.pdf"))
    assert len(pdfs) == 41
    for chemin in pdfs:
        texte_pdf = subprocess.run(
            ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert texte_pdf.count("\f") == 1, chemin.name  # une seule page
        assert chemin.stem.removeprefix("fiche_") in texte_pdf
        assert chemin.stat().st_size < 200_000
