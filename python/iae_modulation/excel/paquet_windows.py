"""Le paquet d'installation hors ligne pour Windows : `iae-modulation classeur paquet-windows`.

Une archive `iae-modulation-<version>-windows.zip` qui s'installe sans réseau ni droits
d'administrateur : `installer.cmd` (modèle `xl/windows/installer.cmd`), le guide
`LISEZMOI.txt`, les sources (`source/` : paquet, modèles Word, classeur, xl/, docs/), la liste
des dépendances (`exigences.txt`, celles de pyproject.toml et setuptools pour l'installation en
mode éditable), leurs versions exactes (`contraintes.txt`, celui du dépôt), `paquet.json` (ce que
contient le paquet) et `roues/`, toutes les roues (wheels) de ces versions pour Windows x64 et
chaque version de Python prise en charge, téléchargées par `pip download` (proxy et miroirs de
la configuration pip de celui qui construit). Avant d'écrire l'archive, une résolution
`pip install --dry-run --no-index` par version vérifie que rien ne manque (pip 24.2 ou plus
récent : les versions précédentes ignorent --python-version pour Requires-Python).

Avec `--python-installateur`, l'installateur Windows de python.org, vérifié
(`installateur_python`), est joint dans `python/` : installer.cmd l'installe alors pour l'agent
seul, sans fenêtre ni droits d'administrateur, sans toucher au PATH ni aux associations de
fichiers (options documentées de python.org).
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
from iae_modulation.excel.installateur_python import InstallateurPython, verifier_installateur
from iae_modulation.sorties import ErreurEntree, ErreurSortie

VERSIONS_PYTHON = ("3.11", "3.12", "3.13", "3.14")
PLATEFORME = "win_amd64"
OUTILS = ("setuptools>=70.1",)  # installation éditable hors ligne (--no-build-isolation)
PIP_MINIMAL = (24, 2)
MODELES = DOSSIER_XL / "windows"
# Ce que l'installation garde du dépôt ; le reste (tests, bancs d'essai…) ne sert pas au poste.
SOURCES = ("pyproject.toml", "README.md", "python", "templates", "xl", "docs")
IGNORES = ("__pycache__", ".pyc", ".egg-info")
CONTRAINTES = "contraintes.txt"
# Options de l'installateur python.org (docs.python.org, « Installing without UI ») : pour
# l'agent seul, dans un dossier de l'outil, sans PATH, sans lanceur py (ni donc d'associations
# de fichiers), sans raccourcis ni suite de tests.
OPTIONS_INSTALLATEUR = (
    "/quiet InstallAllUsers=0 PrependPath=0 AppendPath=0 AssociateFiles=0 Include_launcher=0 "
    "InstallLauncherAllUsers=0 Shortcuts=0 Include_doc=0 Include_tcltk=0 Include_test=0"
)


def contraintes(depot: Path = RACINE_DEPOT) -> Path:
    """Le fichier des versions exactes (contraintes pip) : le paquet n'installe que celles-là."""
    chemin = depot / CONTRAINTES
    if not chemin.is_file():
        raise ErreurEntree(f"{chemin} introuvable : le paquet ne prend que des versions fixées.")
    return chemin


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
            'paquet-windows demande le paquet « packaging » : pip install -e ".[construction]".'
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


def _resoudre(
    roues: Path, version: str, liste: list[str], dossier: Path, depot: Path = RACINE_DEPOT
) -> tuple[str, list[str], set[str]]:
    """Résolution hors ligne avec les seules roues de `roues`, aux versions de contraintes.txt :
    (erreur, ou « » ; dépendances propres à Windows qui manquent à `liste` ; roues choisies)."""
    fichier, rapport = dossier / "exigences.txt", dossier / "rapport.json"
    fichier.write_text("\n".join(liste) + "\n", "utf-8")
    resultat = _pip(
        "install", "--dry-run", "--quiet", "--ignore-installed", "--no-index",
        "--find-links", str(roues), *_options_windows(version),
        "--target", str(dossier / "cible"), "--report", str(rapport), "-r", str(fichier),
        "-c", str(contraintes(depot)), isole=True,
    )  # fmt: skip
    if resultat.returncode:
        return _fin(resultat.stderr), [], set()
    contenu = json.loads(rapport.read_text("utf-8"))
    choisies = {e["download_info"]["url"].rsplit("/", 1)[-1] for e in contenu["install"]}
    return "", _propres_a_windows(contenu, version), choisies


