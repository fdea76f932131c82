"""Documents prêts à imprimer : lettres d'une page (Arial / Liberation Sans, avec de la marge),
numéros jamais coupés dans les lettres et le tableau des décisions, classeurs mis en page,
ligne de commande en français. Les PDF sont rendus par LibreOffice et relus par pdftotext.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from aides import (
    A4_PAYSAGE,
    DEMO,
    DONNEES,
    imprimable,
    ligne_de_grand_livre,
    points_imprimes,
    sortie_capturee,
    taille_par_zones,
    tailles_sur_papier,
    zones_imprimees,
)
from iae_modulation import mise_en_page
from iae_modulation.annexe5 import entetes_ajoutes
from iae_modulation.cli import main
from iae_modulation.commandes.francais import TRADUCTIONS
from iae_modulation.documents import pdf
from iae_modulation.documents.decision_asp import DecisionASP, rendre_decisions_asp
from iae_modulation.documents.notifications import MODELE_NOTIFICATION, valeurs_notification
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.documents.signature import Signature, signature_demo
from iae_modulation.exports.entetes import disposition_de_la_mesure
from pypdf import PdfReader

LIBREOFFICE = pytest.mark.skipif(
    not pdf.libreoffice_disponible() or shutil.which("pdftotext") is None,
    reason="LibreOffice ou pdftotext absent (la CI les installe)",
)
SIRET = re.compile(r"\b\d{14}\b")
LARGE = "DejaVu Sans"  # police de repli d'un LibreOffice minimal, bien plus large qu'Arial


def texte_pdf(chemin: Path) -> str:
    sortie = subprocess.run(
        ["pdftotext", "-layout", str(chemin), "-"], capture_output=True, text=True, check=True
    )
    return sortie.stdout


def texte_pdf_page(chemin: Path, page: int) -> str:
    sortie = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(chemin), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sortie.stdout


def pages(chemin: Path) -> int:
    return len(PdfReader(str(chemin)).pages)


def en_police(docx: Path, police: str, cible: Path) -> Path:
    """Copie du document où Arial est remplacée par `police`."""
    with zipfile.ZipFile(docx) as source, zipfile.ZipFile(cible, "w") as copie:
        for info in source.infolist():
            contenu = source.read(info)
            if info.filename.endswith(".xml"):
                contenu = contenu.replace(b"Arial", police.encode())
            copie.writestr(info, contenu)
    return cible


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    sortie = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--sortie", str(sortie), "--sans-pdf"]) == 0
    return sortie


# --- lettres ----------------------------------------------------------------------------------


def _plus_longues(dossier: Path) -> list[Path]:
    """Les lettres les plus longues : 2015, seule de son groupe (tableau des indicateurs),
    enveloppe réduite (ses deux termes), régularisation, reste à déduire, aucun versement ; la
    même avec noms, adresse et titres démesurés et la mention d'un grand livre modifié."""
    ligne = ligne_de_grand_livre(
        "EI054150001",
        "EI",
        "54",
        annee="2015",
        motif_taux="seule dans son groupe",
        enveloppe_region=Decimal("286031.60"),
        enveloppe_disponible=Decimal("286031.60"),
        total_avant_enveloppe=Decimal("293814.78"),
        montant_verse_2014=Decimal("20000.00"),
        etp_conventionnes_2014=Decimal("12.5"),
        etp_realises_2014=Decimal("1.25"),
    )
    assert ligne["montant_net"] == 0 and ligne["reste_a_deduire"] > 0
    modele = ModeleCompile(MODELE_NOTIFICATION)
    adresse = {
        "raison_sociale": "Les Jardins de la Vesle",
        "siret": "46270107900016",
        "adresse": "14 chemin des Maraîchers",
        "code_postal": "51100",
        "commune": "Reims",
    }
    reelle = modele.ecrire(
        valeurs_notification(ligne | adresse, signature_demo()), dossier / "reelle.docx"
    )
    adresse |= {
        "raison_sociale": "Association départementale pour l'insertion et la réinsertion "
        "professionnelle des personnes éloignées de l'emploi du bassin rémois",
        "adresse": "Zone artisanale des Trois Fontaines, bâtiment C, 14 chemin des Maraîchers",
        "commune": "Saint-Brice-Courcelles",
    }
    signature = Signature(
        region="Provence-Alpes-Côte d'Azur",
        lieu="Châlons-en-Champagne",
        signataire="Marie-Christine de La Rochefoucauld-Montbel",
        qualite="La directrice régionale adjointe de l'économie, de l'emploi, du travail et des "
        "solidarités",
    )
    valeurs = valeurs_notification(ligne | adresse, signature)
    valeurs["mention_modifie"] = (
        "Établi à partir d'un grand livre modifié après le calcul (resultats.csv, empreinte "
        "0123456789abcdef… ; son empreinte SHA-256 n'est plus celle que le calcul a consignée "
        "dans manifeste.json : il a été modifié après le calcul)."
    )
    return [reelle, modele.ecrire(valeurs, dossier / "demesuree.docx")]


