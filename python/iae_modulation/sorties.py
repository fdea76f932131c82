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
import secrets
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

import filelock

from iae_modulation import __version__
from iae_modulation.erreurs import ErreurEntree, ErreurSortie, SortieOccupee, cause_systeme
from iae_modulation.limites import MO, TAILLE_MAX_ENTREE, refus_taille
from iae_modulation.referentiel import sans_accents

DEBUTS_DE_FORMULE = ("=", "+", "-", "@")
NOM_MANIFESTE = "manifeste.json"
NOM_VERROU = ".iae-verrou"
PREFIXE_TEMPORAIRE = ".iae-temporaire-"
STATUT_REFUS = "refus"  # manifeste d'une exécution refusée : seul son rapport a été écrit
TAILLE_MAX_MANIFESTE = 50 * MO


def verifier_fichier_entree(chemin: Path, taille_max: int = TAILLE_MAX_ENTREE) -> Path:
    """Refuse un fichier absent, qui n'en est pas un, inaccessible ou trop volumineux."""
    chemin = Path(chemin)
    try:
        if not chemin.exists():
            raise ErreurEntree(f"Fichier introuvable : {chemin}")
        if not chemin.is_file():
            raise ErreurEntree(f"{chemin} n'est pas un fichier.")
        taille = chemin.stat().st_size
    except OSError as erreur:
        raise ErreurEntree(f"{chemin} : fichier inaccessible ({cause_systeme(erreur)}).") from None
    if taille > taille_max:
        raise refus_taille(chemin.name, "sa taille", taille, taille_max)
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


# ---------------------------------------------------------------------------------------------
# Le dossier de sortie


def _restes(nom: str) -> bool:
    """Verrou et dossiers temporaires de l'outil (y compris ceux d'une exécution tuée)."""
    return nom == NOM_VERROU or nom.startswith(PREFIXE_TEMPORAIRE)


def fichiers_de_l_outil(dossier: Path) -> tuple[set[str], dict | None]:
    """Les fichiers de `dossier` que l'outil a écrits : ceux que liste son manifeste.json, restés
    tels quels (même SHA-256, fichiers ordinaires), et le manifeste lui-même ; et ce manifeste."""
    chemin = dossier / NOM_MANIFESTE
    try:
        if not chemin.is_file() or chemin.is_symlink():
            return set(), None
        if chemin.stat().st_size > TAILLE_MAX_MANIFESTE:
            return set(), None
        manifeste = json.loads(chemin.read_text(encoding="utf-8"))
        sorties = manifeste["sorties"]
        nommes = {str(s["fichier"]): str(s["sha256"]) for s in sorties}
    except (OSError, ValueError, KeyError, TypeError):
        return set(), None
    siens = {NOM_MANIFESTE}
    for relatif, empreinte in nommes.items():
        partie = PurePosixPath(relatif.replace("\\", "/"))
        if partie.is_absolute() or ".." in partie.parts or not partie.parts:
            continue
        fichier = dossier.joinpath(*partie.parts)
        try:
            if fichier.is_symlink() or not fichier.is_file() or sha256(fichier) != empreinte:
                continue
        except OSError:
            continue
        siens.add(partie.as_posix())
    return siens, manifeste


def _etrangers(dossier: Path, siens: set[str]) -> list[str]:
    """Les entrées de premier niveau de `dossier` qui contiennent autre chose que des fichiers
    de l'outil ou ses restes (un lien symbolique n'est jamais de l'outil)."""
    etrangers = []
    for entree in sorted(dossier.iterdir()):
        if _restes(entree.name):
            continue
        fichiers = [entree] if entree.is_symlink() or not entree.is_dir() else entree.rglob("*")
        for fichier in fichiers:
            relatif = fichier.relative_to(dossier).as_posix()
            if fichier.is_symlink() or (not fichier.is_dir() and relatif not in siens):
                etrangers.append(entree.name)
                break
    return etrangers


