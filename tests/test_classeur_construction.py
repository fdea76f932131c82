"""Construction de templates/IAE_modulation.xlsm (issue 5) : projet VBA, ruban, feuilles."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.excel import cfb, construction, paquet, projet_vba
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.parametres import surcharge
from oletools.olevba import VBA_Parser, decompress_stream

RACINE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def construit(tmp_path_factory) -> Path:
    return construction.construire(tmp_path_factory.mktemp("gabarit") / "IAE_modulation.xlsm")


def modules_extraits(chemin: Path) -> dict[str, str]:
    analyse = VBA_Parser(str(chemin))
    try:
        return {nom.rsplit(".", 1)[0]: code for _, _, nom, code in analyse.extract_macros()}
    finally:
        analyse.close()


def sans_attributs(source: str) -> list[str]:
    """Les lignes de code, sans l'en-tête d'export (VERSION … END) ni les lignes Attribute."""
    lignes = source.replace("\r\n", "\n").split("\n")
    if lignes and lignes[0].startswith("VERSION "):
        lignes = lignes[lignes.index("END") + 1 :]
    return [ligne for ligne in lignes if not ligne.startswith("Attribute ")]


def test_deux_constructions_donnent_les_memes_octets(construit, tmp_path):
    deuxieme = construction.construire(tmp_path / "deuxieme.xlsm")
    assert deuxieme.read_bytes() == construit.read_bytes()


def test_le_gabarit_commite_egale_une_construction_fraiche(construit):
    commite = RACINE / "templates" / "IAE_modulation.xlsm"
    assert commite.read_bytes() == construit.read_bytes(), (
        "templates/IAE_modulation.xlsm est périmé : lancez « iae-modulation classeur construire »"
    )


def test_chaque_module_extrait_est_identique_a_sa_source(construit):
    extraits = modules_extraits(construit)
    xlwings = projet_vba.dossier_xlwings()
    assert extraits["xlwings"] == (xlwings / "xlwings.bas").read_bytes().decode("cp1252")
    dictionnaire = (xlwings / "addin" / "Dictionary.cls").read_text("cp1252")
    assert sans_attributs(extraits["Dictionary"]) == sans_attributs(dictionnaire)
    assert extraits["xlwings_udfs"] == projet_vba.module_udfs()
    assert extraits["IAE_Fonctions"] == projet_vba.module_descriptions()
    assert projet_vba.corps_du_classeur() in extraits["ThisWorkbook"]
    for source in (RACINE / "xl" / "vba").glob("*.bas"):
        texte = source.read_text("utf-8").replace("\n", "\r\n")
        assert extraits[source.stem] == texte
    assert "« IAE Modulation »" in extraits["IAE_Ruban"]  # accents et guillemets en cp1252


def test_mentions_de_licence_gardees(construit):
    extraits = modules_extraits(construit)
    assert "xlwings is distributed under a BSD 3-clause license." in extraits["xlwings"]
    assert "@license: MIT" in extraits["Dictionary"]


def test_modules_de_document_pour_le_classeur_et_chaque_feuille(construit):
    extraits = modules_extraits(construit)
    attendus = {"ThisWorkbook"} | {f"Sheet{i}" for i in range(1, len(contrat.FEUILLES) + 1)}
    assert attendus <= set(extraits)
    classeur = openpyxl.load_workbook(construit, keep_vba=True)
    assert classeur.code_name == "ThisWorkbook"
    noms_de_code = [classeur[f].sheet_properties.codeName for f in contrat.FEUILLES]
    assert noms_de_code == [f"Sheet{i}" for i in range(1, len(contrat.FEUILLES) + 1)]


def test_projet_vba_sans_cache_excel_compile_la_source(construit):
    """[MS-OVBA] 2.3.4.1 : version 0xFFFF et aucun cache, comme le quickstart_standalone.xlsm
    d'xlwings ; sinon un Excel de la version du modèle de pyOpenVBA lirait un cache mis à zéro."""
    with zipfile.ZipFile(construit) as archive:
        projet = olefile.OleFileIO(io.BytesIO(archive.read(paquet.PARTIE_VBA)))
    flux = projet.openstream("VBA/_VBA_PROJECT").read()
    assert flux[:2] == b"\xcc\x61" and flux[2:4] == b"\xff\xff" and len(flux) == 7
    modele = projet_vba.dossier_xlwings() / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(modele) as archive:
        xlwings = olefile.OleFileIO(io.BytesIO(archive.read(paquet.PARTIE_VBA)))
    assert xlwings.openstream("VBA/_VBA_PROJECT").read() == flux


