"""Corpus hostile, ce qui entoure les montants (issue 14, point 7) : modèle Word à macros, terminal
qui n'écrit pas l'UTF-8, date de signature impossible, action du classeur refusée, disque plein
et fichier trop gros."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from aides import DONNEES, EXPORT_ACI, classeur_de_campagne, empreinte, sortie_capturee
from iae_modulation.cli import main
from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_DECISION
from iae_modulation.documents.notifications import MODELE_NOTIFICATION
from iae_modulation.documents.publipostage import ErreurModele, ModeleCompile
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.resultats import lire_grand_livre

RACINE = Path(__file__).resolve().parents[2]
ENVIRONNEMENT = {**os.environ, "PYTHONPATH": str(RACINE / "python"), "PYTHONDONTWRITEBYTECODE": "1"}
TYPE_DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"
TYPE_DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
TYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


@pytest.fixture(scope="module")
def calcul(tmp_path_factory) -> Path:
    sortie = tmp_path_factory.mktemp("calcul") / "calcul"
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(sortie)]) == 0
    return sortie / "resultats.csv"


def commande_cli(*arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "iae_modulation.cli", *arguments],
        capture_output=True,
        timeout=300,
        **{"env": ENVIRONNEMENT, **options},
    )


# --- modèle Word à macros ---------------------------------------------------------------------


def modele_a_macros(source: Path, chemin: Path, type_principal: str, vba: bool) -> Path:
    """Le modèle livré, déclaré « .docm » (ou « .dotx ») et, sur demande, avec un projet VBA."""
    with zipfile.ZipFile(source) as entree, zipfile.ZipFile(chemin, "w") as sortie:
        for info in entree.infolist():
            contenu = entree.read(info)
            if info.filename == "[Content_Types].xml":
                contenu = contenu.replace(TYPE_DOCX.encode(), type_principal.encode())
            sortie.writestr(info, contenu, compress_type=zipfile.ZIP_DEFLATED)
        if vba:
            sortie.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 AutoOpen Shell")
    return chemin


@pytest.mark.parametrize(
    ("nom", "type_principal", "vba"),
    [
        ("lettre.docm", TYPE_DOCM, True),
        ("lettre.docx", TYPE_DOCM, True),  # macros derrière une extension .docx
        ("lettre.docx", TYPE_DOTX, False),  # un modèle Word (.dotx) renommé
        ("lettre.docx", TYPE_DOCX, True),  # type juste, mais un projet VBA joint
    ],
)
def test_modele_a_macros_refuse_avant_toute_lettre(
    calcul, tmp_path, capsys, nom, type_principal, vba
):
    modele = modele_a_macros(MODELE_NOTIFICATION, tmp_path / nom, type_principal, vba)
    code = main(
        ["notifications", str(calcul), "--annee", "2026", "--modele", str(modele)]
        + ["--sortie", str(tmp_path / "lettres"), "--sans-pdf"]
    )
    assert code == 2
    message = sortie_capturee(capsys)
    assert f"{nom} : ce n'est pas un document Word .docx sans macros" in message
    assert "enregistrez-le dans Word sous « Document Word (*.docx) »" in message
    assert not (tmp_path / "lettres").exists()


def test_modele_de_decision_a_macros_refuse(tmp_path):
    modele = modele_a_macros(DOSSIER_MODELES / NOM_DECISION, tmp_path / "d.docm", TYPE_DOCM, True)
    with pytest.raises(ErreurModele, match="pas un document Word .docx sans macros"):
        ModeleCompile(modele)
    ModeleCompile(DOSSIER_MODELES / NOM_DECISION)  # le modèle livré passe


# --- terminal sans UTF-8 ----------------------------------------------------------------------


@pytest.mark.parametrize("encodage", ["ascii", "cp1252"])
def test_terminal_sans_utf8_un_calcul_reussi_reste_reussi(tmp_path, encodage):
    """Avant : résultats publiés, puis « Fichier d'entrée abîmé » (code 2) en affichant « é »."""
    sortie = tmp_path / "calcul"
    fait = commande_cli(
        "calculer",
        str(DONNEES),
        "--annee",
        "2026",
        "--sortie",
        str(sortie),
        env={**ENVIRONNEMENT, "PYTHONIOENCODING": encodage, "LANG": "C", "LC_ALL": "C"},
    )
    assert fait.returncode == 0, fait.stderr
    sortie_texte = fait.stdout.decode(encodage)
    assert "40 structures calcul" in sortie_texte
    assert "abîmé" not in fait.stderr.decode(encodage, "replace")
    assert len(lire_grand_livre(sortie / "resultats.csv").lignes) == 40
    aide = commande_cli("--help", env={**ENVIRONNEMENT, "PYTHONIOENCODING": "ascii"})
    assert aide.returncode == 0 and b"Traceback" not in aide.stderr


