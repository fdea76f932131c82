"""Le paquet d'installation hors ligne pour Windows (issues 10 et 19).

Les roues Windows (≈ 150 Mo, aux versions de contraintes.txt) sont téléchargées une fois, par
`pytest --reseau`, dans ~/.cache/iae-modulation (ou le dossier de IAE_MODULATION_ROUES) ; les
tests marqués `reseau` tournent ensuite sans réseau, et sont sautés (raison affichée) tant que
ce cache manque. Tout le reste (installer.cmd, LISEZMOI.txt, installateur Python joint et ses
vérifications, archive) est vérifié sans réseau.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from iae_modulation import __version__
from iae_modulation.commandes import classeur as commande
from iae_modulation.excel import installateur_python, paquet_windows
from iae_modulation.sorties import ErreurEntree

ETIQUETTE = re.compile(r"^:(\w+)", re.MULTILINE)
RACINE = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.windows  # hors de la suite rapide : pytest -m windows


def parseur() -> argparse.ArgumentParser:
    principal = argparse.ArgumentParser(prog="iae-modulation")
    commande.enregistrer(principal.add_subparsers(dest="commande", required=True))
    return principal


@pytest.fixture(scope="module")
def roues_windows(request) -> Path:
    """Les roues de toutes les versions prises en charge, aux versions de contraintes.txt :
    celles du cache local, téléchargées par « pytest --reseau » si le cache manque."""
    empreinte = hashlib.sha256(
        repr(
            (
                paquet_windows.exigences(),
                paquet_windows.contraintes().read_text("utf-8"),
                paquet_windows.VERSIONS_PYTHON,
            )
        ).encode()
    ).hexdigest()[:16]
    cache = Path(
        os.environ.get("IAE_MODULATION_ROUES")
        or Path.home() / ".cache" / "iae-modulation" / f"roues-windows-{empreinte}"
    )
    if not (cache / "complet").exists():
        if not request.config.getoption("--reseau"):
            pytest.skip(
                f"roues Windows absentes du cache {cache} : « pytest --reseau » les télécharge "
                "une fois (≈ 150 Mo), les exécutions suivantes n'ont plus besoin du réseau"
            )
        sonde = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(cache)]
            + paquet_windows._options_windows(paquet_windows.VERSIONS_PYTHON[0])
            + ["xlwings==0.37.8"],
            capture_output=True,
            text=True,
        )
        if sonde.returncode:
            pytest.skip(f"dépôt de paquets injoignable : {sonde.stderr.strip()[-200:]}")
        paquet_windows.telecharger_roues(cache)
        (cache / "complet").touch()
    return cache


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
        '--no-index --find-links "%ICI%roues" -r "%ICI%exigences.txt" -c "%ICI%contraintes.txt"',
        '--no-index --no-deps --no-build-isolation -e "%SOURCE%"',
        '"%PYVENV%" -m iae_modulation classeur installer --garder',
        '"%PYVENV%" -m iae_modulation classeur diagnostic',
        "-m compileall",
        'tasklist /FI "IMAGENAME eq EXCEL.EXE"',  # Excel fermé avant de toucher au classeur
        'if /i "%~1"=="/silencieux"',
    ):
        assert commande_attendue in texte, commande_attendue
    lancees = [ligne for ligne in texte.splitlines() if not ligne.lstrip().startswith("rem")]
    assert not [ligne for ligne in lancees if "iae-modulation.exe" in ligne]  # non signé
    assert 'set "INSTALLATEUR="' in texte  # sans installateur joint : Python du poste
    assert "ce paquet n'en contient pas" in texte
    assert not re.search(r"runas|ProgramData|HKLM|setx", texte, re.IGNORECASE)  # rien d'admin
    cibles = set(re.findall(r"goto (\w+)", texte)) | set(re.findall(r"call :(\w+)", texte))
    assert cibles <= set(ETIQUETTE.findall(texte))
    assert texte.count("(") - texte.count("^(") == texte.count(")") - texte.count("^)")


def test_guide_genere_en_francais_pour_le_bloc_notes():
    octets = paquet_windows.guide(("3.12", "3.13"))
    assert octets.startswith(b"\xef\xbb\xbf")
    texte = octets.decode("utf-8-sig")
    assert not re.search(r"@[A-Z_]+@", texte)
    assert "Python 3.12, 3.13" in texte and "Débloquer" in texte
    assert "-m iae_modulation classeur rattacher" in texte
    # sans installateur joint, le guide ne renvoie pas un agent sans Internet vers python.org
    assert "Ce paquet ne contient pas Python" in texte and "service informatique" in texte
    assert "python.org" not in texte.split("2. Installer")[0]


# --- l'installateur Python joint (--python-installateur) -----------------------------------------


def programme_windows() -> bytes:
    """Un exécutable PE32+ minimal (une section .text d'un seul « ret ») qu'osslsigncode signe."""
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x0022)
    optionnel = bytearray(240)
    struct.pack_into("<HBBIIIII", optionnel, 0, 0x20B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000)
    struct.pack_into(
        "<QIIHHHHHHIIIIHHQQQQII", optionnel, 24, 0x140000000, 0x1000, 0x200,
        6, 0, 0, 0, 6, 0, 0, 0x2000, 0x200, 0, 3, 0x8160,
        0x100000, 0x1000, 0x100000, 0x1000, 0, 16,
    )  # fmt: skip
    section = struct.pack("<8sIIIIIIHHI", b".text", 0x1000, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                          0x60000020)  # fmt: skip
    en_tetes = bytes(dos) + b"PE\0\0" + coff + bytes(optionnel) + section
    return en_tetes + bytes(0x200 - len(en_tetes)) + b"\xc3" + bytes(0x1FF)


@pytest.fixture(scope="module")
def signatures(tmp_path_factory) -> dict[str, Path]:
    """Une autorité de test, et le même programme signé par « Python Software Foundation », par
    un autre éditeur, puis altéré après signature, et non signé (openssl et osslsigncode, les
    paquets Debian que la CI installe)."""
    if not (shutil.which("openssl") and shutil.which("osslsigncode")):
        pytest.skip("openssl et osslsigncode absents (apt-get install osslsigncode)")
    dossier = tmp_path_factory.mktemp("signatures")

    def lancer(*commande: str) -> None:
        subprocess.run(commande, cwd=dossier, check=True, capture_output=True)

    lancer("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
           "-out", "ca.pem", "-days", "2", "-subj", "/CN=Autorite de test",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign")  # fmt: skip
    (dossier / "ext.cnf").write_text("extendedKeyUsage=codeSigning\nkeyUsage=digitalSignature\n")
    (dossier / "programme.exe").write_bytes(programme_windows())
    fichiers = {"autorite": dossier / "ca.pem", "non_signe": dossier / "programme.exe"}
    for nom, editeur in (("psf", "Python Software Foundation"), ("autre", "Autre Editeur")):
        lancer("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{nom}.key",
               "-out", f"{nom}.csr", "-subj", f"/C=US/O={editeur}/CN={editeur}")  # fmt: skip
        lancer("openssl", "x509", "-req", "-in", f"{nom}.csr", "-CA", "ca.pem", "-CAkey",
               "ca.key", "-CAcreateserial", "-out", f"{nom}.pem", "-days", "2",
               "-extfile", "ext.cnf")  # fmt: skip
        lancer("osslsigncode", "sign", "-certs", f"{nom}.pem", "-key", f"{nom}.key",
               "-in", "programme.exe", "-out", f"{nom}.exe")  # fmt: skip
        fichiers[nom] = dossier / f"{nom}.exe"
    altere = bytearray(fichiers["psf"].read_bytes())
    altere[0x200] ^= 0xFF  # le code signé change, la signature reste
    (dossier / "altere.exe").write_bytes(altere)
    fichiers["altere"] = dossier / "altere.exe"
    return fichiers


def sous_le_nom(source: Path, dossier: Path, nom: str = "python-3.13.5-amd64.exe") -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, dossier / nom))


def test_installateur_python_verifie_avant_d_etre_joint(signatures, tmp_path):
    autorite = signatures["autorite"]

    def lire(chemin):
        return installateur_python.signataire_osslsigncode(chemin, autorite)

    bon = sous_le_nom(signatures["psf"], tmp_path / "bon")
    verifie = installateur_python.verifier_installateur(bon, ("3.12", "3.13"), lire_signature=lire)
    assert verifie.version == "3.13.5" and verifie.version_courte == "3.13"
    assert verifie.sha256 == hashlib.sha256(bon.read_bytes()).hexdigest()
    assert "signature Authenticode valide" in verifie.verification
    assert "O=Python Software Foundation" in verifie.verification
    avec_empreinte = installateur_python.verifier_installateur(
        bon, ("3.13",), verifie.sha256.upper(), lire_signature=lire
    )
    assert "empreinte SHA-256 égale à celle donnée" in avec_empreinte.verification

    refus = {
        "autre éditeur": (signatures["autre"], "python-3.13.5-amd64.exe", ("3.13",), None),
        "altéré": (signatures["altere"], "python-3.13.5-amd64.exe", ("3.13",), None),
        "non signé": (signatures["non_signe"], "python-3.13.5-amd64.exe", ("3.13",), None),
        "renommé": (signatures["psf"], "setup.exe", ("3.13",), None),
        "version hors paquet": (signatures["psf"], "python-3.10.11-amd64.exe", ("3.13",), None),
        "empreinte": (signatures["psf"], "python-3.13.5-amd64.exe", ("3.13",), "0" * 64),
    }
    for cas, (source, nom, versions, empreinte) in refus.items():
        chemin = sous_le_nom(source, tmp_path / cas.replace(" ", "_"), nom)
        with pytest.raises(ErreurEntree) as erreur:
            installateur_python.verifier_installateur(chemin, versions, empreinte, lire)
        assert "paquet non écrit" in str(erreur.value) or nom in str(erreur.value), cas
    pas_un_programme = tmp_path / "faux" / "python-3.13.5-amd64.exe"
    pas_un_programme.parent.mkdir()
    pas_un_programme.write_bytes(b"<html>page d'erreur du proxy</html>")
    with pytest.raises(ErreurEntree, match="n'est pas un programme Windows"):
        installateur_python.verifier_installateur(pas_un_programme, ("3.13",), None, lire)


def test_sans_outil_de_signature_l_empreinte_est_exigee(tmp_path, monkeypatch):
    monkeypatch.setattr(installateur_python, "outil_de_signature", lambda: None)
    chemin = tmp_path / "python-3.12.10-amd64.exe"
    chemin.write_bytes(programme_windows())
    with pytest.raises(ErreurEntree, match="--python-sha256"):
        installateur_python.verifier_installateur(chemin, ("3.12",))
    empreinte = hashlib.sha256(chemin.read_bytes()).hexdigest()
    verifie = installateur_python.verifier_installateur(chemin, ("3.12",), empreinte)
    assert verifie.verification == "empreinte SHA-256 égale à celle donnée"


def test_paquet_avec_installateur_python(tmp_path):
    """L'installateur joint est dans python\\, installer.cmd le lance pour l'agent seul, en
    silence, sans PATH ni associations, après avoir revérifié son empreinte ; sa version et son
    empreinte sont écrites dans paquet.json et dans LISEZMOI.txt."""
    source = tmp_path / "python-3.13.5-amd64.exe"
    source.write_bytes(programme_windows())
    empreinte = hashlib.sha256(source.read_bytes()).hexdigest()
    python = installateur_python.InstallateurPython(
        source, "3.13.5", empreinte, "signature Authenticode valide (test)"
    )
    roues = tmp_path / "roues"
    roues.mkdir()
    for nom in ("xlwings-0.37.8-cp313-cp313-win_amd64.whl", "ancienne-1.0-py3-none-any.whl"):
        (roues / nom).write_bytes(b"roue")
    archive = paquet_windows.construire_paquet(
        tmp_path / "sortie",
        roues,
        ("3.13",),
        choisies={"xlwings-0.37.8-cp313-cp313-win_amd64.whl"},
        python=python,
    )
    racine = f"iae-modulation-{__version__}/"
    with zipfile.ZipFile(archive) as zip_:
        noms = set(zip_.namelist())
        cmd = zip_.read(racine + "installer.cmd").decode("cp850")
        guide = zip_.read(racine + "LISEZMOI.txt").decode("utf-8-sig")
        inventaire = json.loads(zip_.read(racine + "paquet.json"))
        assert zip_.read(racine + "python/python-3.13.5-amd64.exe") == source.read_bytes()
        assert zip_.read(racine + "contraintes.txt") == (RACINE / "contraintes.txt").read_bytes()
    assert racine + "roues/ancienne-1.0-py3-none-any.whl" not in noms  # non retenue : absente
    assert 'set "INSTALLATEUR=python-3.13.5-amd64.exe"' in cmd
    assert f'set "INSTALLATEUR_SHA256={empreinte}"' in cmd
    assert r'set "PYTHON_OUTIL=%CIBLE%\python313"' in cmd
    lancement = next(ligne for ligne in cmd.splitlines() if ligne.startswith('start "" /wait'))
    for option in (
        "/quiet",
        "InstallAllUsers=0",
        "PrependPath=0",
        "AppendPath=0",
        "AssociateFiles=0",
        "Include_launcher=0",
        "InstallLauncherAllUsers=0",
        "Shortcuts=0",
        'TargetDir="%PYTHON_OUTIL%"',
        "/log",
    ):
        assert option in lancement.split() or option in lancement, option
    assert cmd.index("call :verifier_installateur") < cmd.index(lancement)
    assert 'certutil -hashfile "%ICI%python\\%INSTALLATEUR%" SHA256' in cmd
    assert "Ce paquet contient Python 3.13.5" in guide
    assert inventaire["installateur_python"] == {
        "fichier": "python/python-3.13.5-amd64.exe",
        "version": "3.13.5",
        "sha256": empreinte,
        "verification": "signature Authenticode valide (test)",
        "options": paquet_windows.OPTIONS_INSTALLATEUR,
    }
    assert inventaire["roues"] == ["xlwings-0.37.8-cp313-cp313-win_amd64.whl"]


# --- roues Windows (cache local, ou « pytest --reseau ») -----------------------------------------


@pytest.mark.reseau
def test_roues_windows_completes_pour_chaque_python(roues_windows):
    """`pip install --dry-run --no-index --platform win_amd64 --only-binary=:all:` résout
    toutes les dépendances avec les seules roues du paquet, pour chaque version de Python,
    aux versions exactes de contraintes.txt."""
    echecs, choisies = paquet_windows.resoudre_roues(roues_windows)
    assert echecs == {}
    epinglees = dict(
        ligne.split("==")
        for ligne in (RACINE / "contraintes.txt").read_text("utf-8").splitlines()
        if "==" in ligne and not ligne.startswith("#")
    )
    for roue in choisies:
        nom, version = roue.split("-")[:2]
        attendu = next(
            v for n, v in epinglees.items() if n.lower().replace("-", "_") == nom.lower()
        )
        assert version == attendu, roue
    for version in paquet_windows.VERSIONS_PYTHON:
        cp = "cp" + version.replace(".", "")
        (xlwings,) = roues_windows.glob(f"xlwings-0.37.8-{cp}-{cp}-win_amd64.whl")
        with zipfile.ZipFile(xlwings) as roue:
            assert "xlwings-0.37.8.data/data/xlwings64-0.37.8.dll" in roue.namelist()
        assert list(roues_windows.glob(f"pywin32-{epinglees['pywin32']}-{cp}-{cp}-win_amd64.whl"))


@pytest.mark.reseau
def test_roues_incompletes_detectees(roues_windows, tmp_path):
    for roue in roues_windows.glob("*.whl"):
        if not roue.name.startswith("pandas-"):
            (tmp_path / roue.name).symlink_to(roue)
    echecs = paquet_windows.verifier_roues(tmp_path, ("3.12",))
    assert list(echecs) == ["3.12"] and "pandas" in echecs["3.12"]


@pytest.mark.reseau
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
        inventaire = json.loads(zip_.read(racine + "paquet.json"))
    for attendu in (
        "installer.cmd",
        "LISEZMOI.txt",
        "contraintes.txt",
        "paquet.json",
        "source/pyproject.toml",
        "source/python/iae_modulation/cli.py",
        "source/python/iae_modulation/__main__.py",
        "source/templates/IAE_modulation.xlsm",
        "source/templates/notification_montant_module.docx",
        "source/docs/deploiement.md",
    ):
        assert racine + attendu in noms, attendu
    assert not [n for n in noms if "__pycache__" in n or n.startswith(racine + "source/tests")]
    assert not [n for n in noms if n.startswith(racine + "python/")]  # pas d'installateur
    roues = {Path(n).name for n in noms if n.startswith(racine + "roues/")}
    assert roues == set(inventaire["roues"]) and roues <= {r.name for r in roues_windows.iterdir()}
    assert not [r for r in roues if r.startswith("pyopenvba")]  # construction seulement
    assert "xlwings==0.37.8" in exigences and any(e.startswith("setuptools") for e in exigences)
    assert cmd == paquet_windows.installateur()
    assert inventaire["installateur_python"] is None


def test_paquet_windows_refuse_une_version_de_python_inconnue(tmp_path, capsys):
    args = parseur().parse_args(
        ["classeur", "paquet-windows", "--sortie", str(tmp_path), "--python", "3.9"]
    )
    assert args.executer(args) == 2
    assert "--python 3.9 : versions prises en charge 3.11" in capsys.readouterr().err


def test_paquet_windows_refuse_un_installateur_python_douteux(tmp_path, capsys):
    """Refusé avant tout téléchargement : rien n'est écrit."""
    faux = tmp_path / "python-3.13.5-amd64.exe"
    faux.write_bytes(b"pas un programme")
    args = parseur().parse_args(
        ["classeur", "paquet-windows", "--sortie", str(tmp_path / "sortie"),
         "--python-installateur", str(faux)]
    )  # fmt: skip
    assert args.executer(args) == 2
    assert "n'est pas un programme Windows" in capsys.readouterr().err
    assert not (tmp_path / "sortie").exists()
