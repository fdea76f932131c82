"""Fiches de dialogue de gestion : valeurs du grand livre, médiane, quartiles et rang calculés à
la main sur un petit groupe, année précédente à côté, une page par fiche en PDF, refus."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import docx
import pytest
from aides import DONNEES, grand_livre_calcule, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.documents.graphique import quartile, repartition

D = Decimal
# Six ACI de la Marne comparés (publics 2 à 9 bénéficiaires de minima pour 10 salariés, effort
# 0,1 à 0,6), un ACI en milieu pénitentiaire (classé avec eux depuis 2022, plafond), un EI seul
# de son type dans la région ; une enveloppe régionale qui réduit les montants.
MINIMA = (2, 3, 4, 4, 6, 9)
PUBLICS = ("0.2", "0.3", "0.4", "0.4", "0.6", "0.9")
ENVELOPPE = "30000,00"


def structure(identifiant: str, type_: str, departement: str, minima: int, salaries: int,
              encadrement: int, sorties: int, socle: str = "200000,00",
              penitentiaire: str = "non") -> dict:  # fmt: skip
    return {
        "identifiant": identifiant,
        "raison_sociale": f"Structure {identifiant}",
        "type": type_,
        "departement": departement,
        "montant_socle": socle,
        "etp_conventionnes": "10",
        "nb_salaries_insertion": str(salaries),
        "nb_beneficiaires_minima": str(minima),
        "etp_encadrement": str(encadrement),
        "etp_insertion": "10",
        "sorties_totales": str(sorties),
        "sorties_emploi_durable": str(sorties // 2),
        "sorties_emploi_transition": "0",
        "sorties_positives": "0",
        "milieu_penitentiaire": penitentiaire,
    }


def grand_livre(dossier: Path, annee: int = 2026, decalage: int = 0) -> Path:
    structures = [
        structure(f"ACI05123{k:04d}", "ACI", "51", m + decalage, 10, k + 1, 0 if k == 5 else 10)
        for k, m in enumerate(MINIMA)
    ]
    structures.append(structure("ACI054250026", "ACI", "54", 99, 100, 1, 10, penitentiaire="oui"))
    structures.append(structure("EI054230001", "EI", "54", 5, 10, 1, 10, "215528,21"))
    return grand_livre_calcule(dossier, structures, annee, enveloppes={"Grand Est": ENVELOPPE})


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
    precedent = grand_livre(base / "calcul2025", 2025, decalage=-1)
    code = main(
        ["fiches", str(resultats), "--precedent", str(precedent), "--sortie", str(base / "f")]
    )
    assert code == 0
    return base / "f"


def test_indicateurs_du_groupe_rang_et_annee_precedente(fiches: Path) -> None:
    """Sept ACI comparés, publics 20 %, 30 %, 40 %, 40 %, 60 %, 90 % et 99 % (milieu
    pénitentiaire, classé avec eux) : 1er quartile à la position 1,5 (35 %), médiane 40 %,
    3e quartile à la position 4,5 (75 %) ; 40 % est 3e et 4e ex æquo : rang 3,5 sur 7, score
    (3,5 − 1) / (7 − 1) = 0,4167."""
    indicateurs = cellules(fiches / "fiche_2026-51-ACI-ACI051230002.docx")[0]
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
    assert publics[0].startswith("Publics (35\u00a0%)")
    assert publics[1:] == [
        "40,0\u00a0%",
        "30,0\u00a0%",
        "35,0\u00a0%",
        "40,0\u00a0%",
        "75,0\u00a0%",
        "3,5 / 7",
        "0,4167",
    ]
    resultats = indicateurs[3]  # un indicateur non calculable n'est ni classé ni compté
    assert resultats[6] == "3,5 / 6"  # six valeurs égales : rang moyen 3,5
    assert cellules(fiches / "fiche_2026-51-ACI-ACI051230005.docx")[0][3][1] == "non calculable"


def test_montants_lus_dans_le_grand_livre(fiches: Path) -> None:
    """L'EI seul de son type : scores neutres, taux 10 % × 0,50 = 5 % ; 215 528,21 € × 5 % =
    10 776,41 € avant enveloppe, réduit au prorata de l'enveloppe régionale de 30 000 € et
    arrondi au centime inférieur — refait ici depuis ce que la fiche affiche."""
    tableaux = cellules(fiches / "fiche_2026-54-EI-EI054230001.docx")
    montants = {ligne[0]: ligne[1:] for ligne in tableaux[-1]}
    assert montants["Montant socle de l'aide au poste"] == ["215\u00a0528,21\u00a0€"] * 2
    assert montants["Taux calculé"][0] == "5,00\u00a0%"
    assert montants["Montant avant enveloppe (socle × taux)"][0] == "10\u00a0776,41\u00a0€"
    assert montants["Enveloppe régionale disponible"][0] == "30\u00a0000,00\u00a0€"

    def euros(texte: str) -> Decimal:
        return D(texte.removesuffix("\u00a0€").replace("\u00a0", "").replace(",", "."))

    total = euros(montants["Total des montants avant enveloppe"][0])
    attendu = (D("10776.41") * D("30000") / total).quantize(D("0.01"), rounding="ROUND_FLOOR")
    assert euros(montants["Montant modulé"][0]) == attendu < D("10776.41")
    phrase = texte(fiches / "fiche_2026-54-EI-EI054230001.docx")
    assert (
        f"10\u00a0776,41\u00a0€ × 30\u00a0000,00\u00a0€ / "
        f"{montants['Total des montants avant enveloppe'][0]}, au centime inférieur = "
        f"{montants['Montant modulé'][0]}" in phrase
    )
    assert "Seule structure de son type dans la région" in phrase


def test_milieu_penitentiaire_classe_dans_son_groupe(fiches: Path) -> None:
    """Depuis 2022, une structure en détention est classée avec celles de son groupe (taux
    plafonné) : elle compte dans le groupe, et son rang est celui du grand livre."""
    phrase = texte(fiches / "fiche_2026-54-ACI-ACI054250026.docx")
    assert "groupe de comparaison : 7 ACI de la région" in phrase
    assert "(hors taux fixe)" not in phrase
    assert "Milieu pénitentiaire : classée avec les structures de son groupe" in phrase
    indicateurs = cellules(fiches / "fiche_2026-54-ACI-ACI054250026.docx")[0]
    assert indicateurs[1][6] == "7 / 7"  # 99 % : la valeur la plus forte


def test_precedent_d_une_autre_annee_refuse(tmp_path: Path, capsys) -> None:
    resultats = grand_livre(tmp_path / "calcul")
    autre = grand_livre(tmp_path / "autre", 2023)
    code = main(
        ["fiches", str(resultats), "--precedent", str(autre), "--sortie", str(tmp_path / "f")]
    )
    assert code == 2
    assert "--precedent attend celui de la campagne 2025" in sortie_capturee(capsys)
    assert not (tmp_path / "f").exists()


def texte_pdf(chemin: Path) -> str:
    """Le texte du PDF tel que le lit pdftotext (Poppler), espaces insécables en espaces."""
    return subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\u00a0", " ")


def montant_lu(texte: str) -> str:
    """« 13901,57 » (grand livre) -> « 13 901,57 € » tel qu'imprimé."""
    entier, _, centimes = texte.partition(",")
    return f"{int(entier):,}".replace(",", " ") + f",{centimes} €"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext absent")
