"""Classeurs écrits d'un bloc (`ecriture_xlsx`) : `donnees.xlsx` et `preparation.xlsx` d'une
préparation, relus par openpyxl, sont cellule par cellule ceux qu'écrivait XlsxWriter (valeurs,
types, formats, polices, fonds, largeurs, hauteurs, lignes figées, filtre, mise en page) ; les
textes hostiles sont relus exactement par le lecteur de l'outil ; LibreOffice y lit les mêmes
valeurs.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from aides import empreinte
from iae_modulation import ecriture_xlsx, mise_en_page, parallele
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.lecture import lire_table
from iae_modulation.preparation import rapport
from iae_modulation.preparation.execution import executer_preparation
from iae_modulation.synthetique import (
    COLONNES_EFFECTIFS,
    COLONNES_TEXTE,
    FEUILLE,
    _cellules_xlsx,
    ecrire_xlsx,
    generer_donnees_nationales,
)
from iae_modulation.synthetique_asp import ecrire_fichiers_asp
from iae_modulation.texte_xml import ClasseurXlsx

ANNEE = 2026


# --- ce qu'écrivait XlsxWriter ------------------------------------------------------------------


def donnees_par_xlsxwriter(table: pd.DataFrame, chemin: Path, campagne: int | str) -> Path:
    """`synthetique.ecrire_xlsx` tel qu'il était avant l'écriture directe (cellule par cellule
    par XlsxWriter), recopié ici comme référence."""
    options = {"constant_memory": True, "strings_to_formulas": False}
    with xlsxwriter.Workbook(chemin, options) as classeur:
        feuille = classeur.add_worksheet(FEUILLE)
        gras = classeur.add_format({"bold": True, "bg_color": "#DDEBF7"})
        texte = classeur.add_format({"num_format": "@"})
        deux_decimales = classeur.add_format({"num_format": "#,##0.00"})
        entier = classeur.add_format({"num_format": "0"})
        colonnes = list(table.columns)
        largeurs = []
        for j, nom in enumerate(colonnes):
            large = 34 if nom in ("raison_sociale", "adresse") else max(12, len(nom) + 2)
            feuille.set_column(j, j, large, texte if nom in COLONNES_TEXTE else None)
            feuille.write_string(0, j, nom, gras)
            largeurs.append(large)
        mise_en_page.imprimer(
            feuille,
            largeurs,
            titre="Données des structures",
            campagne=campagne,
            lignes_repetees=(0, 0),
        )
        feuille.freeze_panes(1, 0)
        formats = [entier if nom in COLONNES_EFFECTIFS else deux_decimales for nom in colonnes]
        cellules = [_cellules_xlsx(nom, table[nom].tolist()) for nom in colonnes]
        for i, ligne in enumerate(zip(*cellules, strict=True), start=1):
            for j, valeur in enumerate(ligne):
                if isinstance(valeur, Decimal):
                    feuille.write_number(i, j, valeur, formats[j])
                elif valeur:
                    feuille.write_string(i, j, valeur, texte)
        feuille.autofilter(0, 0, len(table), len(colonnes) - 1)
    return chemin


class FeuilleNotee(ecriture_xlsx.Feuille):
    """Une `Feuille` qui garde aussi les cellules qu'on lui donne, pour les réécrire par
    XlsxWriter."""

    def ajouter(self, cellules, hauteur=None) -> None:
        self.__dict__.setdefault("notees", []).append(list(cellules))
        self.__dict__.setdefault("hauteurs", []).append(hauteur)
        super().ajouter(cellules, hauteur)


def rapport_par_xlsxwriter(feuilles: list[FeuilleNotee], chemin: Path) -> Path:
    """Les mêmes feuilles du rapport (cellules, styles, largeurs, mise en page) écrites cellule
    par cellule par XlsxWriter, comme `rapport.ecrire_rapport` le faisait."""
    with ClasseurXlsx(str(chemin)) as classeur:
        formats = {
            1: classeur.add_format(
                {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
                | {"valign": "top"}
            ),
            2: classeur.add_format({"text_wrap": True, "valign": "top"}),
            3: classeur.add_format({"valign": "top"}),
        }
        for feuille in feuilles:
            ws = classeur.add_worksheet(feuille.nom)
            for rang, ligne in enumerate(feuille.notees):
                for j, (valeur, style) in enumerate(ligne):
                    if isinstance(valeur, int):
                        ws.write_number(rang, j, valeur, formats[style])
                    elif valeur:
                        ws.write_string(rang, j, valeur, formats[style])
            for rang, hauteur in enumerate(feuille.hauteurs):
                if hauteur:
                    ws.set_row(rang, hauteur)
            for j, largeur in enumerate(feuille.largeurs):
                ws.set_column(j, j, largeur)
            impression = feuille.impression
            ws.set_paper(mise_en_page.PAPIER_A4)
            ws.set_landscape() if impression.paysage else ws.set_portrait()
            ws.fit_to_pages(1, 0)
            ws.set_margins(**impression.marges)
            ws.repeat_rows(0, 0)
            ws.set_footer(impression.pied)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, len(feuille.notees) - 1, len(feuille.notees[0]) - 1)
    return chemin


# --- comparaison ---------------------------------------------------------------------------------


def description(chemin: Path) -> dict:
    """Ce qu'openpyxl relit d'un classeur : chaque cellule (valeur, type, format, police, fond,
    bordure, alignement), la largeur et le format de chaque colonne, la mise en page."""
    livre = openpyxl.load_workbook(chemin)
    feuilles = {}
    for ws in livre.worksheets:
        cellules = {
            c.coordinate: (
                c.value,
                type(c.value).__name__,
                c.data_type,
                c.number_format,
                c.font.b,
                c.font.name,
                c.font.sz,
                c.fill.fgColor.rgb if c.fill.fill_type else None,
                c.border.left.style,
                c.alignment.wrap_text,
                c.alignment.vertical,
            )
            for ligne in ws.iter_rows()
            for c in ligne
        }
        colonnes = {
            numero: (dimension.width, dimension.customWidth, dimension.number_format)
            for dimension in ws.column_dimensions.values()
            for numero in range(dimension.min, dimension.max + 1)
        }
        mise = ws.page_setup
        marges = ws.page_margins
        feuilles[ws.title] = {
            "cellules": cellules,
            "colonnes": colonnes,
            "hauteurs": {
                rang: dimension.height
                for rang, dimension in ws.row_dimensions.items()
                if dimension.customHeight
            },
            "page": (
                mise.paperSize,
                mise.orientation,
                mise.fitToWidth,
                mise.fitToHeight,
                ws.sheet_properties.pageSetUpPr.fitToPage,
                (marges.left, marges.right, marges.top, marges.bottom),
                (marges.header, marges.footer),
                ws.oddHeader.center.text,
                (ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text),
                ws.print_title_rows,
                ws.print_area,
                ws.freeze_panes,
                ws.auto_filter.ref,
                ws.sheet_format.defaultRowHeight,
            ),
        }
    return feuilles


def assert_memes_classeurs(ecrit: Path, reference: Path) -> int:
    """Les deux classeurs relus par openpyxl sont identiques ; renvoie le nombre de cellules."""
    a, b = description(ecrit), description(reference)
    assert list(a) == list(b)
    for nom in a:
        assert a[nom]["page"] == b[nom]["page"], nom
        assert a[nom]["colonnes"] == b[nom]["colonnes"], nom
        assert a[nom]["hauteurs"] == b[nom]["hauteurs"], nom
        differentes = {
            coordonnee: (valeur, b[nom]["cellules"].get(coordonnee))
            for coordonnee, valeur in a[nom]["cellules"].items()
            if valeur != b[nom]["cellules"].get(coordonnee)
        }
        assert not differentes, f"{nom} : {list(differentes.items())[:5]}"
        assert a[nom]["cellules"].keys() == b[nom]["cellules"].keys()
    return sum(len(f["cellules"]) for f in a.values())


# --- une préparation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def preparee(tmp_path_factory):
    """`preparer` sur les fichiers de l'ASP fictifs de 300 structures ; les feuilles du rapport
    sont notées au passage."""
    dossier = tmp_path_factory.mktemp("asp")
    fichiers = ecrire_fichiers_asp(generer_donnees_nationales(300, annee=ANNEE), ANNEE, dossier)
    notees: list[FeuilleNotee] = []

    def feuille(*args, **kwargs) -> FeuilleNotee:
        notees.append(FeuilleNotee(*args, **kwargs))
        return notees[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rapport, "Feuille", feuille)
        patch.setattr(parallele, "FORK", False)  # le rapport écrit dans ce processus-ci
        resultat = preparer(fichiers, dossier / "sortie")
    return resultat, notees, fichiers


def preparer(fichiers, sortie: Path):
    return executer_preparation(
        fichiers.annexes, ANNEE, sortie, bilan=fichiers.bilan, structures=fichiers.structures
    )


def table_preparee(resultat) -> pd.DataFrame:
    """`donnees.csv` de la préparation, tout en texte."""
    return pd.read_csv(
        resultat.donnees, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def test_donnees_xlsx_cellule_par_cellule_comme_xlsxwriter(preparee, tmp_path):
    resultat, _, _ = preparee
    table = table_preparee(resultat)
    assert len(table) == 300
    reference = donnees_par_xlsxwriter(table, tmp_path / "reference.xlsx", ANNEE)
    cellules = assert_memes_classeurs(resultat.sortie / "donnees.xlsx", reference)
    assert cellules == 301 * len(NOMS_COLONNES)
    feuille = openpyxl.load_workbook(resultat.sortie / "donnees.xlsx")[FEUILLE]
    colonne = {c.value: c.column for c in feuille[1]}
    siret = feuille.cell(2, colonne["siret"])
    assert siret.data_type == "s" and len(siret.value) == 14  # texte, zéros de tête gardés
    socle = feuille.cell(2, colonne["montant_socle"])
    assert socle.data_type == "n" and socle.number_format == "#,##0.00"
    assert Decimal(repr(socle.value)) == Decimal(table.loc[0, "montant_socle"].replace(",", "."))
    assert feuille.cell(2, colonne["nb_salaries_insertion"]).number_format == "0"


def test_preparation_xlsx_cellule_par_cellule_comme_xlsxwriter(preparee, tmp_path):
    resultat, notees, _ = preparee
    noms = [f.nom for f in notees]
    assert noms == openpyxl.load_workbook(resultat.sortie / "preparation.xlsx").sheetnames
    assert "Écartées" in noms and "Sources" in noms
    reference = rapport_par_xlsxwriter(notees, tmp_path / "reference.xlsx")
    assert assert_memes_classeurs(resultat.sortie / "preparation.xlsx", reference) > 2_000


def test_textes_hostiles_comme_xlsxwriter_et_relus_exactement(tmp_path):
    table = generer_donnees_nationales(20, graine=3)
    hostiles = {
        "raison_sociale": [
            "=SOMME(A1:A9)",
            'Régie « Les Jardins » & Cie <SARL> "l\'Atelier"',
            "littéral _x0041_ et _X0041_",
            "cloche \x07 et tabulation \t",
            "ligne 1\r\nligne 2",
            "  espaces de tête et de fin  ",
            "Ateliers 🌱 d'insertion",
            "x" * 40_000,
        ],
        "siret": ["01234567890128", "00000000000000"],
        "code_postal": ["01000", "2A004"],
        "montant_socle": ["123456789012,34", "-0", "0,001", "#N/A", "8,5", "1E+3"],
        "nb_salaries_insertion": ["0", "12", "douze", "007"],
    }
    for colonne, valeurs in hostiles.items():
        for i, valeur in enumerate(valeurs):
            table.loc[i, colonne] = valeur
    ecrit = ecrire_xlsx(table, tmp_path / "donnees.xlsx", campagne=ANNEE)
    reference = donnees_par_xlsxwriter(table, tmp_path / "reference.xlsx", ANNEE)
    assert_memes_classeurs(ecrit, reference)
    relue = lire_table(ecrit).table  # calamine : les échappements d'Excel sont décodés
    attendues = hostiles["raison_sociale"][:7] + ["x" * 32_767]  # coupé comme XlsxWriter
    assert relue["raison_sociale"].tolist()[:8] == attendues
    assert relue["siret"].tolist()[:2] == hostiles["siret"]
    assert relue["montant_socle"].tolist()[:6] == ["123456789012.34", "0", "0.001", "#N/A"] + [
        "8.5",
        "1000",
    ]
    assert relue["nb_salaries_insertion"].tolist()[:4] == ["0", "12", "douze", "7"]


def test_caractere_interdit_par_xml_retire_classeur_lisible(tmp_path):
    """U+FFFE (qu'XlsxWriter recopiait tel quel : classeur illisible) est retiré."""
    table = generer_donnees_nationales(3, graine=4)
    table.loc[0, "raison_sociale"] = "Régie\ufffe de quartier"
    feuille = openpyxl.load_workbook(ecrire_xlsx(table, tmp_path / "d.xlsx"))[FEUILLE]
    assert feuille["C2"].value == "Régie de quartier"


def test_deux_preparations_memes_classeurs_a_l_octet(preparee, tmp_path):
    resultat, _, fichiers = preparee
    encore = preparer(fichiers, tmp_path / "encore")  # bilan et rapport sur l'autre cœur
    for nom in ("donnees.csv", "donnees.xlsx", "preparation.xlsx"):
        assert empreinte(encore.sortie / nom) == empreinte(resultat.sortie / nom), nom


@pytest.mark.libreoffice
def test_libreoffice_lit_les_memes_valeurs(preparee, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    resultat, notees, _ = preparee
    table = table_preparee(resultat)
    entrees = tmp_path / "entrees"
    entrees.mkdir()
    shutil.copy(resultat.sortie / "donnees.xlsx", entrees / "directe_donnees.xlsx")
    shutil.copy(resultat.sortie / "preparation.xlsx", entrees / "directe_preparation.xlsx")
    donnees_par_xlsxwriter(table, entrees / "xlsxwriter_donnees.xlsx", ANNEE)
    rapport_par_xlsxwriter(notees, entrees / "xlsxwriter_preparation.xlsx")
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profil"]
        + ["--convert-to", "xlsx", "--outdir", str(tmp_path / "lo")]
        + [str(c) for c in sorted(entrees.iterdir())],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for nom in ("donnees.xlsx", "preparation.xlsx"):
        lo = tmp_path / "lo"
        assert assert_memes_classeurs(lo / f"directe_{nom}", lo / f"xlsxwriter_{nom}") > 2_000


def test_mention_et_zone_d_impression_comme_imprimer_par_xlsxwriter(tmp_path):
    """Une mise en page complète (mention en tête de chaque page, zone d'impression limitée à
    une colonne, portrait) s'écrit comme `mise_en_page.imprimer` la pose par XlsxWriter."""
    largeurs = [20.5, 9, 0.5]
    lignes = [("Colonne", "Nombre", "Masquée"), ("Régie & Cie", 12, "x"), ("Atelier", 3, "y")]
    reglage = {"titre": "Essai & contrôle", "campagne": ANNEE, "lignes_repetees": (0, 0)}
    with mise_en_page.mention_sur_chaque_page("Établi depuis un grand livre modifié"):
        impression = mise_en_page.impression(largeurs, derniere_colonne=1, **reglage)
        with xlsxwriter.Workbook(tmp_path / "reference.xlsx") as livre:
            ws = livre.add_worksheet("Feuille d'essai")
            for rang, ligne in enumerate(lignes):
                ws.write_row(rang, 0, ligne)
            for j, largeur in enumerate(largeurs):
                ws.set_column(j, j, largeur)
            mise_en_page.imprimer(ws, largeurs, derniere_colonne=1, **reglage)
    feuille = ecriture_xlsx.Feuille("Feuille d'essai", largeurs, impression=impression)
    for ligne in lignes:
        feuille.ajouter([(valeur, 0) for valeur in ligne])
    ecrit = ecriture_xlsx.ecrire_classeur(tmp_path / "directe.xlsx", [feuille])
    assert_memes_classeurs(ecrit, tmp_path / "reference.xlsx")
    relue = openpyxl.load_workbook(ecrit)["Feuille d'essai"]
    assert relue.print_area == "'Feuille d''essai'!$A$1:$B$3"
    assert relue.page_setup.orientation == "portrait"
    assert "grand livre modifié" in relue.oddHeader.center.text
