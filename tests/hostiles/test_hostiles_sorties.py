"""Corpus hostile, sorties : rien de ce que l'outil n'a pas écrit n'est jamais effacé ni remplacé,
un échec laisse les résultats précédents tels quels, deux exécutions ne se marchent pas dessus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import filelock
import pytest
from aides import DONNEES, empreinte, sortie_capturee
from fabrique import donnees_modifiees
from iae_modulation.cli import main
from iae_modulation.sorties import NOM_VERROU, PREFIXE_TEMPORAIRE

RACINE = Path(__file__).resolve().parents[2]
ECRITS = ["manifeste.json", "resultats.csv", "resultats.xlsx"]  # ce qu'écrit un calcul


def etat(dossier: Path) -> dict[str, tuple[str, int]]:
    """Chaque fichier sous `dossier` : (SHA-256, date de modification en ns)."""
    return {
        p.relative_to(dossier).as_posix(): (empreinte(p), p.stat().st_mtime_ns)
        for p in sorted(dossier.rglob("*"))
        if p.is_file()
    }


def calculer(donnees: Path, sortie: str | Path, *options: str) -> int:
    return main(["calculer", str(donnees), "--annee", "2026", "--sortie", str(sortie), *options])


@pytest.fixture
def bureau(tmp_path, monkeypatch) -> Path:
    """Le dossier courant d'un agent : ses données et un fichier sans rapport."""
    shutil.copy(DONNEES, tmp_path / "donnees.csv")
    (tmp_path / "notes.txt").write_text("à garder", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("sortie", [".", "", "./", "sous/.."])
def test_le_dossier_courant_n_est_jamais_remplace(bureau, capsys, sortie):
    avant = etat(bureau)
    assert calculer(bureau / "donnees.csv", sortie, "--ecraser") == 2
    assert "est le dossier courant ou l'un de ses parents" in sortie_capturee(capsys)
    assert etat(bureau) == avant


def test_un_parent_du_dossier_courant_est_refuse(bureau, capsys, monkeypatch):
    (bureau / "sous").mkdir()
    monkeypatch.chdir(bureau / "sous")
    avant = etat(bureau)
    assert calculer(bureau / "donnees.csv", bureau, "--ecraser") == 2
    assert "dossier courant ou l'un de ses parents" in sortie_capturee(capsys)
    assert etat(bureau) == avant


def test_le_dossier_des_donnees_n_est_pas_une_sortie(bureau, tmp_path_factory, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("ailleurs"))
    avant = etat(bureau)
    assert calculer(bureau / "donnees.csv", bureau, "--ecraser") == 2
    assert "contient donnees.csv, une entrée de la commande" in sortie_capturee(capsys)
    assert etat(bureau) == avant


def test_notifications_n_effacent_pas_leur_propre_entree(calculs, tmp_path, capsys):
    resultats = tmp_path / "R"
    shutil.copytree(calculs[2026].parent, resultats)
    avant = etat(resultats)
    code = main(
        [
            *("notifications", str(resultats / "resultats.csv"), "--donnees", str(DONNEES)),
            *("--annee", "2026", "--sortie", str(resultats), "--ecraser"),
        ]
    )
    assert code == 2
    assert "contient resultats.csv, une entrée de la commande" in sortie_capturee(capsys)
    assert etat(resultats) == avant


@pytest.mark.parametrize("par_lien", [False, True], ids=["dossier", "lien symbolique"])
def test_entree_invalide_ne_remplace_pas_de_bons_resultats(tmp_path, capsys, par_lien):
    resultats = tmp_path / "resultats"
    assert calculer(DONNEES, resultats) == 0
    avant = etat(resultats)
    sortie = resultats
    if par_lien:
        sortie = tmp_path / "lien"
        sortie.symlink_to(resultats, target_is_directory=True)
    mauvaises = donnees_modifiees(tmp_path / "mauvaises.csv", "type", "EIX")
    assert calculer(mauvaises, sortie, "--ecraser") == 2
    texte = sortie_capturee(capsys)
    assert "« EIX » n'est pas un type de SIAE" in texte
    assert "contient les résultats d'un calcul précédent : ils restent tels quels" in texte
    assert etat(resultats) == avant


def test_ecraser_refuse_un_dossier_qui_contient_autre_chose(tmp_path, capsys):
    resultats = tmp_path / "resultats"
    assert calculer(DONNEES, resultats) == 0
    (resultats / "mes_notes.docx").write_bytes(b"notes de l'agent")
    avant = etat(resultats)
    assert calculer(DONNEES, resultats, "--ecraser", "--methode", "minmax") == 2
    texte = sortie_capturee(capsys)
    assert "contient des fichiers que l'outil n'a pas écrits" in texte and "mes_notes.docx" in texte
    assert etat(resultats) == avant


def test_ecraser_refuse_un_resultat_modifie_par_l_agent(tmp_path, capsys):
    resultats = tmp_path / "resultats"
    assert calculer(DONNEES, resultats) == 0
    with open(resultats / "resultats.xlsx", "ab") as fichier:
        fichier.write(b"annotation")
    avant = etat(resultats)
    assert calculer(DONNEES, resultats, "--ecraser") == 2
    assert "ou qui ont été modifiés depuis : resultats.xlsx" in sortie_capturee(capsys)
    assert etat(resultats) == avant


def test_ecraser_remplace_les_resultats_de_l_outil(tmp_path):
    resultats = tmp_path / "resultats"
    assert calculer(DONNEES, resultats) == 0
    assert calculer(DONNEES, resultats, "--ecraser", "--methode", "minmax") == 0
    manifeste = json.loads((resultats / "manifeste.json").read_text(encoding="utf-8"))
    assert manifeste["options"]["methode"]["notation"] == "minmax"
    assert sorted(p.name for p in resultats.iterdir()) == ECRITS


def test_un_manifeste_forge_ne_fait_rien_effacer_hors_du_dossier(tmp_path, capsys):
    victime = tmp_path / "precieux.txt"
    victime.write_text("à garder", encoding="utf-8")
    resultats = tmp_path / "resultats"
    resultats.mkdir()
    sorties = [{"fichier": "../precieux.txt", "sha256": empreinte(victime)}]
    (resultats / "manifeste.json").write_text(json.dumps({"sorties": sorties}), encoding="utf-8")
    assert calculer(DONNEES, resultats, "--ecraser") == 0
    assert victime.read_text(encoding="utf-8") == "à garder"


def test_un_second_calcul_sans_ecraser_ne_remplace_pas_le_premier(tmp_path, capsys):
    resultats = tmp_path / "resultats"
    assert calculer(DONNEES, resultats) == 0
    avant = etat(resultats)
    assert calculer(DONNEES, resultats, "--methode", "minmax") == 2
    assert "existe déjà et contient des résultats" in sortie_capturee(capsys)
    assert etat(resultats) == avant


def test_dossier_occupe_par_une_autre_execution_echec_immediat(tmp_path, capsys):
    resultats = tmp_path / "resultats"
    resultats.mkdir()
    with filelock.FileLock(resultats / NOM_VERROU, timeout=0):  # une autre exécution en cours
        assert calculer(DONNEES, resultats) == 1
    assert "Une autre exécution d'iae-modulation écrit déjà dans" in sortie_capturee(capsys)
    assert [p.name for p in resultats.iterdir()] == [NOM_VERROU]  # celui de l'autre exécution


def test_deux_calculs_simultanes_dans_le_meme_dossier_neuf(tmp_path):
    resultats = tmp_path / "resultats"
    environnement = {**os.environ, "PYTHONPATH": str(RACINE / "python")}
    commande = [sys.executable, "-m", "iae_modulation.cli", "calculer", str(DONNEES)]
    commande += ["--annee", "2026", "--sortie", str(resultats)]
    processus = [
        subprocess.Popen(
            commande, env=environnement, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    issues = [(p.wait(timeout=120), p.stdout.read() + p.stderr.read()) for p in processus]
    codes = sorted(code for code, _ in issues)
    assert codes.count(0) == 1 and set(codes) <= {0, 1, 2}
    assert not any(b"Traceback" in sortie for _, sortie in issues)
    assert sorted(p.name for p in resultats.iterdir()) == ECRITS


def test_restes_d_une_execution_tuee_retires_par_la_suivante(tmp_path):
    resultats = tmp_path / "resultats"
    reste = resultats / f"{PREFIXE_TEMPORAIRE}3f2a9c1e"
    reste.mkdir(parents=True)
    (reste / "resultats.csv").write_bytes(b"identifiant;sir")  # écrit à moitié, puis SIGKILL
    (resultats / NOM_VERROU).write_bytes(b"")
    assert calculer(DONNEES, resultats) == 0
    assert sorted(p.name for p in resultats.iterdir()) == ECRITS


def test_execution_tuee_par_sigkill_puis_relancee(tmp_path):
    """Un vrai SIGKILL pendant l'écriture : la relance retire les restes et réussit."""
    resultats = tmp_path / "resultats"
    script = (
        "import os, signal, sys\n"
        "from iae_modulation import classeur_resultats\n"
        "def tuer(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "classeur_resultats.ecrire_resultats_xlsx = tuer\n"
        "import iae_modulation.campagne as c\n"
        "c.ecrire_resultats_xlsx = tuer\n"
        "from iae_modulation.cli import main\n"
        f"main(['calculer', {str(DONNEES)!r}, '--annee', '2026', '--sortie', {str(resultats)!r}])\n"
    )
    environnement = {**os.environ, "PYTHONPATH": str(RACINE / "python")}
    tue = subprocess.run([sys.executable, "-c", script], env=environnement, timeout=120)
    assert tue.returncode == -9
    assert any(p.name.startswith(PREFIXE_TEMPORAIRE) for p in resultats.iterdir())
    assert calculer(DONNEES, resultats) == 0
    assert not any(p.name.startswith((PREFIXE_TEMPORAIRE, NOM_VERROU)) for p in resultats.iterdir())


def test_droits_de_l_utilisateur_et_dossier_existant_garde_les_siens(tmp_path):
    ancien = os.umask(0o022)
    try:
        neuf = tmp_path / "neuf"
        assert calculer(DONNEES, neuf) == 0
        existant = tmp_path / "existant"
        existant.mkdir()
        existant.chmod(0o750)
        assert calculer(DONNEES, existant) == 0
    finally:
        os.umask(ancien)
    assert neuf.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in neuf.iterdir()} == {0o644}
    assert existant.stat().st_mode & 0o777 == 0o750


def test_demo_ne_remplace_pas_un_dossier_calcul_de_l_agent(tmp_path, capsys):
    sortie = tmp_path / "demo"
    (sortie / "calcul").mkdir(parents=True)
    (sortie / "calcul" / "budget.xlsx").write_bytes(b"travail de l'agent")
    avant = etat(sortie)
    assert main(["demo", "--sortie", str(sortie), "--ecraser"]) == 2
    assert "budget.xlsx" in sortie_capturee(capsys)
    assert etat(sortie) == avant