@LIBREOFFICE
def test_chaque_lettre_de_la_demo_et_les_plus_longues_tiennent_sur_une_page(demo, tmp_path):
    lettres = sorted((demo / "notifications").glob("notification_*.docx"))
    assert len(lettres) == 40
    longues = _plus_longues(tmp_path)
    pdfs = pdf.convertir_en_pdf([*lettres, *longues], tmp_path / "pdf")
    index = openpyxl.load_workbook(demo / "notifications" / "notifications.xlsx")["Notifications"]
    numeros = {r[0]: r[2] for r in index.iter_rows(min_row=2, values_only=True)}
    for chemin in pdfs:
        assert pages(chemin) == 1, f"{chemin.name} : {pages(chemin)} pages"
        texte = texte_pdf(chemin)
        identifiant = chemin.stem.rpartition("-")[2]
        if identifiant in numeros:  # SIRET et n° d'annexe jamais coupés en fin de ligne
            assert f"SIRET {numeros[identifiant]}" in texte.replace("\u00a0", " ")
            assert f"n° {identifiant}" in texte.replace("\u00a0", " ")
    texte = texte_pdf(pdfs[-2])
    assert "Aucun versement ne sera donc effectué" in texte
    assert "286 031,60 €" in texte.replace("\u00a0", " ")  # l'enveloppe disponible


@LIBREOFFICE
def test_de_la_marge_une_police_bien_plus_large_tient_encore(tmp_path):
    """La lettre la plus longue d'une campagne réelle tient sur une page même en DejaVu Sans,
    plus large qu'Arial d'environ 10 % : sous Arial et Liberation Sans, il reste de la marge."""
    reelle = _plus_longues(tmp_path)[0]
    large = en_police(reelle, LARGE, tmp_path / "large.docx")
    (rendu,) = pdf.convertir_en_pdf([large], tmp_path / "pdf")
    assert pages(rendu) == 1


# --- décisions ----------------------------------------------------------------------------------


def _decision_etti_regularisee() -> DecisionASP:
    """La mesure la plus large : ETTI (14 colonnes de l'export) et les quatre colonnes de la
    régularisation."""
    colonnes = [c.entete for c in disposition_de_la_mesure("ETTI").colonnes]
    colonnes += entetes_ajoutes("ETTI", avec_regularisation=True)
    montant = "1\u00a0165\u00a0805,08\u00a0€"
    lignes = [
        [
            "57",
            f"P2000{n}",
            f"7753005020009{n}",
            "Tremplin Travail Temporaire Sarrebourg et environs",
            f"ETTI05725002{n}A10M12",
            "01/01/2015",
            "31/12/2015",
            "134,68",
            *[montant] * 9,
        ]
        for n in range(8)
    ]
    return DecisionASP(
        mesure="ETTI",
        departement="2A",
        nom_departement="Corse-du-Sud",
        region="Corse",
        annee=2015,
        nb_structures=8,
        montant_total=Decimal("9326440.64"),
        base_du_taux="Le taux appliqué est de 5 %.",
        colonnes=colonnes,
        lignes=lignes,
        signature=signature_demo(),
        avec_regularisation=True,
    )


