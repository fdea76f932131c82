"""Le classeur sur le poste d'un agent (issue 10) : un chemin de Python valable pour chaque agent,
le rattachement d'un classeur existant, le diagnostic côté Python."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import openpyxl
import pytest
from aides import classeur_de_campagne
from iae_modulation.commandes import classeur as commande
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import installation, macros
from iae_modulation.excel.diagnostic import diagnostiquer, versions
from iae_modulation.excel.fichier import ClasseurFichier

RACINE = Path(__file__).resolve().parents[1]
GABARIT = RACINE / "templates" / "IAE_modulation.xlsm"
POSTE = {
    "LOCALAPPDATA": r"C:\Users\jdupont\AppData\Local",
    "APPDATA": r"C:\Users\jdupont\AppData\Roaming",
    "USERPROFILE": r"C:\Users\jdupont",
}


def configuration(chemin: Path) -> dict[str, str]:
    feuille = openpyxl.load_workbook(chemin)[contrat.CONFIGURATION]
    return {cle: valeur for cle, valeur in feuille.iter_rows(max_col=2, values_only=True)}


def parseur() -> argparse.ArgumentParser:
    principal = argparse.ArgumentParser(prog="iae-modulation")
    commande.enregistrer(principal.add_subparsers(dest="commande", required=True))
    return principal


@pytest.mark.parametrize(
    ("interpreteur", "attendu"),
    [
        (
            r"C:\Users\jdupont\AppData\Local\iae-modulation\venv\Scripts\python.exe",
            r"%LOCALAPPDATA%\iae-modulation\venv\Scripts\python.exe",
        ),
        (  # casse différente : les chemins Windows ne la distinguent pas
            r"c:\users\JDUPONT\appdata\local\Programs\Python\Python313\python.exe",
            r"%LOCALAPPDATA%\Programs\Python\Python313\python.exe",
        ),
        (
            r"C:\Users\jdupont\AppData\Roaming\Python\python.exe",
            r"%APPDATA%\Python\python.exe",
        ),
        (
            r"C:\Users\jdupont\envs\iae\Scripts\python.exe",
            r"%USERPROFILE%\envs\iae\Scripts\python.exe",
        ),
        (r"C:\Program Files\Python313\python.exe", r"C:\Program Files\Python313\python.exe"),
        (r"C:\Users\jdupont2\python.exe", r"C:\Users\jdupont2\python.exe"),  # pas le même profil
    ],
)
def test_chemin_de_python_transmissible_sous_windows(interpreteur, attendu):
    assert installation.chemin_transmissible(interpreteur, True, POSTE) == attendu


def test_chemin_de_python_transmissible_sous_macos():
    """Le VBA d'xlwings pour Mac développe « $HOME » en tête de chemin."""
    maison = {"HOME": "/Users/jdupont"}
    chemin = "/Users/jdupont/iae/bin/python"
    assert installation.chemin_transmissible(chemin, False, maison) == "$HOME/iae/bin/python"
    assert installation.chemin_transmissible("/opt/python", False, maison) == "/opt/python"


def test_installer_ecrit_l_interpreteur_et_verifie_la_dll(tmp_path):
    python = tmp_path / "venv" / "Scripts" / "python.exe"
    python.parent.mkdir(parents=True)
    rapport = installation.installer(tmp_path / "poste", interpreteur=python)
    assert rapport.code_sortie == 1 and "xlwings64-0.37.8.dll est introuvable" in rapport.resume()
    assert "%LOCALAPPDATA%\\iae-modulation" in rapport.resume()  # le remède : installer.cmd
    assert configuration(rapport.classeur) == {
        "UDF Modules": "iae_modulation.excel.udfs",
        "Use UDF Server": "True",
        "Interpreter_Win": str(python),
    }
    (tmp_path / "venv" / "xlwings64-0.37.8.dll").write_bytes(b"")  # DLL au niveau du venv
    rapport = installation.installer(tmp_path / "poste", interpreteur=python, ecraser=True)
    assert rapport.code_sortie == 0 and rapport.dll == tmp_path / "venv" / "xlwings64-0.37.8.dll"
    assert len(configuration(rapport.classeur)) == 3
    with pytest.raises(installation.ErreurSortie, match="existe déjà.*rattacher"):
        installation.installer(tmp_path / "poste", interpreteur=python)


