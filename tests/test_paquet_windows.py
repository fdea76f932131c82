"""Le paquet d'installation hors ligne pour Windows (issue 10).

Les roues Windows sont téléchargées une fois (PyPI, ou le proxy et les miroirs de la
configuration pip) puis gardées dans le cache de pytest (.pytest_cache/) : les exécutions
suivantes n'ont plus besoin du réseau. Sans accès aux paquets, ces tests sont sautés.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from iae_modulation import __version__
from iae_modulation.commandes import classeur as commande
from iae_modulation.excel import paquet_windows

ETIQUETTE = re.compile(r"^:(\w+)", re.MULTILINE)


def parseur() -> argparse.ArgumentParser:
    principal = argparse.ArgumentParser(prog="iae-modulation")
    commande.enregistrer(principal.add_subparsers(dest="commande", required=True))
    return principal


@pytest.fixture(scope="module")
def roues_windows(request) -> Path:
    """Les roues de toutes les versions prises en charge, téléchargées une fois puis gardées."""
    empreinte = hashlib.sha256(
        repr((paquet_windows.exigences(), paquet_windows.VERSIONS_PYTHON)).encode()
    ).hexdigest()[:16]
    roues = request.config.cache.mkdir(f"roues-windows-{empreinte}")
    if not (roues / "complet").exists():
        sonde = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(roues)]
            + paquet_windows._options_windows(paquet_windows.VERSIONS_PYTHON[0])
            + ["xlwings==0.37.8"],
            capture_output=True,
            text=True,
        )
        if sonde.returncode:
            pytest.skip(f"dépôt de paquets injoignable : {sonde.stderr.strip()[-200:]}")
        paquet_windows.telecharger_roues(roues)
        (roues / "complet").touch()
    return roues


def test_installer_cmd_genere_depuis_son_modele():
    texte = paquet_windows.installateur(("3.11", "3.13")).decode("cp850")
    assert not re.search(r"@[A-Z_]+@", texte)
    assert "\r\n" in texte and "\n" not in texte.replace("\r\n", "")
    assert "for %%V in (3.13 3.11) do" in texte  # la plus récente d'abord
    assert "for %%V in (313 311) do" in texte
    assert "sys.version_info[:2] in [(3, 11), (3, 13)]" in texte
    assert f"IAE Modulation {__version__}" in texte
    for commande_attendue in (
        r'set "VENV=%CIBLE%\venv"',
        r'set "CIBLE=%LOCALAPPDATA%\iae-modulation"',
        '-m venv "%VENV%"',
        '--no-index --find-links "%ICI%roues" --upgrade -r "%ICI%exigences.txt"',
        '--no-index --no-deps --no-build-isolation -e "%SOURCE%"',
        'classeur rattacher "%CLASSEUR%"',
        'classeur installer --dossier "%CLASSEURS%"',
        'classeur diagnostic "%CLASSEUR%"',
        "-m compileall",
    ):
        assert commande_attendue in texte, commande_attendue
    assert not re.search(r"runas|ProgramData|HKLM|setx", texte, re.IGNORECASE)  # rien d'admin
    cibles = set(re.findall(r"goto (\w+)", texte))
    assert cibles <= set(ETIQUETTE.findall(texte))
    assert texte.count("(") - texte.count("^(") == texte.count(")") - texte.count("^)")


def test_guide_genere_en_francais_pour_le_bloc_notes():
    octets = paquet_windows.guide(("3.12", "3.13"))
    assert octets.startswith(b"\xef\xbb\xbf")
    texte = octets.decode("utf-8-sig")
    assert not re.search(r"@[A-Z_]+@", texte)
    assert "Python 3.12, 3.13" in texte and "Débloquer" in texte
    assert "classeur rattacher" in texte


def test_roues_windows_completes_pour_chaque_python(roues_windows):
    """`pip install --dry-run --no-index --platform win_amd64 --only-binary=:all:` résout
    toutes les dépendances avec les seules roues du paquet, pour chaque version de Python."""
    assert paquet_windows.verifier_roues(roues_windows) == {}
    for version in paquet_windows.VERSIONS_PYTHON:
        cp = "cp" + version.replace(".", "")
        (xlwings,) = roues_windows.glob(f"xlwings-0.37.8-{cp}-{cp}-win_amd64.whl")
        with zipfile.ZipFile(xlwings) as roue:
            assert "xlwings-0.37.8.data/data/xlwings64-0.37.8.dll" in roue.namelist()
        assert list(roues_windows.glob(f"pywin32-*-{cp}-{cp}-win_amd64.whl"))


def test_roues_incompletes_detectees(roues_windows, tmp_path):
    for roue in roues_windows.glob("*.whl"):
        if not roue.name.startswith("pandas-"):
            (tmp_path / roue.name).symlink_to(roue)
    echecs = paquet_windows.verifier_roues(tmp_path, ("3.12",))
    assert list(echecs) == ["3.12"] and "pandas" in echecs["3.12"]


def test_paquet_windows_ecrit_l_archive(roues_windows, tmp_path, capsys):
    args = parseur().parse_args(
        ["classeur", "paquet-windows", "--sortie", str(tmp_path), "--roues", str(roues_windows)]
    )
    assert args.executer(args) == 0
    archive = tmp_path / f"iae-modulation-{__version__}-windows.zip"
    assert f"Paquet d'installation écrit : {archive}" in capsys.readouterr().out
    racine = f"iae-modulation-{__version__}/"
    with zipfile.ZipFile(archive) as zip_:
        noms = set(zip_.namelist())
        exigences = zip_.read(racine + "exigences.txt").decode("utf-8").split("\r\n")
        cmd = zip_.read(racine + "installer.cmd")
    for attendu in (
        "installer.cmd",
        "LISEZMOI.txt",
        "source/pyproject.toml",
        "source/python/iae_modulation/cli.py",
        "source/templates/IAE_modulation.xlsm",
        "source/templates/notification_montant_module.docx",
        "source/docs/deploiement.md",
    ):
        assert racine + attendu in noms, attendu
    assert not [n for n in noms if "__pycache__" in n or n.startswith(racine + "source/tests")]
    roues = {Path(n).name for n in noms if n.startswith(racine + "roues/")}
    assert roues == {r.name for r in roues_windows.glob("*.whl")}
    assert "xlwings==0.37.8" in exigences and any(e.startswith("setuptools") for e in exigences)
    assert cmd == paquet_windows.installateur()


def test_paquet_windows_refuse_une_version_de_python_inconnue(tmp_path, capsys):
    args = parseur().parse_args(
        ["classeur", "paquet-windows", "--sortie", str(tmp_path), "--python", "3.9"]
    )
    assert args.executer(args) == 2
    assert "--python 3.9 : versions prises en charge 3.11" in capsys.readouterr().err