def telecharger_roues(
    roues: Path, versions: Sequence[str] = VERSIONS_PYTHON, depot: Path = RACINE_DEPOT
) -> None:
    """Télécharge dans `roues` ce qui manque pour chaque version (pip garde ce qui y est déjà),
    dépendances propres à Windows comprises."""
    roues.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporaire:
        dossier = Path(temporaire)
        for version in versions:
            liste = exigences(depot)
            while True:
                (dossier / "telecharger.txt").write_text("\n".join(liste) + "\n", "utf-8")
                resultat = _pip(
                    "download", *_options_windows(version), "--dest", str(roues),
                    "-r", str(dossier / "telecharger.txt"), "-c", str(contraintes(depot)),
                )  # fmt: skip
                if resultat.returncode:
                    raise ErreurSortie(
                        f"Téléchargement des roues pour Python {version} (Windows x64) "
                        "impossible (réseau, proxy, ou dépendance sans roue Windows) :\n"
                        f"{_fin(resultat.stderr)}"
                    )
                erreur, windows, _ = _resoudre(roues, version, liste, dossier, depot)
                if erreur or not windows:
                    break
                liste += windows


def resoudre_roues(
    roues: Path, versions: Sequence[str] = VERSIONS_PYTHON, depot: Path = RACINE_DEPOT
) -> tuple[dict[str, str], set[str]]:
    """Par version : l'échec de la résolution hors ligne des dépendances, propres à Windows
    comprises, avec les seules roues de `roues` (dictionnaire vide : tout s'installe) ; et les
    noms des roues choisies pour l'ensemble des versions (le paquet ne contient qu'elles)."""
    pip = tuple(int(p) for p in _pip("--version").stdout.split()[1].split(".")[:2])
    if pip < PIP_MINIMAL:
        raise ErreurEntree(
            f"pip {'.'.join(map(str, pip))} : vérifier les roues demande pip "
            f"{'.'.join(map(str, PIP_MINIMAL))} ou plus récent (python -m pip install -U pip)."
        )
    echecs, choisies = {}, set()
    with tempfile.TemporaryDirectory() as dossier:
        for version in versions:
            liste = exigences(depot)
            while True:
                erreur, windows, retenues = _resoudre(roues, version, liste, Path(dossier), depot)
                if erreur or not windows:
                    break
                liste += windows
            if erreur:
                echecs[version] = erreur
            choisies |= retenues
    return echecs, choisies


def verifier_roues(
    roues: Path, versions: Sequence[str] = VERSIONS_PYTHON, depot: Path = RACINE_DEPOT
) -> dict[str, str]:
    """Les échecs de `resoudre_roues` (dictionnaire vide : tout s'installe)."""
    return resoudre_roues(roues, versions, depot)[0]


def installateur(
    versions: Sequence[str] = VERSIONS_PYTHON,
    version: str = __version__,
    python: InstallateurPython | None = None,
) -> bytes:
    """installer.cmd depuis son modèle, en page de code 850 et fins de ligne CRLF ; `python` :
    l'installateur python.org joint, lancé si besoin, après contrôle de son empreinte."""
    recentes = sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    marques = {
        "@VERSION@": version,
        "@VERSIONS_PYTHON@": ", ".join(versions),
        "@VERSIONS_PY@": " ".join(recentes),
        "@VERSIONS_DOSSIERS@": " ".join(v.replace(".", "") for v in recentes),
        "@VERSIONS_TUPLES@": ", ".join(f"({v.replace('.', ', ')})" for v in versions),
        "@PYTHON_INSTALLATEUR@": python.chemin.name if python else "",
        "@PYTHON_VERSION@": python.version if python else "",
        "@PYTHON_SHA256@": python.sha256 if python else "",
        "@PYTHON_DOSSIER@": "python" + python.version_courte.replace(".", "") if python else "",
        "@OPTIONS_INSTALLATEUR@": OPTIONS_INSTALLATEUR,
    }
    return _remplir(MODELES / "installer.cmd", marques).encode("cp850")


def _etape_python(versions: Sequence[str], python: InstallateurPython | None) -> str:
    if python is not None:
        return (
            f"   Ce paquet contient Python {python.version} (installateur officiel de python.org,\n"
            f"   dossier python\\) : installer.cmd l'installe pour vous seul, sans fenêtre ni\n"
            "   droits d'administrateur, sans modifier le PATH ni les associations de fichiers,\n"
            "   dans %LOCALAPPDATA%\\iae-modulation. Rien à faire de votre côté."
        )
    return (
        f"   Ce paquet ne contient pas Python. Il faut qu'un Python {', '.join(versions)}\n"
        "   (64 bits) soit déjà installé sur le poste : c'est à votre service informatique de\n"
        "   le déployer (ou de vous donner un paquet qui le contient : voir\n"
        "   source\\docs\\deploiement.md). Sans lui, installer.cmd s'arrête à l'étape 1 et le dit."
    )