@LIBREOFFICE
def test_tableau_de_la_decision_sans_numero_ni_mot_coupe(demo, tmp_path):
    decisions = [
        *sorted((demo / "annexe5").glob("*/decision_asp_2026_57_*.docx")),
        *rendre_decisions_asp([_decision_etti_regularisee()], tmp_path / "large"),
    ]
    for docx_, chemin in zip(
        decisions, pdf.convertir_en_pdf(decisions, tmp_path / "pdf"), strict=True
    ):
        texte = texte_pdf(chemin)
        annexe = texte[texte.index("Annexe") :]
        mots = set(re.findall(r"[^\s]+", annexe))
        for numero in re.findall(r"\b(?:EI|ETTI|AI|ACI|EITI)\d{9}A\d+M\d+\b", annexe):
            assert numero in mots, (chemin.name, numero)
        for siret in SIRET.findall(annexe):
            assert siret in mots, (chemin.name, siret)
        # chaque mot d'en-tête est entier sur sa ligne (jamais « Départemen / t »)
        entetes = [c.text for c in docx.Document(str(docx_)).tables[0].rows[0].cells]
        for mot in {m.strip("()") for e in entetes for m in e.split() if len(m) > 3}:
            assert mot in annexe, (chemin.name, mot)
    texte = texte_pdf(tmp_path / "pdf" / "decision_asp_2015_2A_ETTI.pdf")
    assert "Abréviations : " in texte
    assert texte.count("77530050200090") == 1 and "ETTI057250020A10M12" in texte


# --- classeurs --------------------------------------------------------------------------------


def test_chaque_classeur_de_la_demo_est_pret_a_imprimer(demo):
    # asp/ : les fichiers de l'ASP fictifs sont des entrées, au format de l'ASP
    classeurs = sorted(c for c in demo.rglob("*.xlsx") if "asp" not in c.relative_to(demo).parts)
    noms = {c.name for c in classeurs}
    assert {"resultats.xlsx", "synthese.xlsx", "notifications.xlsx", "rapprochement.xlsx"} <= noms
    assert {"donnees.xlsx", "preparation.xlsx"} <= noms
    assert "annexe5_2026_57_ETTI.xlsx" in noms
    for chemin in classeurs:
        livre = openpyxl.load_workbook(chemin)
        for feuille in livre.worksheets:
            assert feuille.max_row > 1, f"{chemin.name}, {feuille.title} : feuille vide"
            assert imprimable(feuille), f"{chemin.name}, {feuille.title}"
            assert "2026" in feuille.oddFooter.right.text


def test_tableau_annexe5_colonnes_entieres_et_en_tete_repete(demo):
    feuille = openpyxl.load_workbook(demo / "annexe5" / "ETTI" / "annexe5_2026_57_ETTI.xlsx")[
        "Tableau"
    ]
    entetes = [c.value for c in feuille[4]]
    assert feuille.print_title_rows == "$4:$4"
    assert feuille.page_setup.orientation == "landscape"
    largeur = {e: feuille.column_dimensions[chr(65 + j)].width for j, e in enumerate(entetes)}
    assert largeur["N° SIRET"] >= 14 and largeur["N° annexe financière"] >= 17
    assert largeur["Montant prévu de l'aide de l'Etat = AE"] >= len("115 078,67 €")
    assert feuille.row_dimensions[4].height >= 3 * 12.75  # en-têtes sur plusieurs lignes
    postes = feuille.cell(5, entetes.index("Nombre de postes conventionnés") + 1)
    assert isinstance(postes.value, float)  # un nombre, pas un texte


def test_zones_calculees_a_la_main():
    """Largeurs lues comme LibreOffice, plus larges qu'Excel : (largeur + 5/7) × 5,56 points,
    59,57 pour 10, 281,97 pour 50. Page A4 paysage entre 0,4 pouce de marges : 784,29 points,
    922,7 à 85 %. Trois colonnes répétées (178,71) laissent 744 points : deux colonnes de 50
    (563,94) par page, pas trois (845,91)."""
    assert mise_en_page.zones([10, 10, 10, 50, 50, 50, 50], 3) == mise_en_page.Zones(85, (5,))
    # une colonne de 120 (671,17) à côté d'une de 60 (337,57) : 77 %, jamais sous 80 %
    decoupe = mise_en_page.zones([60, 120], 1)
    assert decoupe == mise_en_page.Zones(80, ()) and decoupe.taille == 8


