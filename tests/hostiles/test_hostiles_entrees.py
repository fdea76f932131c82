"""Corpus hostile, entrées : chaque attaque donne un message français et un code documenté (2
entrée refusée, 1 système), jamais de trace Python ; les bombes sont refusées vite."""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from aides import DONNEES, EXPORT_ACI, empreinte, sortie_capturee
from fabrique import (
    LIGNE_FLUX,
    PREMIER_IDENTIFIANT,
    archive_gonflee,
    bombe_gzip,
    cellule_lointaine,
    classeur_formule,
    docx_modifie,
    donnees_2015,
    donnees_modifiees,
    fluxiae,
    xlsx_donnees,
    xml_lisible,
)
from iae_modulation import limites
from iae_modulation.chemins import DOSSIER_TEMPLATES
from iae_modulation.cli import main
from iae_modulation.documents.notifications import MODELE_NOTIFICATION
from iae_modulation.excel import macros
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.texte_xml import texte_xml

RACINE = Path(__file__).resolve().parents[2]
GABARIT = DOSSIER_TEMPLATES / "IAE_modulation.xlsm"
QUARANTE_CHIFFRES = "1" * 40


def calculer(donnees: Path, sortie: Path, *options: str, annee: str = "2026") -> int:
    return main(["calculer", str(donnees), "--annee", annee, "--sortie", str(sortie), *options])


def annexe5(export: Path, sortie: Path, *options: str, annee: str = "2021") -> int:
    commande = ["annexe5", str(export), "--mesure", "ACI", "--annee", annee, "--sans-pdf"]
    return main([*commande, "--sortie", str(sortie), *options])


def sans_trace(capsys) -> str:
    texte = sortie_capturee(capsys)
    assert "Traceback" not in texte
    return texte


# --- nombres démesurés, enveloppe nulle ---------------------------------------------------------


def test_socle_de_40_chiffres(tmp_path, capsys):
    donnees = donnees_modifiees(tmp_path / "donnees.csv", "montant_socle", QUARANTE_CHIFFRES)
    assert calculer(donnees, tmp_path / "s") == 2
    texte = sans_trace(capsys)
    assert "donnees.csv, ligne 2, colonne « montant_socle »" in texte
    assert "sort des limites d'un nombre lu" in texte


@pytest.mark.parametrize("option", ["--enveloppes", "--versements-2014"])
def test_enveloppe_et_versement_de_40_chiffres(tmp_path, capsys, option):
    fichier = tmp_path / "montants.csv"
    cle = "Grand Est" if option == "--enveloppes" else PREMIER_IDENTIFIANT
    entete = (
        "region;enveloppe"
        if option == "--enveloppes"
        else "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014"
    )
    fin = "" if option == "--enveloppes" else ";4;3"
    fichier.write_text(f"{entete}\n{cle};{QUARANTE_CHIFFRES}{fin}\n", encoding="utf-8")
    sortie = tmp_path / "s"
    donnees = donnees_2015(tmp_path / "donnees.csv")
    assert calculer(donnees, sortie, option, str(fichier), annee="2015") == 2
    assert f"montants.csv, ligne 2, colonne « {entete.split(';')[1]} »" in sans_trace(capsys)
    assert not (sortie / "resultats.csv").exists()


def test_enveloppe_de_zero(tmp_path, capsys):
    """La démo a une ACI en milieu pénitentiaire. En 2019, son montant est à taux fixe et aucune
    enveloppe ne le réduit : une enveloppe de 0 € ne peut pas la payer (refus clair). En 2026
    (plafond de 5 %, classée avec les autres), tout est réduit à 0."""
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;0\n", encoding="utf-8")
    assert calculer(DONNEES, tmp_path / "s", "--enveloppes", str(enveloppes), annee="2019") == 2
    texte = sans_trace(capsys).replace("\u00a0", " ")
    assert "Enveloppe Grand Est de 0,00 € inférieure aux montants à taux fixe" in texte
    assert calculer(DONNEES, tmp_path / "s2", "--enveloppes", str(enveloppes)) == 0
    assert "Enveloppe Grand Est : 0,00 €, utilisée 0,00 €" in sans_trace(capsys).replace(
        "\u00a0", " "
    )