def test_classeur_installe_sans_chemin_personnel(tmp_path, monkeypatch):
    """L'installation standard écrit %LOCALAPPDATA%, que xlwings développe chez chaque agent :
    aucune cellule du classeur ne garde le profil de celui qui l'a installé."""
    profil = tmp_path / "Users" / "jdupont"
    local = profil / "AppData" / "Local"
    python = local / "iae-modulation" / "venv" / "Scripts" / "python.exe"
    python.parent.mkdir(parents=True)
    monkeypatch.setattr(installation.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setenv("USERPROFILE", str(profil))
    rapport = installation.installer(tmp_path / "Documents", interpreteur=python)
    valeur = configuration(rapport.classeur)["Interpreter_Win"]
    assert valeur.startswith("%LOCALAPPDATA%") and valeur.endswith("python.exe")
    cellules = [
        str(v)
        for feuille in openpyxl.load_workbook(rapport.classeur)
        for ligne in feuille.iter_rows(values_only=True)
        for v in ligne
        if v is not None
    ]
    assert not [c for c in cellules if "jdupont" in c]


def test_rattacher_un_classeur_de_campagne_garde_son_travail(tmp_path, capsys):
    """Un classeur reçu d'un collègue (son chemin personnel, une campagne calculée) est rattaché
    au Python de ce poste sans perdre ses résultats ni son journal."""
    chemin = classeur_de_campagne(tmp_path / "campagne Grand Est.xlsm")
    classeur = ClasseurFichier(chemin)
    installation.ecrire_configuration(
        classeur, {"Interpreter_Win": r"C:\Users\collegue\AppData\Local\Programs\python.exe"}
    )
    classeur.enregistrer()
    assert macros.ACTIONS["calculer"](ClasseurFichier(chemin)).code == 0
    resultats = ClasseurFichier(chemin).lire_feuille(contrat.RESULTATS)
    args = parseur().parse_args(["classeur", "rattacher", str(chemin)])
    code = args.executer(args)
    sortie = capsys.readouterr().out
    assert "Python utilisé par le classeur (Interpreter_Win)" in sortie
    assert code == 1  # pas de DLL xlwings à côté de ce Python (Linux)
    relu = ClasseurFichier(chemin)
    assert relu.lire_feuille(contrat.RESULTATS) == resultats
    assert [ligne[1] for ligne in relu.lire_feuille(contrat.JOURNAL)[1:]] == [
        "Calculer la modulation"
    ]
    reglages = configuration(chemin)
    assert "collegue" not in reglages["Interpreter_Win"]
    assert list(reglages) == ["UDF Modules", "Use UDF Server", "Interpreter_Win"]


def test_rattacher_refuse_un_classeur_sans_macros(tmp_path, capsys):
    chemin = tmp_path / "sans_macros.xlsm"
    livre = openpyxl.Workbook()
    for feuille in (contrat.PARAMETRES, contrat.DONNEES, contrat.JOURNAL, contrat.CONFIGURATION):
        livre.create_sheet(feuille)
    livre.save(chemin)
    args = parseur().parse_args(["classeur", "rattacher", str(chemin)])
    assert args.executer(args) == 2
    assert "le projet VBA (xl/vbaProject.bin) est absent" in capsys.readouterr().err


def test_diagnostic_dit_ce_qui_manque_et_quoi_faire(tmp_path, capsys):
    chemin = tmp_path / "campagne.xlsm"
    shutil.copyfile(GABARIT, chemin)
    constats = diagnostiquer(chemin)
    textes = [c.ligne() for c in constats]
    assert textes[0].startswith("OK        Python 3.") and "xlwings 0.37.8" in textes[0]
    assert any("IAE_PUBLICS(10 ; 20) = 0,5" in t and t.startswith("OK") for t in textes)
    (probleme,) = [c for c in constats if c.probleme]
    assert "non indiqué dans la feuille « xlwings.conf »" in probleme.probleme
    assert "-m iae_modulation classeur rattacher" in probleme.conseil
    installation.rattacher(chemin)
    assert not [c for c in diagnostiquer(chemin) if c.probleme]
    args = parseur().parse_args(["classeur", "diagnostic", str(chemin)])
    assert args.executer(args) == 0
    assert capsys.readouterr().out.rstrip().endswith("Aucun problème.")


def test_versions_pour_le_bouton_diagnostic():
    texte = versions()
    assert texte.startswith("Python 3.") and " bits (" in texte
    assert "xlwings 0.37.8" in texte and "iae-modulation " in texte


def test_classeur_envoye_avec_son_dossier_de_sortie(tmp_path):
    """Un agent calcule, puis envoie le dossier (classeur et IAE_sorties) à un collègue : chez
    lui, le dernier calcul est retrouvé et les lettres se génèrent."""
    chez_moi = tmp_path / "jdupont" / "IAE Modulation"
    chez_moi.mkdir(parents=True)
    classeur_de_campagne(chez_moi / "campagne.xlsm")
    assert macros.ACTIONS["calculer"](ClasseurFichier(chez_moi / "campagne.xlsm")).code == 0
    chez_lui = tmp_path / "collegue" / "Reçu"
    shutil.copytree(chez_moi, chez_lui)
    shutil.rmtree(tmp_path / "jdupont")
    lettres = macros.ACTIONS["notifications"](ClasseurFichier(chez_lui / "campagne.xlsm"))
    assert lettres.code == 0, lettres.message
    assert Path(lettres.sorties[0]).parent == chez_lui / "IAE_sorties"


def test_classeur_installe_dans_le_dossier_documents_que_windows_connait(tmp_path, monkeypatch):
    """Documents redirigé (OneDrive, serveur) : le classeur va là où l'agent le voit, pas dans
    %USERPROFILE%\\Documents ; un classeur déjà là garde sa campagne (--garder)."""
    documents = tmp_path / "OneDrive - Ministère du Travail" / "Documents"
    monkeypatch.setattr(installation.sys, "platform", "win32")
    monkeypatch.setattr(installation, "_documents_windows", lambda: documents)
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "profil"))
    assert installation.dossier_classeurs() == documents / "IAE Modulation"
    monkeypatch.setattr(installation, "_documents_windows", lambda: None)  # Windows sans réponse
    assert installation.dossier_documents() == Path.home() / "Documents"
    monkeypatch.setattr(installation, "_documents_windows", lambda: documents)

    args = parseur().parse_args(["classeur", "installer", "--garder"])
    args.executer(args)  # code 1 ici : pas de DLL xlwings à côté de ce Python (Linux)
    classeur = documents / "IAE Modulation" / "IAE_modulation.xlsm"
    assert classeur.is_file()
    campagne = ClasseurFichier(classeur)  # l'agent commence sa campagne
    campagne.ecrire_parametre("annee", 2026)
    campagne.enregistrer()
    assert macros.ACTIONS["verifier"](ClasseurFichier(classeur)).code in (0, 2)
    journal = ClasseurFichier(classeur).lire_feuille(contrat.JOURNAL)
    args.executer(args)  # relancé (nouvelle version de l'outil) : le classeur est gardé
    assert ClasseurFichier(classeur).lire_feuille(contrat.JOURNAL) == journal
    assert len(journal) == 2
    with pytest.raises(SystemExit):  # --garder et --ecraser s'excluent
        parseur().parse_args(["classeur", "installer", "--garder", "--ecraser"])