def forme_du_stockage(vba: bytes) -> dict:
    """Ce qui caractérise l'écriture d'un vbaProject.bin ([MS-CFB], [MS-OVBA]), au-delà de son
    contenu : couleurs et forme des arbres de frères, ordre du répertoire, métadonnées, en-tête,
    disposition des secteurs, fin du flux dir."""
    ole = olefile.OleFileIO(io.BytesIO(vba))
    entrees = ole.direntries
    (mineure, majeure, _, decalage, mini, _, _, _, premier_rep, _, seuil, premier_mini_fat) = (
        struct.unpack("<HHHHH6sIIIIII", vba[24:64])
    )
    fat = [s for s in struct.unpack("<109I", vba[76:512]) if s != cfb.LIBRE]

    def freres(parent) -> list[int]:
        chaine, suivant = [], parent.sid_child
        while suivant != cfb.AUCUN:
            chaine.append(suivant)
            suivant = entrees[suivant].sid_right
        return chaine

    prefixe = []

    def parcourir(indice: int) -> None:
        prefixe.append(indice)
        for enfant in freres(entrees[indice]):
            parcourir(enfant)

    parcourir(0)
    stockages = [e for e in entrees if e is not None and e.entry_type in (1, 5)]
    tries = all(
        [cfb.ordre(entrees[i].name) for i in freres(e)]
        == sorted(cfb.ordre(entrees[i].name) for i in freres(e))
        for e in stockages
    )
    reperes = {
        premier_rep: "répertoire",
        premier_mini_fat: "mini-FAT",
        entrees[0].isectStart: "mini-flux",
    }
    reperes |= {s: "FAT" for s in fat}
    reperes |= {
        e.isectStart: "flux" for e in entrees if e and e.entry_type == 2 and e.size >= seuil
    }
    disposition = [reperes[s] for s in sorted(reperes)]
    disposition = [d for i, d in enumerate(disposition) if i == 0 or d != disposition[i - 1]]
    dir_ = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    return {
        "couleurs": {e.color for e in entrees if e is not None},
        "liens gauches": {e.sid_left for e in entrees if e is not None},
        "frères triés": tries,
        "répertoire en préfixe": prefixe == [i for i, e in enumerate(entrees) if e is not None],
        "dates et CLSID": {(e.createTime, e.modifyTime, e.clsid) for e in entrees if e is not None},
        "en-tête": (mineure, majeure, decalage, mini, seuil),
        "disposition": disposition,
        "fin de dir": bytes(dir_[-12:]),
        "_VBA_PROJECT": ole.openstream("VBA/_VBA_PROJECT").read(),
    }


def test_stockage_vba_ecrit_comme_le_quickstart_d_xlwings(construit):
    """Arbre tout noir en chaînes triées, répertoire en préfixe, flux dir qui finit sur son
    terminateur : le fichier composé est écrit comme celui qu'xlwings livre et qu'Excel ouvre."""
    with zipfile.ZipFile(construit) as archive:
        notre = forme_du_stockage(archive.read(paquet.PARTIE_VBA))
    modele = projet_vba.dossier_xlwings() / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(modele) as archive:
        xlwings = forme_du_stockage(archive.read(paquet.PARTIE_VBA))
    assert notre == xlwings
    assert notre["couleurs"] == {cfb.NOIR} and notre["liens gauches"] == {cfb.AUCUN}
    assert notre["fin de dir"].endswith(bytes.fromhex("100000000000"))


def test_ruban_relation_et_type_de_contenu_macro(construit):
    assert paquet.problemes(construit.read_bytes()) == []
    parties = paquet.lire_parties(construit.read_bytes())
    assert parties[paquet.PARTIE_RUBAN] == (RACINE / "xl" / "customUI14.xml").read_bytes()
    assert "macroEnabled.main+xml" in parties[paquet.TYPES].decode()