class DossierDeSortie:
    """Le dossier de sortie d'une commande, écrit sans jamais rien perdre.

    - refusé s'il est le dossier courant (ou l'un de ses parents), s'il contient une entrée de la
      commande, ou s'il existe, n'est pas vide et que `ecraser` n'est pas demandé ;
    - avec `ecraser`, seuls les fichiers que l'outil y a écrits (listés dans son manifeste.json,
      inchangés) sont remplacés ou supprimés : un autre fichier fait refuser la commande ;
    - un verrou (`.iae-verrou`) fait échouer aussitôt une autre exécution dans le même dossier ;
    - tout s'écrit dans un dossier temporaire `.iae-temporaire-…` du dossier de sortie, publié
      par `publier()` seulement : un échec laisse les résultats précédents tels quels ; les
      restes d'une exécution tuée sont retirés par la suivante ;
    - dossiers et fichiers créés suivent le masque de droits (umask) de l'utilisateur ; un dossier
      existant garde ses droits.
    """

    def __init__(self, sortie: Path, *, ecraser: bool = False, entrees: Iterable = ()) -> None:
        self.demande = Path(sortie)
        self.ecraser = ecraser
        self.entrees = [Path(e) for e in entrees if e is not None]
        self.dossier = self.demande.resolve()
        self.temporaire: Path | None = None
        self.precedent: dict | None = None  # manifeste des résultats en place
        self.publies: list[Path] = []
        self._siens: set[str] = set()
        self._verrou: filelock.FileLock | None = None
        self._cree = False

    @property
    def vide(self) -> bool:
        """Vrai si rien ne serait perdu à y écrire un rapport de refus (dossier neuf, vide ou qui
        ne contient que le rapport d'un refus précédent)."""
        return self.precedent is None or self.precedent.get("statut") == STATUT_REFUS

    def examiner(self) -> None:
        """Tous les refus possibles, avant tout travail ; lève `ErreurSortie`."""
        dossier, nom = self.dossier, self.demande
        courant = Path.cwd().resolve()
        if dossier == courant or dossier in courant.parents:
            raise ErreurSortie(
                f"Le dossier de sortie « {nom} » est le dossier courant ou l'un de ses parents : "
                "choisissez un sous-dossier à part, par exemple --sortie resultats."
            )
        for entree in self.entrees:
            if dossier in entree.resolve().parents:
                raise ErreurSortie(
                    f"Le dossier de sortie {dossier} contient {entree.name}, une entrée de la "
                    "commande : choisissez un autre dossier de sortie."
                )
        existant = next(p for p in (dossier, *dossier.parents) if p.exists())
        if not existant.is_dir():
            quoi = "la sortie demandée" if existant == dossier else "un élément du chemin"
            raise ErreurSortie(
                f"{existant} est un fichier ({quoi}) : le dossier de sortie {nom} ne peut pas "
                "y être créé."
            )
        if existant != dossier:
            return
        self._siens, self.precedent = fichiers_de_l_outil(dossier)
        etrangers = _etrangers(dossier, self._siens)
        if etrangers:
            raise ErreurSortie(
                f"Le dossier de sortie {dossier} contient des fichiers que l'outil n'a pas écrits "
                f"ou qui ont été modifiés depuis : {', '.join(etrangers[:10])}"
                + (" …" if len(etrangers) > 10 else "")
                + ". Rien n'a été effacé : --ecraser ne remplace que les fichiers listés dans le "
                "manifeste.json d'une exécution précédente ; choisissez un autre dossier ou "
                "déplacez ces fichiers."
            )
        if not self.vide and not self.ecraser:
            raise ErreurSortie(
                f"Le dossier de sortie {dossier} existe déjà et contient des résultats : "
                "choisissez un autre dossier ou ajoutez --ecraser pour les remplacer."
            )

    def __enter__(self) -> DossierDeSortie:
        self.examiner()
        self._cree = not self.dossier.exists()
        self.dossier.mkdir(parents=True, exist_ok=True)
        self._verrou = filelock.FileLock(self.dossier / NOM_VERROU, timeout=0)
        try:
            self._verrou.acquire()
        except filelock.Timeout:
            self._verrou = None
            raise SortieOccupee(
                f"Une autre exécution d'iae-modulation écrit déjà dans {self.dossier} : "
                "attendez qu'elle se termine ou choisissez un autre dossier."
            ) from None
        try:
            self.examiner()  # sous verrou : une exécution a pu finir entre-temps
            for reste in self.dossier.glob(PREFIXE_TEMPORAIRE + "*"):
                shutil.rmtree(reste, ignore_errors=True)
            self.temporaire = self.dossier / f"{PREFIXE_TEMPORAIRE}{secrets.token_hex(4)}"
            self.temporaire.mkdir()
        except BaseException:
            self._fermer()
            raise
        return self

    def publier(self) -> list[Path]:
        """Met les fichiers écrits à leur place : d'abord les nouveaux (remplacement fichier par
        fichier), puis les anciens de l'outil qui ne sont plus produits, le manifeste en dernier."""
        self.examiner()
        nouveaux = [
            p.relative_to(self.temporaire).as_posix()
            for p in sorted(self.temporaire.rglob("*"))
            if p.is_file()
        ]
        for relatif in [n for n in nouveaux if n != NOM_MANIFESTE]:
            cible = self.dossier / relatif
            cible.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.temporaire / relatif, cible)
        for ancien in sorted(self._siens - set(nouveaux)):
            (self.dossier / ancien).unlink(missing_ok=True)
            _retirer_dossiers_vides(self.dossier / ancien, self.dossier)
        if NOM_MANIFESTE in nouveaux:
            os.replace(self.temporaire / NOM_MANIFESTE, self.dossier / NOM_MANIFESTE)
        self.publies = [self.dossier / relatif for relatif in nouveaux]
        return self.publies

    def __exit__(self, *exception) -> None:
        self._fermer()

    def _fermer(self) -> None:
        if self.temporaire is not None:
            shutil.rmtree(self.temporaire, ignore_errors=True)
        if self._verrou is not None:
            self._verrou.release()
            with contextlib.suppress(OSError):
                (self.dossier / NOM_VERROU).unlink()
        if self._cree and not self.publies:
            with contextlib.suppress(OSError):
                self.dossier.rmdir()