def test_pdf_une_page_par_fiche_montants_du_grand_livre(tmp_path, calculs) -> None:
    """Les 40 fiches de la démonstration en PDF, dessinés sans LibreOffice : une page chacun,
    son n° d'annexe, et les montants que dit le grand livre (relu ici par le module csv)."""
    code = main(["fiches", str(calculs[2026]), "--donnees", str(DONNEES), "--sortie",
                 str(tmp_path / "f")])  # fmt: skip
    assert code == 0
    pdfs = sorted((tmp_path / "f").glob("*.pdf"))
    assert len(pdfs) == 40 == len(list((tmp_path / "f").glob("*.docx")))
    with open(calculs[2026], encoding="utf-8-sig", newline="") as fichier:
        livre = {ligne["identifiant"]: ligne for ligne in csv.DictReader(fichier, delimiter=";")}
    for chemin in pdfs:
        texte = texte_pdf(chemin)
        assert texte.count("\f") == 1, chemin.name  # une seule page
        identifiant = chemin.stem.rsplit("-", 1)[1]  # fiche_2026-57-ACI-ACI057230038
        assert identifiant in texte
        ligne = livre[identifiant]
        for colonne in ("montant_socle", "montant_avant_enveloppe", "montant_module"):
            assert montant_lu(ligne[colonne]) in texte, (identifiant, colonne)
    # trois sortes de fiches : classée, milieu pénitentiaire, seule de son type dans la région
    penitentiaire = tmp_path / "f" / "fiche_2026-54-ACI-ACI054250026.pdf"
    assert "Milieu pénitentiaire : classée" in texte_pdf(penitentiaire)
    seules = [i for i, ligne in livre.items() if ligne["motif_taux"] == "seule dans son groupe"]
    for identifiant in seules:
        assert "Seule structure de son type" in texte_pdf(
            tmp_path / "f" / f"fiche_2026-{livre[identifiant]['departement']}-"
            f"{livre[identifiant]['type']}-{identifiant}.pdf"
        )