def guide(
    versions: Sequence[str] = VERSIONS_PYTHON,
    version: str = __version__,
    python: InstallateurPython | None = None,
) -> bytes:
    """LISEZMOI.txt : UTF-8 avec BOM (le Bloc-notes le lit), fins de ligne CRLF."""
    marques = {
        "@VERSION@": version,
        "@VERSIONS_PYTHON@": ", ".join(versions),
        "@ETAPE_PYTHON@": _etape_python(versions, python),
    }
    return _remplir(MODELES / "LISEZMOI.txt", marques).encode("utf-8-sig")


def inventaire(
    versions: Sequence[str], roues: Sequence[str], python: InstallateurPython | None
) -> dict:
    """paquet.json : ce que contient le paquet (versions, installateur Python et sa
    vérification), pour le service informatique et pour le journal d'installation."""
    return {
        "iae_modulation": __version__,
        "versions_python": list(versions),
        "contraintes": CONTRAINTES,
        "roues": sorted(roues),
        "installateur_python": None
        if python is None
        else {
            "fichier": f"python/{python.chemin.name}",
            "version": python.version,
            "sha256": python.sha256,
            "verification": python.verification,
            "options": OPTIONS_INSTALLATEUR,
        },
    }


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
    choisies: set[str] | None = None,
    python: InstallateurPython | None = None,
) -> Path:
    """Écrit l'archive dans `sortie` avec les roues `choisies` de `roues` (déjà vérifiées ;
    toutes si `choisies` manque) et, s'il est donné, l'installateur Python (déjà vérifié)."""
    racine = f"iae-modulation-{__version__}"
    archive = Path(sortie) / f"{racine}-windows.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    temporaire = archive.with_name(f".{archive.name}.partiel")
    fichiers_roues = sorted(
        r for r in roues.glob("*.whl") if choisies is None or r.name in choisies
    )
    contenu = inventaire(versions, [r.name for r in fichiers_roues], python)
    with zipfile.ZipFile(temporaire, "w", zipfile.ZIP_DEFLATED) as zip_:
        zip_.writestr(f"{racine}/installer.cmd", installateur(versions, python=python))
        zip_.writestr(f"{racine}/LISEZMOI.txt", guide(versions, python=python))
        zip_.writestr(f"{racine}/exigences.txt", "\r\n".join(exigences(depot)) + "\r\n")
        zip_.write(contraintes(depot), f"{racine}/{CONTRAINTES}")
        zip_.writestr(f"{racine}/paquet.json", json.dumps(contenu, indent=2, ensure_ascii=False))
        for fichier in _fichiers_sources(depot):
            zip_.write(fichier, f"{racine}/source/{fichier.relative_to(depot).as_posix()}")
        for roue in fichiers_roues:  # déjà compressées
            zip_.write(roue, f"{racine}/roues/{roue.name}", compress_type=zipfile.ZIP_STORED)
        if python is not None:
            zip_.write(
                python.chemin,
                f"{racine}/python/{python.chemin.name}",
                compress_type=zipfile.ZIP_STORED,
            )
    os.replace(temporaire, archive)
    return archive


def paquet_windows(
    sortie: Path,
    roues: Path | None = None,
    versions: Sequence[str] = VERSIONS_PYTHON,
    installateur_python: Path | None = None,
    sha256: str | None = None,
) -> Path:
    """Vérifie l'installateur Python s'il est donné, télécharge les roues (dans `roues` :
    seulement pour les versions qu'elles ne couvrent pas encore), vérifie qu'elles suffisent,
    écrit l'archive."""
    python = (
        verifier_installateur(installateur_python, versions, sha256)
        if installateur_python
        else None
    )
    with tempfile.TemporaryDirectory() as dossier:
        roues = Path(roues) if roues else Path(dossier) / "roues"
        echecs = verifier_roues(roues, versions) if roues.is_dir() else dict.fromkeys(versions)
        if echecs:
            telecharger_roues(roues, list(echecs))
        echecs, choisies = resoudre_roues(roues, versions)
        if echecs:
            raise ErreurSortie(
                "Roues incomplètes, paquet non écrit :\n"
                + "\n".join(f"Python {v} : {e}" for v, e in echecs.items())
            )
        return construire_paquet(sortie, roues, versions, choisies=choisies, python=python)