def test_base_d_export_de_40_chiffres(tmp_path, capsys):
    ligne = LIGNE_FLUX.replace("182888.12", QUARANTE_CHIFFRES)
    flux = fluxiae(tmp_path / "flux.csv", [ligne])
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5") == 2
    assert "flux.csv, ligne 3, colonne af_montant_total_annuel" in sans_trace(capsys)


@pytest.mark.parametrize("valeur", ["NaN", "sNaN", "Infinity", "-Infinity", "1e400"])
def test_resultats_csv_nan_infini(calculs, tmp_path, capsys, valeur):
    lignes = calculs[2026].read_text(encoding="utf-8-sig").splitlines()
    colonnes = lignes[0].split(";")
    cellules = lignes[1].split(";")
    cellules[colonnes.index("taux_calcule")] = valeur
    resultats = tmp_path / "resultats.csv"
    resultats.write_text("\n".join([lignes[0], ";".join(cellules), *lignes[2:]]), "utf-8")
    commande = ["--resultats", str(resultats)]
    assert annexe5(EXPORT_ACI, tmp_path / "s", *commande, annee="2026") == 2
    assert f"ligne 2, colonne « taux_calcule » : « {valeur} »" in sans_trace(capsys)


@pytest.mark.parametrize("valeur", ["NaN", "sNaN", "Infinity", "1e400", QUARANTE_CHIFFRES])
def test_taux_forfaitaire_nan_infini(tmp_path, capsys, valeur):
    with pytest.raises(SystemExit) as sortie:
        annexe5(EXPORT_ACI, tmp_path / "s", "--taux-forfaitaire", valeur)
    assert sortie.value.code == 2
    assert f"« {valeur} » n'est pas un pourcentage" in sans_trace(capsys)


# --- FluxIAE et gzip abîmés ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("avenant", "attendu"), [("²", "« ² » n'est pas un numéro"), ("9" * 5000, "n'est pas un")]
)
def test_avenant_absurde(tmp_path, capsys, avenant, attendu):
    ligne = LIGNE_FLUX.replace("|0|1|ACI_DC", f"|0|{avenant}|ACI_DC")
    assert (
        annexe5(fluxiae(tmp_path / "flux.csv", [ligne]), tmp_path / "s", "--taux-forfaitaire", "5")
        == 2
    )
    texte = sans_trace(capsys)
    assert "flux.csv, ligne 3, colonne af_numero_avenant_modification" in texte and attendu in texte


def test_gzip_abime(tmp_path, capsys):
    flux = fluxiae(tmp_path / "flux.csv.gz", [LIGNE_FLUX])
    octets = bytearray(flux.read_bytes())
    octets[20:40] = b"\xff" * 20
    flux.write_bytes(bytes(octets))
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5") == 2
    assert "flux.csv.gz : archive .gz abîmée" in sans_trace(capsys)


def test_gzip_tronque_message_precis(tmp_path, capsys):
    flux = fluxiae(tmp_path / "flux.csv.gz", [LIGNE_FLUX] * 50)
    flux.write_bytes(flux.read_bytes()[:-30])
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5") == 2
    texte = sans_trace(capsys)
    assert "flux.csv.gz : archive .gz tronquée" in texte and "non reconnu" not in texte


def test_fluxiae_sans_ligne_fin(tmp_path, capsys):
    flux = fluxiae(tmp_path / "flux.csv", [LIGNE_FLUX], fin=False)
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5") == 2
    assert "flux.csv : FluxIAE incomplet, la dernière ligne « FIN… » manque" in sans_trace(capsys)


# --- en-têtes, sorties impossibles, classeur en lecture seule ----------------------------------


@pytest.mark.parametrize("cas", ["absent", "dossier", "binaire"])
def test_option_entetes_inutilisable(tmp_path, capsys, cas):
    entetes = tmp_path / "entetes.yaml"
    if cas == "dossier":
        entetes.mkdir()
    elif cas == "binaire":
        entetes.write_bytes(b"dispositions:\n  \xff\xfe\x00\x81\x00")
    commande = ["--taux-forfaitaire", "5", "--source", "extranet", "--entetes", str(entetes)]
    assert annexe5(EXPORT_ACI, tmp_path / "s", *commande, annee="2026") == 2
    assert "entetes.yaml" in sans_trace(capsys)