def test_archive_a_date_fixe(construit):
    with zipfile.ZipFile(construit) as archive:
        assert {entree.date_time for entree in archive.infolist()} == {paquet.DATE_FIXE}
        assert archive.namelist()[0] == paquet.TYPES


def test_feuilles_cellules_nommees_et_tableau_de_demo(construit):
    classeur = openpyxl.load_workbook(construit, keep_vba=True)
    assert classeur.sheetnames == list(contrat.FEUILLES)
    assert classeur[contrat.LISTES].sheet_state == "hidden"
    for nom in contrat.NOMS_PARAMETRES:
        assert nom in classeur.defined_names, nom
    fichier = ClasseurFichier(construit)
    assert fichier.lire_parametre("methode") == "rang"
    donnees = classeur[contrat.DONNEES]
    ((nom, plage),) = donnees.tables.items()
    assert nom == contrat.TABLE_DONNEES
    assert plage == f"A1:{openpyxl.utils.get_column_letter(len(NOMS_COLONNES))}41"
    assert [c.value for c in donnees[1]] == list(NOMS_COLONNES)
    assert donnees["A2"].value == "ACI051230010"
    assert donnees["H2"].value == "51"  # code département gardé en texte
    assert donnees["L2"].value == pytest.approx(215528.21)
    validations = {str(v.sqref): v.formula1 for v in donnees.data_validations.dataValidation}
    assert validations["G2:G5001"] == f"'{contrat.LISTES}'!$A$2:$A$6"  # type
    assert validations["H2:H5001"] == f"'{contrat.LISTES}'!$B$2:$B$102"  # département
    conf = classeur[contrat.CONFIGURATION]
    assert [(c.value, v.value) for c, v in conf.iter_rows(max_col=2)] == [
        ("UDF Modules", "iae_modulation.excel.udfs"),
        ("Use UDF Server", "True"),  # texte : un booléen deviendrait « VRAI » dans Excel français
    ]  # l'interpréteur est écrit par « classeur installer » ou « rattacher »
    assert len(classeur[contrat.SYNTHESE]._charts) == 2


def test_aucune_valeur_de_demonstration_par_defaut(construit):
    """Année, région, enveloppe et départements restent à renseigner : une valeur de la
    démonstration (département 51, enveloppe de 295 600 €, 2026) passerait dans une vraie
    campagne sans que l'agent l'ait choisie."""
    fichier = ClasseurFichier(construit)
    for nom in ("annee", "region", "enveloppe", "departements"):
        assert fichier.lire_parametre(nom) in (None, ""), nom
    assert fichier.lire_parametre("pdf") == "non"
    parametres = openpyxl.load_workbook(construit)[contrat.PARAMETRES]
    aides = {ligne[0]: ligne[2] for ligne in parametres.iter_rows(min_row=4, values_only=True)}
    assert "Word" not in aides["Produire aussi les PDF"]
    assert "EITI" in aides["Mesure de l'export (annexe 5)"]
    mesures = [c.value for c in openpyxl.load_workbook(construit)[contrat.LISTES]["F"][1:]]
    assert [m for m in mesures if m] == ["EI", "ETTI", "AI", "ACI", "EITI"]


def test_accueil_dit_vrai(construit):
    """Le mode d'emploi du classeur : pas de resultats.xlsx promis (le clic n'en écrit pas),
    autant d'étapes que le titre en annonce, l'installation de Python telle qu'elle est, et
    les structures de démonstration signalées."""
    accueil = [
        v for (v,) in openpyxl.load_workbook(construit)[contrat.ACCUEIL].iter_rows(values_only=True)
    ]
    texte = "\n".join(v for v in accueil if v)
    assert "resultats.xlsx" not in texte and "quatre clics" not in texte
    debut = next(i for i, v in enumerate(accueil) if v and v.startswith("Une campagne en cinq"))
    etapes = []
    for ligne in accueil[debut + 1 :]:
        if not ligne or not re.match(r"\d\. ", ligne):
            break
        etapes.append(ligne)
    assert [e[:2] for e in etapes] == ["1.", "2.", "3.", "4.", "5."]
    assert "installe Python et ses bibliothèques" not in texte
    assert "Python lui-même si votre service informatique l'a joint au paquet" in texte
    assert "40 structures fictives de démonstration" in texte
    # nombres et années des textes, cités depuis les paramètres datés au 1er janvier 2026
    assert "(10 % ; 5 % en établissement pénitentiaire depuis 2022)" in texte
    assert "Une année sans arrêté enregistré (2026 aujourd'hui)" in texte
    parametres = openpyxl.load_workbook(construit)[contrat.PARAMETRES]
    aides = {ligne[0]: ligne[2] for ligne in parametres.iter_rows(min_row=4, values_only=True)}
    plafond = aides["Plafond de la méthode (%)"]
    assert plafond.startswith("Vide : le taux maximal fixé par l'arrêté (10 %).")