def test_en_tete_et_pied_de_page_assez_grands_pour_l_echelle():
    """Le tableur réduit l'en-tête et le pied de page comme la feuille : « &8 » sur une feuille
    ramenée à 81 % s'imprimait en 6,5 points. Leur taille tient compte de l'échelle, à 3 % près."""
    for largeurs in ([10] * 5, [15] * 12, [20] * 14, [12] * 30):
        zoom = mise_en_page.zoom_imprime(largeurs)
        with mise_en_page.mention_sur_chaque_page("PROJET — non signé"):
            reglage = mise_en_page.impression(largeurs, titre="Tableau", campagne=2026)
        tailles = [int(t) for t in re.findall(r"&(\d+)", reglage.entete + reglage.pied)]
        assert len(tailles) == 4, reglage
        assert all(t * (zoom - 3) / 100 >= 8 for t in tailles), (largeurs, zoom, tailles)
    assert mise_en_page.zoom_imprime([12] * 30) < 60  # le cas large est bien réduit
    reglage = mise_en_page.impression([60, 120], titre="T", campagne=2026, echelle=80)
    assert reglage.pied == "&L&11T&C&11Page &P sur &N&R&11Campagne 2026"


@LIBREOFFICE
def test_tableau_annexe_et_classeurs_imprimes_en_8_points_au_moins(demo, tmp_path):
    """Le tableau annexé ETTI (feuilles « Tableau » et « Contrôle »), le bordereau et l'index
    des lettres, imprimés par LibreOffice : aucun texte sous 8 points, pied de page compris."""
    classeurs = [
        demo / "annexe5" / "ETTI" / "annexe5_2026_57_ETTI.xlsx",
        demo / "a_envoyer.xlsx",
        demo / "notifications" / "notifications.xlsx",
    ]
    for chemin in pdf.convertir_en_pdf(classeurs, tmp_path / "pdf"):
        petites = {t: x for t, x in tailles_imprimees(chemin).items() if t < 8}
        assert not petites, (chemin.name, petites)


@pytest.mark.libreoffice
@LIBREOFFICE
def test_simulation_resultats_et_preparation_pied_de_page_en_8_points_au_moins(tmp_path):
    """Imprimés par LibreOffice : le pied de page de chaque feuille de simulation.xlsx (2,7 à
    7,8 points avant), resultats.xlsx et preparation.xlsx en 8 points au moins ; tout le texte
    de la Synthèse des résultats (pied en 7,7), de la feuille Sources de la préparation (7,6),
    des Scénarios de la simulation (4,6), de ses Structures avec trois scénarios (6,1) et de
    « À vérifier » (6,1) aussi (issue 16)."""
    from test_preparer import ecrire_entrees, preparer
    from test_simulation import DEPARTEMENTAL, POIDS_50, methode

    annee = ["--annee", "2026", "--sortie"]
    assert main(["calculer", str(DONNEES), *annee, str(tmp_path / "calcul")]) == 0
    simuler = ["simuler", str(DONNEES), *annee, str(tmp_path / "simulation")]
    enveloppes = ["--enveloppes", str(DEMO / "enveloppes_demo.csv")]
    scenarios = ["--scenario", "Note=defaut"]
    for nom, texte in (("Poids", POIDS_50), ("Départemental", DEPARTEMENTAL)):
        scenarios += ["--scenario", f"{nom}={methode(tmp_path, f'{nom}.yaml', texte)}"]
    assert main([*simuler, *scenarios, *enveloppes]) == 0
    assert preparer(ecrire_entrees(tmp_path / "asp"), tmp_path / "preparation") == 0
    classeurs = [
        tmp_path / "simulation" / "simulation.xlsx",
        tmp_path / "calcul" / "resultats.xlsx",
        tmp_path / "preparation" / "preparation.xlsx",
    ]
    entieres = (
        "Synthèse de la modulation",
        "Préparation — source de chaque valeur",
        "Scénarios comparés",  # par zones : 4,6 points sur une page de large
        "Préparation — valeurs à vérifier",  # 6,1 points avant
        "Simulation par structure",  # par zones : 6,1 points avec trois scénarios
    )
    for chemin in pdf.convertir_en_pdf(classeurs, tmp_path / "pdf"):
        for numero, page in enumerate(PdfReader(str(chemin)).pages, start=1):
            textes: list[tuple[float, str]] = []

            def visiteur(texte, cm, tm, police, taille, textes=textes) -> None:
                if texte.strip():
                    echelle = abs(tm[3] * cm[3] + tm[1] * cm[2]) or 1
                    textes.append((round(taille * echelle, 2), texte.strip()))

            contenu = page.extract_text(visitor_text=visiteur)
            pied = [t for t, x in textes if x == "Page" or x.startswith("Campagne 2026")]
            assert pied and min(pied) >= 8, (chemin.name, numero, pied)
            if any(titre in contenu for titre in entieres):
                petits = [(t, x) for t, x in textes if t < 8]
                assert not petits, (chemin.name, numero, petits[:3])


