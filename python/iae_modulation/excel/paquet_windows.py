"""Le paquet d'installation hors ligne pour Windows : `iae-modulation classeur paquet-windows`.

Une archive `iae-modulation-<version>-windows.zip` qui s'installe sans réseau ni droits
d'administrateur : `installer.cmd` (modèle `xl/windows/installer.cmd`), le guide
`LISEZMOI.txt`, les sources (`source/` : paquet, modèles Word, classeur, xl/, docs/), la liste
des dépendances (`exigences.txt`, celles de pyproject.toml et setuptools pour l'installation en
mode éditable) et `roues/`, toutes les roues (wheels) de ces dépendances pour Windows x64 et
chaque version de Python prise en charge, téléchargées par `pip download` (proxy et miroirs de
la configuration pip de celui qui construit). Avant d'écrire l'archive, une résolution
`pip install --dry-run --no-index` par version vérifie que rien ne manque (pip 24.2 ou plus
récent : les versions précédentes ignorent --python-version pour Requires-Python).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

from iae_modulation import __version__
from iae_modulation.chemins import DOSSIER_XL, RACINE_DEPOT
from iae_modulation.sorties import ErreurEntree, ErreurSortie

VERSIONS_PYTHON = ("3.11", "3.12", "3.13", "3.14")
PLATEFORME = "win_amd64"
OUTILS = ("setuptools>=70.1",)  # installation éditable hors ligne (--no-build-isolation)
PIP_MINIMAL = (24, 2)
MODELES = DOSSIER_XL / "windows"
# Ce que l'installation garde du dépôt ; le reste (tests, bancs d'essai…) ne sert pas au poste.
SOURCES = ("pyproject.toml", "README.md", "python", "templates", "xl", "docs")
IGNORES = ("__pycache__", ".pyc", ".egg-info")


def exigences(depot: Path = RACINE_DEPOT) -> list[str]:
    """Les dépendances de pyproject.toml, puis setuptools."""
    projet = tomllib.loads((depot / "pyproject.toml").read_text("utf-8"))
    return [*projet["project"]["dependencies"], *OUTILS]


def _pip(*arguments: str, isole: bool = False) -> subprocess.CompletedProcess:
    """pip de ce Python ; `isole` : sans fichier de configuration (ni index ni find-links
    ajoutés par le poste), pour ne résoudre qu'avec les roues du paquet."""
    environnement = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if isole:
        environnement["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "pip", *arguments],
        capture_output=True,
        text=True,
        env=environnement,
        check=False,
    )


def _fin(sortie: str, lignes: int = 4) -> str:
    return "\n".join(sortie.strip().splitlines()[-lignes:])


def _options_windows(version: str) -> list[str]:
    return [
        "--only-binary=:all:",
        "--platform",
        PLATEFORME,
        "--python-version",
        version,
        "--implementation",
        "cp",
    ]


def _environnement_windows(version: str) -> dict[str, str]:
    """Les variables des marqueurs d'environnement (PEP 508) de CPython `version`, Windows x64."""
    return {
        "os_name": "nt",
        "sys_platform": "win32",
        "platform_system": "Windows",
        "platform_machine": "AMD64",
        "platform_release": "",
        "platform_version": "",
        "python_version": version,
        "python_full_version": f"{version}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{version}.0",
        "platform_python_implementation": "CPython",
        "extra": "",
    }


def _propres_a_windows(rapport: dict, version: str) -> list[str]:
    """Les dépendances que les paquets résolus demandent sous Windows et que la résolution, faite
    avec les marqueurs de la machine qui construit, n'a pas retenues."""
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:
        raise ErreurEntree(
            "paquet-windows demande le paquet « packaging » (pip install packaging)."
        ) from None
    environnement = _environnement_windows(version)
    paquets = [element["metadata"] for element in rapport["install"]]
    resolus = {canonicalize_name(m["name"]) for m in paquets}
    manquantes = []
    for metadonnees in paquets:
        for texte in metadonnees.get("requires_dist") or ():
            exigence = Requirement(texte)
            if exigence.marker is None or not exigence.marker.evaluate(environnement):
                continue
            if canonicalize_name(exigence.name) not in resolus:
                exigence.marker = None
                manquantes.append(str(exigence))
    return sorted(set(manquantes))


def _resoudre(roues: Path, version: str, liste: list[str], dossier: Path) -> tuple[str, list[str]]:
    """Résolution hors ligne avec les seules roues de `roues` : (erreur, ou « » ; dépendances
    propres à Windows qui manquent à `liste`)."""
    fichier, rapport = dossier / "exigences.txt", dossier / "rapport.json"
    fichier.write_text("\n".join(liste) + "\n", "utf-8")
    resultat = _pip(
        "install", "--dry-run", "--quiet", "--ignore-installed", "--no-index",
        "--find-links", str(roues), *_options_windows(version),
        "--target", str(dossier / "cible"), "--report", str(rapport), "-r", str(fichier),
        isole=True,
    )  # fmt: skip
    if resultat.returncode:
        return _fin(resultat.stderr), []
    return "", _propres_a_windows(json.loads(rapport.read_text("utf-8")), version)