def test_la_mise_en_page_ne_chiffre_aucun_pour_cent_ni_l_annee_sans_arrete():
    """Un nombre légal ne s'écrit que dans parametres/ : la mise en page des feuilles le cite
    (« {taux_modulation_max} % »), elle ne l'écrit pas."""
    texte = (RACINE / "xl" / "feuilles.yaml").read_text("utf-8")
    assert not re.findall(r"\d %", texte)
    assert "{annee_sans_arrete} aujourd'hui" in texte


def test_l_annee_sans_arrete_de_l_accueil_suit_les_parametres(tmp_path):
    """Un arrêté 2026 enregistré (ici dans un dossier de paramètres) : l'Accueil d'un gabarit
    reconstruit annonce 2027, sans toucher à xl/feuilles.yaml."""
    dossier = tmp_path / "parametres_agent"
    dossier.mkdir()
    (dossier / "montant_socle_ei.yaml").write_text(
        "description: Montant socle EI\nunite: EUR/ETP\nvaleurs:\n  2026-01-01:\n"
        "    valeur: 13500\n    grade: S1\n    note: Valeur d'essai.\n    reference:\n"
        "      titre: Arrêté d'essai de 2026\n      lien: https://exemple.invalid/2026\n",
        encoding="utf-8",
    )
    ligne = "Une année sans arrêté enregistré ({annee_sans_arrete} aujourd'hui)"
    assert construction._citer_les_parametres(ligne).endswith("(2026 aujourd'hui)")
    with surcharge(dossier):
        assert construction._citer_les_parametres(ligne).endswith("(2027 aujourd'hui)")


def test_xlwings_epingle_exactement_dans_pyproject():
    texte = (RACINE / "pyproject.toml").read_text("utf-8")
    assert f'"xlwings=={projet_vba.VERSION_XLWINGS}"' in texte


def test_parametres_du_yaml_et_du_code_doivent_concorder(tmp_path):
    sources = tmp_path / "xl"
    shutil.copytree(RACINE / "xl", sources)
    yaml = sources / "feuilles.yaml"
    yaml.write_text(yaml.read_text("utf-8").replace("nom: signataire", "nom: signature"), "utf-8")
    with pytest.raises(construction.ErreurConstruction, match="ne sont pas ceux que lit le code"):
        construction.construire(tmp_path / "x.xlsm", sources)
    assert not (tmp_path / "x.xlsm").exists()


@pytest.mark.libreoffice
def test_libreoffice_ouvre_le_gabarit_et_voit_les_memes_modules(construit, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profil",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(construit),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "IAE_modulation.ods") as ods:
        modules = {
            trouve[1]
            for nom in ods.namelist()
            if (trouve := re.fullmatch(r"Basic/VBAProject/(.+)\.xml", nom))
            and trouve[1] != "script-lb"
        }
        ruban = ods.read("Basic/VBAProject/IAE_Ruban.xml").decode("utf-8")
    assert modules == set(modules_extraits(construit))
    assert "m.calculer_modulation()" in ruban


def test_accueil_refuse_de_dire_plafond_quand_la_regle_penitentiaire_est_un_taux_fixe(monkeypatch):
    """Un gabarit daté de 2020 (taux fixe en établissement pénitentiaire) : la ligne de l'Accueil
    qui parle d'un plafond serait fausse, la construction s'arrête et dit pourquoi."""
    monkeypatch.setattr(construction, "DATE_DOCUMENT", dt.datetime(2020, 1, 1))
    with pytest.raises(construction.ErreurConstruction, match="n'est pas « plafond »"):
        construction._citer_les_parametres("depuis {debut_plafond_penitentiaire}")