# --- date de signature ------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["1900-01-01", "2999-12-31", "2024-12-31"])
def test_date_de_signature_impossible_refusee(calcul, tmp_path, capsys, date):
    signes = ["--lieu", "Nancy", "--signataire", "Jeanne Martin", "--date", date, "--sans-pdf"]
    lettres = ["notifications", str(calcul), "--annee", "2026"]
    assert main([*lettres, "--sortie", str(tmp_path / "lettres"), *signes]) == 2
    message = sortie_capturee(capsys)
    assert "Date du document refusée" in message
    assert "est datée du 1er janvier 2025 au" in message
    asp = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026"]
    asp += ["--resultats", str(calcul), "--sortie", str(tmp_path / "asp")]
    assert main([*asp, *signes]) == 2
    assert "Date du document refusée" in sortie_capturee(capsys)
    assert not (tmp_path / "lettres").exists() and not (tmp_path / "asp").exists()


# --- action du classeur refusée ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "parametres"),
    [
        ("calculer", ["annee=deux mille"]),
        ("calculer", ["methode=moyenne"]),
        ("calculer", ["dossier_sortie=../../ailleurs"]),
        ("calculer", ["enveloppe=beaucoup"]),
        ("calculer", ["region=Atlantide", "enveloppe=1000"]),
        ("verifier", ["annee=1999"]),
        ("decision-asp", ["mesure_annexe5=XYZ"]),
        ("decision-asp", ["departements=54,99"]),
        ("decision-asp", [f"export_annexe5={Path('absent.xlsx').resolve()}"]),
        ("notifications", ["dernier_calcul=nulle-part"]),
        ("verifier", ["annee"]),  # pas de « = »
    ],
)
def test_action_refusee_laisse_le_classeur_intact(tmp_path, capsys, action, parametres):
    """Avant : le paramètre refusé et une ligne « échec » étaient enregistrés dans le classeur."""
    classeur = classeur_de_campagne(tmp_path / "campagne.xlsm")
    assert main(["classeur", "executer", "calculer", str(classeur)]) == 0
    avant = empreinte(classeur)
    fichiers = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    options = [a for p in parametres for a in ("--parametre", p)]
    assert main(["classeur", "executer", action, str(classeur), *options]) == 2
    assert empreinte(classeur) == avant
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == fichiers
    assert ClasseurFichier(classeur).lire_parametre("annee") is not None
    capsys.readouterr()


# --- disque plein, fichier trop gros ----------------------------------------------------------


def sans_anglais(texte: str) -> None:
    for anglais in ("FileCreateError", "No space", "File too large", "Errno", "Traceback"):
        assert anglais not in texte


def test_disque_plein_dans_xlsxwriter_message_francais_et_rien_de_remplace(
    tmp_path, capsys, monkeypatch
):
    """XlsxWriter enveloppe l'OSError dans FileCreateError : « Erreur inattendue
    FileCreateError » avant ; un message français avec le chemin et le code 1 maintenant."""
    import xlsxwriter.workbook

    sortie = tmp_path / "calcul"
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(sortie)]) == 0
    avant = {p.name: empreinte(p) for p in sortie.iterdir()}
    zip_reel = xlsxwriter.workbook.ZipFile

    def plein(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", plein)
    code = main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(sortie), "--ecraser"])
    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", zip_reel)
    assert code == 1
    message = sortie_capturee(capsys)
    assert f"Erreur du système sur {sortie} : disque plein." in message
    sans_anglais(message)
    assert {p.name: empreinte(p) for p in sortie.iterdir()} == avant


def _petit_disque() -> bool:
    if not shutil.which("unshare"):
        return False
    essai = subprocess.run(
        ["unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
        capture_output=True,
    )
    return essai.returncode == 0


@pytest.mark.skipif(not _petit_disque(), reason="pas d'espace de noms pour monter un tmpfs")
def test_vrai_disque_plein_tmpfs(tmp_path):
    """Un vrai disque de 24 ko (tmpfs dans un espace de noms) : le calcul n'y tient pas."""
    point = tmp_path / "disque"
    point.mkdir()
    script = (
        f"mount -t tmpfs -o size=24k tmpfs {point} && "
        f"{sys.executable} -m iae_modulation.cli calculer {DONNEES} --annee 2026 "
        f"--sortie {point}/calcul"
    )
    fait = subprocess.run(
        ["unshare", "-r", "-m", "sh", "-c", script],
        capture_output=True,
        env=ENVIRONNEMENT,
        timeout=300,
    )
    message = fait.stderr.decode("utf-8")
    assert fait.returncode == 1, message
    assert f"Erreur du système sur {point}/calcul" in message and "disque plein" in message
    sans_anglais(message)


def test_fichier_trop_gros_efbig(tmp_path):
    """RLIMIT_FSIZE : toute écriture au-delà de 8 ko échoue (EFBIG), comme sur une clé FAT32 au
    bout de 4 Go."""

    def limiter():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))

    sortie = tmp_path / "calcul"
    fait = subprocess.run(
        [sys.executable, "-m", "iae_modulation.cli", "calculer", str(DONNEES), "--annee", "2026"]
        + ["--sortie", str(sortie)],
        capture_output=True,
        env=ENVIRONNEMENT,
        preexec_fn=limiter,
        timeout=300,
    )
    message = fait.stderr.decode("utf-8")
    assert fait.returncode == 1, message
    assert f"Erreur du système sur {sortie}" in message
    assert "fichier trop volumineux pour ce disque" in message
    sans_anglais(message)
    assert not sortie.exists() or not (sortie / "resultats.csv").exists()