def telecharger_roues(
    roues: Path, versions: Sequence[str] = VERSIONS_PYTHON, depot: Path = RACINE_DEPOT
) -> None:
    """Télécharge dans `roues` ce qui manque pour chaque version (pip garde ce qui y est déjà),
    dépendances propres à Windows comprises."""
    roues.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        for version in versions:
            liste = exigences(depot)
            while True:
                (dossier / "telecharger.txt").write_text("\n".join(liste) + "\n", "utf-8")
                resultat = _pip(
                    "download", *_options_windows(version), "--dest", str(roues),
                    "-r", str(dossier / "telecharger.txt"),
                )  # fmt: skip
                if resultat.returncode:
                    raise ErreurSortie(
                        f"Téléchargement des roues pour Python {version} (Windows x64) "
                        "impossible (réseau, proxy, ou dépendance sans roue Windows) :\n"
                        f"{_fin(resultat.stderr)}"
                    )
                erreur, windows = _resoudre(roues, version, liste, dossier)
                if erreur or not windows:
                    break
                liste += windows


def verifier_roues(
    roues: Path, versions: Sequence[str] = VERSIONS_PYTHON, depot: Path = RACINE_DEPOT
) -> dict[str, str]:
    """Par version : l'échec de la résolution hors ligne des dépendances, propres à Windows
    comprises, avec les seules roues de `roues` (dictionnaire vide : tout s'installe)."""
    pip = tuple(int(p) for p in _pip("--version").stdout.split()[1].split(".")[:2])
    if pip < PIP_MINIMAL:
        raise ErreurEntree(
            f"pip {'.'.join(map(str, pip))} : vérifier les roues demande pip "
            f"{'.'.join(map(str, PIP_MINIMAL))} ou plus récent (python -m pip install -U pip)."
        )
    echecs = {}
    with tempfile.TemporaryDirectory() as dossier:
        for version in versions:
            liste = exigences(depot)
            while True:
                erreur, windows = _resoudre(roues, version, liste, Path(dossier))
                if erreur or not windows:
                    break
                liste += windows
            if erreur:
                echecs[version] = erreur
    return echecs


def installateur(versions: Sequence[str] = VERSIONS_PYTHON, version: str = __version__) -> bytes:
    """installer.cmd depuis son modèle, en page de code 850 et fins de ligne CRLF."""
    recentes = sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    marques = {
        "@VERSION@": version,
        "@VERSIONS_PYTHON@": ", ".join(versions),
        "@VERSIONS_PY@": " ".join(recentes),
        "@VERSIONS_DOSSIERS@": " ".join(v.replace(".", "") for v in recentes),
        "@VERSIONS_TUPLES@": ", ".join(f"({v.replace('.', ', ')})" for v in versions),
    }
    return _remplir(MODELES / "installer.cmd", marques).encode("cp850")


def guide(versions: Sequence[str] = VERSIONS_PYTHON, version: str = __version__) -> bytes:
    """LISEZMOI.txt : UTF-8 avec BOM (le Bloc-notes le lit), fins de ligne CRLF."""
    marques = {"@VERSION@": version, "@VERSIONS_PYTHON@": ", ".join(versions)}
    return _remplir(MODELES / "LISEZMOI.txt", marques).encode("utf-8-sig")


def _remplir(modele: Path, marques: dict[str, str]) -> str:
    texte = modele.read_text("utf-8")
    for marque, valeur in marques.items():
        texte = texte.replace(marque, valeur)
    return texte.replace("\r\n", "\n").replace("\n", "\r\n")


def _fichiers_sources(depot: Path) -> list[Path]:
    fichiers = []
    for nom in SOURCES:
        chemin = depot / nom
        candidats = [chemin] if chemin.is_file() else sorted(chemin.rglob("*"))
        fichiers += [
            f
            for f in candidats
            if f.is_file() and not any(i in part for part in f.parts for i in IGNORES)
        ]
    return fichiers


def construire_paquet(
    sortie: Path,
    roues: Path,
    versions: Sequence[str] = VERSIONS_PYTHON,
    depot: Path = RACINE_DEPOT,
) -> Path:
    """Écrit l'archive dans `sortie` avec les roues de `roues` (déjà vérifiées)."""
    racine = f"iae-modulation-{__version__}"
    archive = Path(sortie) / f"{racine}-windows.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    temporaire = archive.with_name(f".{archive.name}.partiel")
    with zipfile.ZipFile(temporaire, "w", zipfile.ZIP_DEFLATED) as zip_:
        zip_.writestr(f"{racine}/installer.cmd", installateur(versions))
        zip_.writestr(f"{racine}/LISEZMOI.txt", guide(versions))
        zip_.writestr(f"{racine}/exigences.txt", "\r\n".join(exigences(depot)) + "\r\n")
        for fichier in _fichiers_sources(depot):
            zip_.write(fichier, f"{racine}/source/{fichier.relative_to(depot).as_posix()}")
        for roue in sorted(roues.glob("*.whl")):  # déjà compressées
            zip_.write(roue, f"{racine}/roues/{roue.name}", compress_type=zipfile.ZIP_STORED)
    os.replace(temporaire, archive)
    return archive


def paquet_windows(
    sortie: Path, roues: Path | None = None, versions: Sequence[str] = VERSIONS_PYTHON
) -> Path:
    """Télécharge les roues (dans `roues` : seulement pour les versions qu'elles ne couvrent
    pas encore), vérifie qu'elles suffisent, écrit l'archive."""
    with tempfile.TemporaryDirectory() as dossier:
        roues = Path(roues) if roues else Path(dossier) / "roues"
        echecs = verifier_roues(roues, versions) if roues.is_dir() else dict.fromkeys(versions)
        if echecs:
            telecharger_roues(roues, list(echecs))
            echecs = verifier_roues(roues, versions)
        if echecs:
            raise ErreurSortie(
                "Roues incomplètes, paquet non écrit :\n"
                + "\n".join(f"Python {v} : {e}" for v, e in echecs.items())
            )
        return construire_paquet(sortie, roues, versions)