def test_sortie_sous_un_fichier(tmp_path, capsys):
    (tmp_path / "afile.txt").write_text("x", encoding="utf-8")
    assert calculer(DONNEES, tmp_path / "afile.txt" / "sub") == 2
    assert "afile.txt est un fichier (un élément du chemin)" in sans_trace(capsys)


def test_nom_de_sortie_trop_long(tmp_path, capsys):
    assert calculer(DONNEES, tmp_path / ("x" * 260)) == 1
    assert "nom de fichier trop long" in sans_trace(capsys)


def test_support_en_lecture_seule(tmp_path, capsys, monkeypatch):
    def refuser(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", refuser)
    assert calculer(DONNEES, tmp_path / "s") == 1
    assert f"Erreur du système sur {tmp_path / 's'} : support en lecture seule." in sans_trace(
        capsys
    )


def test_classeur_en_lecture_seule_refuse_avant_tout_travail(tmp_path, capsys):
    copie = tmp_path / "campagne.xlsm"
    shutil.copyfile(GABARIT, copie)
    copie.chmod(0o444)
    avant = empreinte(copie)
    code = main(["classeur", "executer", "calculer", str(copie)])
    assert code == 2
    assert "campagne.xlsm est en lecture seule : rien n'a été fait" in sans_trace(capsys)
    assert empreinte(copie) == avant and sorted(p.name for p in tmp_path.iterdir()) == [
        "campagne.xlsm"
    ]


def test_erreur_inattendue_sans_trace_sauf_debogage(tmp_path):
    script = (
        "import sys\n"
        "import iae_modulation.campagne as c\n"
        "def panne(*a, **k):\n"
        "    raise RuntimeError('panne simulée')\n"
        "c.lire_donnees = panne\n"
        "from iae_modulation.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    environnement = {**os.environ, "PYTHONPATH": str(RACINE / "python")}
    commande = ["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(tmp_path / "s")]
    for options, trace in (([], False), (["--debogage"], True)):
        fini = subprocess.run(
            [sys.executable, "-c", script, *options, *commande],
            env=environnement,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert fini.returncode == 1
        assert "Erreur inattendue (RuntimeError : panne simulée)" in fini.stderr
        assert ("Traceback" in fini.stderr) is trace


# --- bombes et limites ------------------------------------------------------------------------


def test_bombe_gzip_de_zeros(tmp_path, capsys):
    bombe = bombe_gzip(tmp_path / "flux.csv.gz", 2 * 10**9)
    assert bombe.stat().st_size < 10 * limites.MO
    debut = time.perf_counter()
    assert annexe5(bombe, tmp_path / "s", "--taux-forfaitaire", "5", "--source", "fluxiae") == 2
    assert time.perf_counter() - debut < 10
    assert "flux.csv.gz : fichier refusé, une ligne dépasse 1 Mo" in sans_trace(capsys)


def test_bombe_gzip_de_texte_limite_de_decompression(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limites, "DECOMPRESSE_MAX", 5 * limites.MO)
    flux = tmp_path / "flux.csv.gz"
    with gzip.open(flux, "wb") as sortie:
        sortie.write(fluxiae(tmp_path / "entete.csv", [], fin=False).read_bytes())
        sortie.write((" " * 999 + "\n").encode() * 10_000)
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5") == 2
    texte = sans_trace(capsys)
    assert "flux.csv.gz : fichier refusé, son contenu décompressé" in texte
    assert "dépasse la limite de 5 Mo" in texte


def test_ligne_demesuree(tmp_path, capsys):
    flux = tmp_path / "flux.csv.gz"
    with gzip.open(flux, "wb") as sortie:
        sortie.write(b"DEB" + b"x" * (3 * limites.MO))
    assert annexe5(flux, tmp_path / "s", "--taux-forfaitaire", "5", "--source", "fluxiae") == 2
    assert "une ligne dépasse 1 Mo" in sans_trace(capsys)


def test_cellule_en_xfd1048576_sans_arret_brutal(tmp_path):
    """calamine arrêtait Python (code 134, « memory allocation failed ») : vérifié à part."""
    donnees = cellule_lointaine(tmp_path / "donnees.xlsx")
    environnement = {**os.environ, "PYTHONPATH": str(RACINE / "python")}
    fini = subprocess.run(
        [sys.executable, "-m", "iae_modulation.cli", "calculer", str(donnees)]
        + ["--annee", "2026", "--sortie", str(tmp_path / "s")],
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fini.returncode == 2, fini.stderr[-500:]
    assert "une cellule est remplie jusqu'à la ligne 1048576" in fini.stdout + fini.stderr


@pytest.mark.parametrize("nature", ["donnees", "classeur", "modele"])
def test_bombes_zip_sur_chaque_chemin(tmp_path, capsys, monkeypatch, nature):
    monkeypatch.setattr(limites, "DECOMPRESSE_MAX", 20 * limites.MO)
    if nature == "donnees":
        bombe = archive_gonflee(
            xlsx_donnees(tmp_path / "d.xlsx"), tmp_path / "bombe.xlsx", 30 * limites.MO
        )
        code = calculer(bombe, tmp_path / "s")
    elif nature == "classeur":
        bombe = archive_gonflee(GABARIT, tmp_path / "bombe.xlsm", 30 * limites.MO)
        code = main(["classeur", "executer", "verifier", str(bombe)])
    else:
        bombe = archive_gonflee(MODELE_NOTIFICATION, tmp_path / "bombe.docx", 30 * limites.MO)
        code = main(
            [
                *("notifications", str(DONNEES), "--donnees", str(DONNEES), "--annee", "2026"),
                *("--modele", str(bombe), "--sortie", str(tmp_path / "s")),
            ]
        )
    assert code == 2
    assert f"{bombe.name}" in sans_trace(capsys)
    assert not (tmp_path / "s").exists()


def test_trop_de_lignes(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("iae_modulation.lecture.LIGNES_MAX", 30)
    assert calculer(DONNEES, tmp_path / "s") == 2
    assert "donnees_demo.csv : plus de 30 lignes de données (ligne 32)" in sans_trace(capsys)


def test_taille_et_limite_dans_la_meme_unite_que_la_doc(tmp_path, capsys):
    gros = tmp_path / "donnees.csv"
    with open(gros, "wb") as fichier:
        fichier.truncate(limites.TAILLE_MAX_ENTREE + 1)  # fichier creux : rien d'écrit sur disque
    assert calculer(gros, tmp_path / "s") == 2
    assert "dépasse la limite de 200 Mo" in sans_trace(capsys)
    assert "200 Mo" in (RACINE / "docs" / "donnees.md").read_text(encoding="utf-8")


def test_versement_2014_absurde_remarque_non_bloquante(tmp_path, capsys):
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        f"{PREMIER_IDENTIFIANT};99999999;4;3\n",
        encoding="utf-8",
    )
    donnees = donnees_2015(tmp_path / "donnees.csv")
    options = ("--versements-2014", str(versements))
    assert calculer(donnees, tmp_path / "s", *options, annee="2015") == 0
    texte = sans_trace(capsys).replace("\u00a0", " ")
    assert f"versement 2014 de 99 999 999,00 € pour {PREMIER_IDENTIFIANT}, plus que 10 %" in texte


def test_lignes_masquees_remarque_non_bloquante(tmp_path):
    donnees = xlsx_donnees(tmp_path / "donnees.xlsx", cachees=(3,))
    assert calculer(donnees, tmp_path / "s") == 0
    resultats = (tmp_path / "s" / "resultats.csv").read_text(encoding="utf-8-sig")
    assert "ligne masquée dans Excel" in resultats


# --- encodages et caractères interdits par XML --------------------------------------------------


def test_csv_utf8_puis_windows_1252_refuse(tmp_path, capsys):
    lignes = DONNEES.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    octets = "".join(lignes[:10]).encode("utf-8") + "".join(lignes[10:]).encode("cp1252")
    donnees = tmp_path / "donnees.csv"
    donnees.write_bytes(octets)
    assert calculer(donnees, tmp_path / "s") == 2
    texte = sans_trace(capsys)
    assert "donnees.csv, ligne 1" in texte and "encodage mélangé" in texte
    assert "Ã©" not in texte and not (tmp_path / "s").exists()


def test_caracteres_interdits_retires_des_documents(calculs, tmp_path):
    donnees = donnees_modifiees(
        tmp_path / "donnees.csv", "raison_sociale", "Vélo\ufffe\uffff\x01\x1f Solidaire"
    )
    assert calculer(donnees, tmp_path / "calcul") == 0
    xml_lisible(tmp_path / "calcul" / "resultats.xlsx")
    resultats = tmp_path / "calcul" / "resultats.csv"
    sortie = tmp_path / "lettres"
    commande = ["notifications", str(resultats), "--donnees", str(donnees), "--annee", "2026"]
    assert main([*commande, "--sortie", str(sortie), "--sans-pdf"]) == 0
    # ni signataire ni lieu : un projet ; première structure de la démo, ACI de la Marne
    lettre = sortie / f"PROJET_notification_2026-51-ACI-{PREMIER_IDENTIFIANT}.docx"
    xml_lisible(lettre)
    assert "Vélo Solidaire" in "\n".join(p.text for p in docx.Document(lettre).paragraphs)
    xml_lisible(sortie / "notifications.xlsx")
    assert texte_xml("a\ud800b\udfffc\x00d") == "abcd"


@pytest.mark.parametrize(
    ("partie", "remplacer", "attendu"),
    [
        (
            "word/document.xml",
            lambda x: x.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY e "x">]>', 1).replace(
                b"{{ raison_sociale }}", b"&e;{{ raison_sociale }}", 1
            ),
            "déclare un DTD ou des entités",
        ),
        ("word/document.xml", lambda x: x[: len(x) // 2], "XML illisible"),
        ("word/styles.xml", lambda x: x.replace(b">", b"&nbsp;>", 3), "XML illisible"),
    ],
    ids=["entite", "tronque", "entite-non-definie"],
)
def test_modele_word_refuse_avant_toute_lettre(
    calculs, tmp_path, capsys, partie, remplacer, attendu
):
    modele = docx_modifie(MODELE_NOTIFICATION, tmp_path / "modele.docx", partie, remplacer)
    sortie = tmp_path / "lettres"
    commande = ["notifications", str(calculs[2026]), "--donnees", str(DONNEES), "--annee", "2026"]
    assert main([*commande, "--modele", str(modele), "--sortie", str(sortie)]) == 2
    assert attendu in sans_trace(capsys)
    assert not sortie.exists()


# --- petits défauts ---------------------------------------------------------------------------


@pytest.mark.parametrize("identifiant", [".", ".."])
def test_identifiant_point(tmp_path, capsys, identifiant):
    donnees = donnees_modifiees(tmp_path / "donnees.csv", "identifiant", identifiant)
    assert calculer(donnees, tmp_path / "s") == 2
    assert f"identifiant « {identifiant} » sans lettre ni chiffre" in sans_trace(capsys)


@pytest.mark.parametrize(("calculee", "code"), [(215528.21, 0), (None, 2)])
def test_formule_lue_par_sa_valeur_calculee(tmp_path, calculee, code):
    copie = classeur_formule(GABARIT, tmp_path / "campagne.xlsm", "=215528.21*1", calculee)
    classeur = ClasseurFichier(copie)
    classeur.ecrire_parametre("annee", 2026)
    classeur.ecrire_parametre("region", "Grand Est")
    resultat = macros.ACTIONS["calculer"](classeur)
    assert resultat.code == code, resultat.message
    if calculee is None:
        assert "la formule =215528.21*1 n'a pas de valeur calculée" in resultat.message
    else:
        enveloppes = next((tmp_path / "IAE_sorties" / "entrees").glob("enveloppes-*.csv"))
        assert "Grand Est;215528.21" in enveloppes.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    "dossier", ["/tmp/ailleurs", "../../ailleurs", "a/../../b", "~/x", "C:\\x"]
)
def test_dossier_de_sortie_du_classeur_confine(tmp_path, dossier):
    copie = tmp_path / "recu" / "campagne.xlsm"
    copie.parent.mkdir()
    shutil.copyfile(GABARIT, copie)
    classeur = ClasseurFichier(copie)
    classeur.ecrire_parametre("annee", 2026)
    classeur.ecrire_parametre("dossier_sortie", dossier)
    resultat = macros.ACTIONS["calculer"](classeur)
    assert resultat.code == 2 and "« Dossier de sortie »" in resultat.message
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["campagne.xlsm", "recu"]
    # refusée avant tout travail : le classeur reste tel quel (issue 14), rien au journal
    assert copie.read_bytes() == GABARIT.read_bytes()