def tailles_imprimees(chemin: Path) -> dict[float, str]:
    """Chaque taille de caractères d'un PDF (points, matrice de texte comprise), avec un texte
    écrit à cette taille (pypdf)."""
    tailles: dict[float, str] = {}

    def visiteur(texte, cm, tm, police, taille) -> None:
        if texte.strip():
            echelle = abs(tm[3] * cm[3] + tm[1] * cm[2]) or 1
            tailles.setdefault(round(taille * echelle, 2), texte)

    for page in PdfReader(str(chemin)).pages:
        page.extract_text(visitor_text=visiteur)
    return tailles


def test_resultats_xlsx_imprime_par_zones_lisibles(tmp_path):
    """La table des résultats s'imprimait sur une page de large : 28 colonnes vers 4 points,
    justification et anomalies hors de la zone d'impression. Elle s'imprime par zones, en 8
    points au moins, l'identité répétée à gauche de chaque page ; justification et anomalies,
    renvoyées à la ligne, dans la feuille Justifications, une page de large."""
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(tmp_path)]) == 0
    livre = openpyxl.load_workbook(tmp_path / "resultats.xlsx")
    assert livre.sheetnames == ["Résultats", "Justifications", "Synthèse", "Répartition"]
    feuille = livre["Résultats"]
    assert feuille.print_title_rows == "$1:$1" and feuille.print_title_cols == "$A:$C"
    # « Effort d'insertion (ETP encadrement / insertion) » : 4 lignes au moins dans sa colonne
    assert feuille.row_dimensions[1].height >= 4 * 12.75
    entetes = [c.value for c in feuille[1]]
    assert entetes[-2:] == ["Justification", "Anomalies et remarques"]
    assert feuille.print_area == "'Résultats'!$A$1:$BC$41"  # jusqu'à la colonne avant eux
    assert entetes[54] == "Effectif comparé résultats"
    assert len(zones_imprimees(feuille)) >= 5
    assert taille_par_zones(feuille) >= 8
    justifications = livre["Justifications"]
    assert [c.value for c in justifications[1]] == [
        "N° d'annexe financière",
        "Raison sociale",
        "Justification",
        "Anomalies et remarques",
    ]
    justification = justifications["C2"].value.replace("\u00a0", " ")
    assert justification.startswith("Publics 45,5 % — rang 3/21 — score 0,1000")
    assert justifications["C2"].alignment.wrap_text and justifications["D2"].alignment.wrap_text
    mise = justifications.page_setup
    assert justifications.sheet_properties.pageSetUpPr.fitToPage
    assert int(mise.fitToWidth or 1) == 1 and int(mise.fitToHeight) == 0
    utile = A4_PAYSAGE - 72 * 0.8
    assert mise.orientation == "landscape"
    assert 10 * utile / points_imprimes(justifications, range(4)) >= 8
    synthese = livre["Synthèse"]
    enveloppes = next(r for r in synthese.iter_rows() if r[0].value == "Région" and r[0].row > 3)
    assert synthese.row_dimensions[enveloppes[0].row].height >= 2 * 12.75
    # le titre de la Synthèse débordait à droite : LibreOffice l'imprimait à 85 %, pied de page
    # en 7,7 points (issue 16) ; il est renvoyé à la ligne sur la largeur du tableau
    assert "A1:G1" in synthese.merged_cells and synthese["A1"].alignment.wrap_text
    assert synthese.row_dimensions[1].height >= 2 * 17.85
    for nom in ("Justifications", "Synthèse", "Répartition"):
        assert min(tailles_sur_papier(livre[nom])) >= 8, nom