def test_diagnostic_sans_argument_verifie_le_classeur_installe(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(installation, "dossier_documents", lambda: tmp_path)
    installation.installer()
    args = parseur().parse_args(["classeur", "diagnostic"])
    args.executer(args)
    attendu = tmp_path / "IAE Modulation" / "IAE_modulation.xlsm"
    assert f"classeur {attendu}" in capsys.readouterr().out


def test_rattacher_garde_la_marque_du_web(tmp_path, monkeypatch):
    """Un classeur reçu par messagerie porte le flux NTFS Zone.Identifier : le réécrire ne doit
    pas le débloquer. Ici le flux est simulé par un fichier « nom:Zone.Identifier » et le
    renommage par ce que fait NTFS : le fichier remplacé perd ses flux, le nouveau garde les
    siens."""
    from iae_modulation.excel import fichier

    def renommer_comme_ntfs(source, cible):
        flux_source, flux_cible = f"{source}:Zone.Identifier", f"{cible}:Zone.Identifier"
        Path(flux_cible).unlink(missing_ok=True)
        if Path(flux_source).exists():
            shutil.move(flux_source, flux_cible)
        shutil.move(source, cible)

    chemin = tmp_path / "reçu par messagerie.xlsm"
    shutil.copyfile(GABARIT, chemin)
    marque = b"[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=about:internet\r\n"
    Path(f"{chemin}:Zone.Identifier").write_bytes(marque)
    monkeypatch.setattr(fichier, "WINDOWS", True)
    monkeypatch.setattr(fichier.os, "replace", renommer_comme_ntfs)
    installation.rattacher(chemin)
    assert Path(f"{chemin}:Zone.Identifier").read_bytes() == marque
    assert configuration(chemin)["Interpreter_Win"]  # le classeur a bien été réécrit


def test_python_m_iae_modulation_sans_le_lanceur_exe():
    """installer.cmd et les conseils passent par « python -m iae_modulation »."""
    import subprocess
    import sys

    resultat = subprocess.run(
        [sys.executable, "-m", "iae_modulation", "--version"], capture_output=True, text=True
    )
    assert resultat.returncode == 0 and resultat.stdout.startswith("iae-modulation ")
    assert installation.commande_outil() == f'"{sys.executable}" -m iae_modulation'