def _retirer_dossiers_vides(fichier: Path, racine: Path) -> None:
    for parent in fichier.parents:
        if parent == racine:
            return
        with contextlib.suppress(OSError):
            parent.rmdir()


@contextlib.contextmanager
def dossier_atomique(sortie: Path, ecraser: bool = False, entrees: Iterable = ()) -> Iterator[Path]:
    """Donne le dossier temporaire d'un `DossierDeSortie`, publié si le bloc réussit ; en cas
    d'erreur, le dossier de sortie reste tel qu'il était."""
    with DossierDeSortie(sortie, ecraser=ecraser, entrees=entrees) as ecriture:
        yield ecriture.temporaire
        ecriture.publier()


def ecrire_manifeste(
    dossier: Path,
    commande: str,
    entrees: Mapping[str, Path],
    options: Mapping[str, object],
    parametres: list[dict] | None = None,
    refus: bool = False,
    alertes: list[str] | None = None,
) -> Path:
    """Écrit `manifeste.json` : entrées et sorties avec SHA-256, paramètres, options, version.

    Les sorties sont tous les fichiers déjà présents dans `dossier` (à appeler en dernier) ;
    `refus` marque le manifeste d'une exécution refusée, qui n'a écrit que son rapport ;
    `alertes` : les lignes ATTENTION et les valeurs utilisées qui n'ont pas été lues dans le
    texte. Le dossier de paramètres de l'agent, s'il y en a un, y figure avec l'empreinte de
    chacun de ses fichiers.
    """
    from iae_modulation.parametres import surcharge_active

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
        "sorties": [
            {"fichier": p.relative_to(dossier).as_posix(), "sha256": sha256(p)} for p in sorties
        ],
    }
    if alertes:
        manifeste["alertes"] = list(alertes)
    surcharge = surcharge_active()
    if surcharge is not None:
        manifeste["surcharge_parametres"] = surcharge.vers_dict()
    if refus:
        manifeste["statut"] = STATUT_REFUS
    chemin = Path(dossier) / NOM_MANIFESTE
    chemin.write_text(json.dumps(manifeste, ensure_ascii=False, indent=2), encoding="utf-8")
    return chemin


def _json(valeur: object) -> object:
    if isinstance(valeur, str | int | float | bool) or valeur is None:
        return valeur
    if isinstance(valeur, list | tuple):
        return [_json(v) for v in valeur]
    return str(valeur)


def classeur_remplacable(chemin: Path, titre: str) -> bool:
    """Vrai si `chemin` n'existe pas, ou si c'est un classeur que l'outil a écrit lui-même (son
    titre et son auteur, dans les propriétés du document) : un fichier d'agent qui porterait le
    même nom n'est jamais remplacé."""
    chemin = Path(chemin)
    if not chemin.exists():
        return True
    try:
        with zipfile.ZipFile(chemin) as archive:
            proprietes = archive.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f"<dc:title>{titre}</dc:title>" in proprietes and "iae-modulation" in proprietes
