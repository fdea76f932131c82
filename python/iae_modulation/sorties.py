"""Écriture sûre des sorties : dossier atomique, noms de fichiers assainis, manifeste.

Règles de la maison (design, « Conventions ») : les entrées ne sont jamais modifiées, les sorties
sont écrites sous un nom temporaire puis renommées, un résultat existant n'est remplacé que sur
demande, et chaque exécution laisse un manifeste JSON (entrées et sorties avec SHA-256).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from iae_modulation import __version__
from iae_modulation.referentiel import sans_accents

DEBUTS_DE_FORMULE = ("=", "+", "-", "@")
TAILLE_MAX_ENTREE = 200 * 1024 * 1024  # 200 Mo : bien au-delà d'un export national


class ErreurSortie(Exception):
    """Sortie impossible (dossier existant, droits) ; le message est en français."""


class ErreurEntree(Exception):
    """Fichier d'entrée illisible ou refusé ; le message est en français."""


def verifier_fichier_entree(chemin: Path, taille_max: int = TAILLE_MAX_ENTREE) -> Path:
    """Refuse un fichier absent, qui n'en est pas un, ou trop volumineux (message clair)."""
    chemin = Path(chemin)
    if not chemin.exists():
        raise ErreurEntree(f"Fichier introuvable : {chemin}")
    if not chemin.is_file():
        raise ErreurEntree(f"{chemin} n'est pas un fichier.")
    taille = chemin.stat().st_size
    if taille > taille_max:
        raise ErreurEntree(
            f"{chemin.name} : fichier refusé, {taille / 1e6:.0f} Mo dépasse la limite de "
            f"{taille_max / 1e6:.0f} Mo."
        )
    return chemin


def texte_sans_formule(valeur: str) -> str:
    """Un texte qui commencerait par =, +, -, @ est préfixé d'une apostrophe (CSV, injection)."""
    return "'" + valeur if valeur.startswith(DEBUTS_DE_FORMULE) else valeur


def nom_de_fichier_sur(texte: str, longueur_max: int = 80) -> str:
    """Nom de fichier sans séparateur de chemin, sans « .. », sans accents ni espaces."""
    nom = re.sub(r"[^A-Za-z0-9_-]+", "_", sans_accents(str(texte))).strip("_")
    return nom[:longueur_max] or "sans_nom"


def sha256(chemin: Path) -> str:
    empreinte = hashlib.sha256()
    with open(chemin, "rb") as fichier:
        for bloc in iter(lambda: fichier.read(1 << 20), b""):
            empreinte.update(bloc)
    return empreinte.hexdigest()


def verifier_sortie_libre(sortie: Path, ecraser: bool = False) -> Path:
    """Refuse un dossier de sortie existant et non vide, sauf si l'on a demandé de l'écraser."""
    sortie = Path(sortie).resolve()
    if sortie.exists() and not sortie.is_dir():
        raise ErreurSortie(f"La sortie {sortie} est un fichier, pas un dossier.")
    if sortie.exists() and any(sortie.iterdir()) and not ecraser:
        raise ErreurSortie(
            f"Le dossier de sortie {sortie} existe déjà et n'est pas vide : choisissez un autre "
            "dossier ou ajoutez --ecraser."
        )
    return sortie


@contextlib.contextmanager
def dossier_atomique(sortie: Path, ecraser: bool = False) -> Iterator[Path]:
    """Donne un dossier temporaire voisin de `sortie`, renommé en `sortie` si tout a réussi.

    En cas d'erreur le dossier temporaire est supprimé et `sortie` reste tel qu'il était.
    """
    sortie = verifier_sortie_libre(sortie, ecraser)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    temporaire = Path(tempfile.mkdtemp(prefix=f".{sortie.name}-", dir=sortie.parent))
    try:
        yield temporaire
        if sortie.exists():
            ancien = sortie.with_name(f".{sortie.name}-ancien-{os.getpid()}")
            os.replace(sortie, ancien)
            os.replace(temporaire, sortie)
            shutil.rmtree(ancien, ignore_errors=True)
        else:
            os.replace(temporaire, sortie)
    except BaseException:
        shutil.rmtree(temporaire, ignore_errors=True)
        raise


def ecrire_manifeste(
    dossier: Path,
    commande: str,
    entrees: Mapping[str, Path],
    options: Mapping[str, object],
    parametres: list[dict] | None = None,
) -> Path:
    """Écrit `manifeste.json` : entrées et sorties avec SHA-256, paramètres, options, version.

    Les sorties sont tous les fichiers déjà présents dans `dossier` (à appeler en dernier).
    """
    sorties = sorted(p for p in Path(dossier).rglob("*") if p.is_file())
    manifeste = {
        "outil": "iae-modulation",
        "version": __version__,
        "commande": commande,
        "date_execution": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entrees": [
            {"role": role, "fichier": str(Path(chemin).resolve()), "sha256": sha256(chemin)}
            for role, chemin in entrees.items()
            if chemin is not None
        ],
        "options": {cle: _json(valeur) for cle, valeur in options.items()},
        "parametres": parametres or [],
        "sorties": [{"fichier": str(p.relative_to(dossier)), "sha256": sha256(p)} for p in sorties],
    }
    chemin = Path(dossier) / "manifeste.json"
    chemin.write_text(json.dumps(manifeste, ensure_ascii=False, indent=2), encoding="utf-8")
    return chemin


def _json(valeur: object) -> object:
    if isinstance(valeur, str | int | float | bool) or valeur is None:
        return valeur
    if isinstance(valeur, list | tuple):
        return [_json(v) for v in valeur]
    return str(valeur)