def test_pdf_avec_l_annee_precedente(fiches: Path) -> None:
    """Le PDF dit ce que dit le .docx : valeurs des deux années, rang, montants réduits."""
    texte = " ".join(texte_pdf(fiches / "fiche_2026-51-ACI-ACI051230002.pdf").split())
    assert "40,0 % 30,0 % 35,0 % 40,0 % 75,0 % 3,5 / 7 0,4167" in texte
    assert "le cercle bleu sa valeur de l'année 2024" in texte
    montants = cellules(fiches / "fiche_2026-54-EI-EI054230001.docx")[-1]
    texte = texte_pdf(fiches / "fiche_2026-54-EI-EI054230001.pdf")
    assert texte.count("\f") == 1
    for libelle, campagne, _ in montants[1:]:
        assert campagne.replace("\u00a0", " ") in texte, libelle


def tailles_pdf(chemin: Path) -> dict[float, str]:
    """Chaque taille de caractères imprimée (points, matrice de texte comprise) et un texte écrit
    à cette taille, relus par pypdf."""
    import pypdf

    tailles: dict[float, str] = {}

    def visiteur(texte, cm, tm, police, taille) -> None:
        if texte.strip():
            echelle = abs(tm[3] * cm[3] + tm[1] * cm[2]) or 1
            tailles.setdefault(round(taille * echelle, 2), texte)

    for page in pypdf.PdfReader(str(chemin)).pages:
        page.extract_text(visitor_text=visiteur)
    return tailles


def test_fiche_lisible_en_8_points_au_moins(fiches: Path) -> None:
    """Imprimée, une fiche se lit : aucun texte sous 8 points, ni dans le PDF dessiné par l'outil
    (avec l'année précédente, le cas le plus chargé, toujours une page) ni dans le .docx (corps,
    pied de page, styles)."""
    for chemin in sorted(fiches.glob("*.pdf")):
        tailles = tailles_pdf(chemin)
        assert min(tailles) >= 8, (chemin.name, {t: x for t, x in tailles.items() if t < 8})
        assert texte_pdf(chemin).count("\f") == 1, chemin.name
    document = fiches / "fiche_2026-51-ACI-ACI051230002.docx"
    with __import__("zipfile").ZipFile(document) as paquet:
        for partie in paquet.namelist():
            if partie.startswith("word/") and partie.endswith(".xml"):
                xml = paquet.read(partie).decode("utf-8")
                demi_points = [int(v) for v in re.findall(r'<w:sz w:val="(\d+)"', xml)]
                assert all(v >= 16 for v in demi_points), (partie, sorted(set(demi_points)))