def test_index_des_lettres_par_zones_et_projet_en_tete(tmp_path):
    """notifications.xlsx s'imprimait vers 5,5 points ; non signé, il ne disait pas PROJET."""
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(tmp_path / "c")]) == 0
    resultats = str(tmp_path / "c" / "resultats.csv")
    commande = ["notifications", resultats, "--annee", "2026", "--sans-pdf", "--sortie"]
    assert main([*commande, str(tmp_path / "projet")]) == 0
    signature = ["--lieu", "Nancy", "--signataire", "Jeanne Martin"]
    assert main([*commande, str(tmp_path / "signees"), *signature]) == 0
    projet = openpyxl.load_workbook(tmp_path / "projet" / "notifications.xlsx")["Notifications"]
    assert "PROJET — non signé" in projet.oddHeader.center.text
    assert projet.print_title_cols == "$A:$B"
    assert taille_par_zones(projet) >= 8
    # campagne 2026 : aucune régularisation 2014, pas de colonnes vides pour elle
    entetes = [c.value for c in projet[1]]
    assert "Régularisation 2014" not in entetes and "Montant net versé" in entetes
    signees = openpyxl.load_workbook(tmp_path / "signees" / "notifications.xlsx")
    assert not signees["Notifications"].oddHeader.center.text


@LIBREOFFICE
def test_aucune_colonne_seule_sur_une_page(tmp_path):
    """LibreOffice imprime chaque zone de Résultats sur une page (aucune colonne renvoyée seule
    sur la suivante), l'identité en tête de chacune ; la justification se lit en entier."""
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(tmp_path)]) == 0
    feuille = openpyxl.load_workbook(tmp_path / "resultats.xlsx")["Résultats"]
    (rendu,) = pdf.convertir_en_pdf([tmp_path / "resultats.xlsx"], tmp_path / "pdf")
    textes = [
        texte_pdf_page(rendu, numero) for numero in range(1, pages(rendu) + 1)
    ]  # fmt: skip
    zones = [t for t in textes if "SIRET" in t and "Raison sociale" in t]
    assert len(zones) == len(zones_imprimees(feuille))
    # chaque justification finit par son groupe : les 40 sont imprimées en entier
    assert sum(t.count("structure(s)") for t in textes if "Justification" in t) == 40


# --- ligne de commande --------------------------------------------------------------------------


def test_chaque_message_d_argparse_a_sa_traduction():
    source = inspect.getsource(argparse)
    messages = {
        n.args[0].value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
        and getattr(n.func, "id", "") in ("_", "ngettext")
        and n.args
        and isinstance(n.args[0], ast.Constant)
    }
    assert messages - TRADUCTIONS.keys() == set()


@pytest.mark.parametrize(
    "commande", [[], ["calculer"], ["annexe5"], ["notifications"], ["demo"], ["classeur"]]
)
def test_aide_sans_un_mot_d_anglais(commande, capsys):
    with pytest.raises(SystemExit):
        main([*commande, "--help"])
    aide = sortie_capturee(capsys)
    for anglais in ("usage:", "options:", "show ", "help message", "positional", "version number"):
        assert anglais not in aide
    assert "options\u00a0:" in aide


def test_meme_regle_des_pdf_pour_les_trois_commandes(capsys):
    for commande in ("annexe5", "notifications", "demo"):
        with pytest.raises(SystemExit):
            main([commande, "--help"])
        aide = " ".join(sortie_capturee(capsys).split())
        assert "--pdf" in aide and "--sans-pdf" in aide and "--pas-de-pdf" not in aide
        assert "par défaut, les PDF sont produits si LibreOffice est installé" in aide


# --- lettres écrites en parallèle ---------------------------------------------------------------


def test_lettres_ecrites_en_parallele_toutes_lisibles(demo):
    """Les fils d'écriture partageaient les en-têtes ZIP du modèle : des lettres sortaient avec
    un CRC faux, que LibreOffice refusait au hasard (« source file could not be loaded »)."""
    for lettre in (demo / "notifications").glob("*.docx"):
        with zipfile.ZipFile(lettre) as archive:
            assert archive.testzip() is None, lettre.name


def test_mesure_en_minuscules_partout(tmp_path):
    commande = ["annexe5", str(DEMO / "exports" / "EI.xlsx"), "--mesure", " ei ", "--annee"]
    options = ["2026", "--taux-forfaitaire", "5", "--sortie", str(tmp_path), "--sans-pdf"]
    assert main([*commande, *options]) == 0
    assert (tmp_path / "PROJET_decision_asp_2026_54_EI.docx").is_file()
