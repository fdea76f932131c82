"""Écriture sûre des sorties : dossier atomique, noms de fichiers assainis, manifeste.

Règles de la maison (docs/conception.md, « Conventions ») : les entrées ne sont jamais modifiées,
les sorties sont écrites sous un nom temporaire puis renommées, un résultat existant n'est remplacé
que sur demande, et chaque exécution laisse un manifeste JSON (entrées et sorties avec SHA-256).
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
from iae_modulation.erreurs import (
    ErreurEntree,
    ErreurSortie,
    SortieOccupee,
    cause_systeme,
    erreur_systeme_enveloppee,
)
from iae_modulation.limites import MO, TAILLE_MAX_ENTREE, refus_taille
from iae_modulation.referentiel import sans_accents

DEBUTS_DE_FORMULE = ("=", "+", "-", "@")
NOM_MANIFESTE = "manifeste.json"
NOM_VERROU = ".iae-verrou"
NOM_JOURNAL = ".iae-publication.json"  # publication en cours : ce qui est à finir ou à défaire
PREFIXE_TEMPORAIRE = ".iae-temporaire-"
SUFFIXE_ANCIENS = "-anciens"  # dossier temporaire où les anciens fichiers attendent la bascule
PREPARATION, BASCULE = "preparation", "bascule"
STATUT_REFUS = "refus"  # manifeste d'une exécution refusée : seul son rapport a été écrit
TAILLE_MAX_MANIFESTE = 50 * MO
# Le registre des actes (`registre.py`) vit dans le dossier du grand livre : ni ses fichiers, ni
# son verrou, ni son journal ne sont à l'exécution qui a écrit ce dossier, qui ne les remplace
# jamais (un nouveau calcul n'efface pas les décisions signées).
NOM_REGISTRE = "registre.csv"
NOM_VERROU_REGISTRE = ".iae-registre-verrou"
NOM_JOURNAL_REGISTRE = ".iae-registre-journal.json"


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
    """Verrou, journal et dossiers temporaires de l'outil (y compris ceux d'une exécution
    tuée), et le registre des actes, qui appartient au dossier et non à une exécution."""
    return nom in (
        NOM_VERROU,
        NOM_JOURNAL,
        NOM_REGISTRE,
        NOM_VERROU_REGISTRE,
        NOM_JOURNAL_REGISTRE,
    ) or nom.startswith((PREFIXE_TEMPORAIRE, NOM_JOURNAL, f".{NOM_REGISTRE}."))


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
      par `publier()` seulement, d'un seul coup (`Publication` : journal, puis bascule) : un
      échec laisse les résultats précédents tels quels ; une publication interrompue (processus
      tué, coupure du partage réseau) est finie ou défaite par l'exécution suivante, ou par le
      premier lecteur du dossier (`reprendre_publication`), et les autres restes sont retirés ;
    - dossiers et fichiers créés suivent le masque de droits (umask) de l'utilisateur ; un dossier
      existant garde ses droits.
    """

    def __init__(self, sortie: Path, *, ecraser: bool = False, entrees: Iterable = ()) -> None:
        self.demande = Path(sortie)
        self.ecraser = ecraser
        self.entrees = [Path(e) for e in entrees if e is not None]
        self.dossier = self.demande.resolve()
        self._temporaire: Path | None = None
        self.precedent: dict | None = None  # manifeste des résultats en place
        self.publies: list[Path] = []
        self._siens: set[str] = set()
        self._inachevee = False  # publication basculée mais pas finie : le journal la finira
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
        if existant != dossier or (dossier / NOM_JOURNAL).exists():
            return  # dossier neuf, ou publication interrompue : examiné une fois reprise
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
            Publication.reprendre(self.dossier)
            self.examiner()  # sous verrou : une exécution a pu finir entre-temps
            for reste in self.dossier.glob(PREFIXE_TEMPORAIRE + "*"):
                shutil.rmtree(reste, ignore_errors=True)
            for reste in self.dossier.glob(NOM_JOURNAL + ".*"):  # journal jamais renommé
                reste.unlink(missing_ok=True)
            self._temporaire = self.dossier / f"{PREFIXE_TEMPORAIRE}{secrets.token_hex(4)}"
            self._temporaire.mkdir()
        except BaseException:
            self._fermer()
            raise
        return self

    @property
    def temporaire(self) -> Path:
        """Le dossier temporaire où tout s'écrit, créé en entrant dans le bloc `with`."""
        if self._temporaire is None:
            raise ErreurSortie(f"{self.dossier} : dossier de sortie pas encore ouvert.")
        return self._temporaire

    def publier(self) -> list[Path]:
        """Remplace d'un seul coup les fichiers de l'outil par ceux du dossier temporaire
        (`Publication`) ; renvoie les fichiers publiés."""
        self.examiner()
        nouveaux = [
            p.relative_to(self.temporaire).as_posix()
            for p in sorted(self.temporaire.rglob("*"))
            if p.is_file()
        ]
        publication = Publication(self.dossier, self.temporaire.name, sorted(self._siens), nouveaux)
        publication.preparer()
        self._inachevee = True
        publication.achever()
        self._inachevee = False
        self.publies = [self.dossier / relatif for relatif in nouveaux]
        return self.publies

    def __exit__(self, type_, erreur, trace) -> None:
        self._fermer()
        if erreur is not None:
            systeme = erreur if isinstance(erreur, OSError) else erreur_systeme_enveloppee(erreur)
            if systeme is not None and systeme.filename is None:
                systeme.filename = str(self.dossier)  # disque plein en cours d'écriture

    def _fermer(self) -> None:
        if self._temporaire is not None and not self._inachevee:
            shutil.rmtree(self._temporaire, ignore_errors=True)
        if self._verrou is not None:
            self._verrou.release()
            with contextlib.suppress(OSError):
                (self.dossier / NOM_VERROU).unlink()
        if self._cree and not self.publies:
            with contextlib.suppress(OSError):
                self.dossier.rmdir()


class Publication:
    """Le remplacement des fichiers de l'outil d'un dossier par ceux d'un dossier temporaire,
    tout ou rien, même si le processus est tué entre deux renommages.

    Un renommage de fichier dans un même dossier est atomique (`os.replace`, y compris sur NTFS
    et sur un partage SMB) ; renommer un dossier entier ne l'est pas sous Windows (dossier de
    destination non vide, fichier ouvert dans Excel) et ferait perdre les droits du dossier de
    l'agent. D'où un journal, `.iae-publication.json`, écrit atomiquement :

    1. journal « preparation » : les anciens fichiers de l'outil, manifeste d'abord, sont mis
       de côté dans `<temporaire>-anciens/` ; un échec (fichier ouvert dans Excel) les remet en
       place et la commande échoue sans rien changer ;
    2. journal « bascule » (le point de non-retour, un seul renommage) : les nouveaux fichiers
       sont mis en place, le manifeste en dernier ; puis journal et dossiers temporaires sont
       retirés.

    Un processus tué laisse le journal : `reprendre` défait une préparation ou finit une
    bascule ; le dossier redevient entièrement l'ancien ou entièrement le nouveau.
    """

    def __init__(self, dossier: Path, temporaire: str, anciens: list[str], nouveaux: list[str]):
        self.dossier = Path(dossier)
        self.temporaire = temporaire
        # le manifeste quitte la place en premier et y revient en dernier : un dossier sans
        # manifeste n'est jamais pris pour un calcul entier
        self.anciens = sorted(anciens, key=lambda n: n != NOM_MANIFESTE)
        self.nouveaux = sorted(nouveaux, key=lambda n: n == NOM_MANIFESTE)
        self.etat = PREPARATION

    @property
    def mis_de_cote(self) -> Path:
        return self.dossier / f"{self.temporaire}{SUFFIXE_ANCIENS}"

    def preparer(self) -> None:
        """Étape 1 : journal, puis anciens fichiers mis de côté ; défaite si l'un résiste."""
        self._journal()
        try:
            for ancien in self.anciens:
                if (self.dossier / ancien).exists():
                    _deplacer(self.dossier / ancien, self.mis_de_cote / ancien)
        except OSError as erreur:
            self.defaire()
            raise SortieOccupee(
                f"Les résultats précédents de {self.dossier} n'ont pas pu être remplacés : "
                f"{Path(erreur.filename or self.dossier).name} ({cause_systeme(erreur)}). "
                "S'il est ouvert dans Excel ou Word, fermez-le, puis relancez. Rien n'a été "
                "changé."
            ) from None

    def achever(self) -> None:
        """Étape 2 : bascule, nouveaux fichiers en place, ménage."""
        self.etat = BASCULE
        self._journal()
        for nouveau in self.nouveaux:
            source = self.dossier / self.temporaire / nouveau
            if source.exists():
                _deplacer(source, self.dossier / nouveau)
        for ancien in self.anciens:
            _retirer_dossiers_vides(self.dossier / ancien, self.dossier)
        self._finir()

    def defaire(self) -> None:
        """Remet les anciens fichiers à leur place (le manifeste en dernier)."""
        for ancien in reversed(self.anciens):
            source = self.mis_de_cote / ancien
            if source.exists():
                _deplacer(source, self.dossier / ancien)
        self._finir()

    def _finir(self) -> None:
        (self.dossier / NOM_JOURNAL).unlink(missing_ok=True)
        shutil.rmtree(self.mis_de_cote, ignore_errors=True)
        if self.etat == BASCULE:
            shutil.rmtree(self.dossier / self.temporaire, ignore_errors=True)

    def _journal(self) -> None:
        """Écrit le journal sous un nom temporaire, sur le disque, puis le renomme."""
        contenu = {
            "etat": self.etat,
            "temporaire": self.temporaire,
            "anciens": self.anciens,
            "nouveaux": self.nouveaux,
        }
        provisoire = self.dossier / f"{NOM_JOURNAL}.{secrets.token_hex(4)}"
        with open(provisoire, "w", encoding="utf-8") as fichier:
            json.dump(contenu, fichier, ensure_ascii=False)
            fichier.flush()
            os.fsync(fichier.fileno())
        os.replace(provisoire, self.dossier / NOM_JOURNAL)
        _synchroniser(self.dossier)

    @classmethod
    def reprendre(cls, dossier: Path) -> bool:
        """Finit ou défait la publication interrompue de `dossier` (sous son verrou) ; vrai
        s'il y en avait une."""
        chemin = Path(dossier) / NOM_JOURNAL
        if not chemin.is_file():
            return False
        try:
            contenu = json.loads(chemin.read_text(encoding="utf-8"))
            publication = cls(
                dossier,
                _nom_sur(contenu["temporaire"], PREFIXE_TEMPORAIRE),
                [_relatif_sur(n) for n in contenu["anciens"]],
                [_relatif_sur(n) for n in contenu["nouveaux"]],
            )
            etat = contenu["etat"]
        except (ValueError, KeyError, TypeError) as erreur:
            raise ErreurSortie(
                f"{chemin} : journal de publication illisible ({erreur}) ; il n'a pas été écrit "
                "par l'outil. Supprimez-le, puis vérifiez le dossier avant de relancer."
            ) from None
        publication.etat = etat
        if etat == BASCULE:
            publication.achever()
        else:
            publication.defaire()
        return True


def reprendre_publication(dossier: Path) -> bool:
    """Pour un lecteur (`lire_grand_livre`, `rapprocher`) : finit ou défait, sous le verrou du
    dossier, une publication que le processus qui l'écrivait n'a pas pu finir. Vrai s'il y en
    avait une ; `SortieOccupee` si une exécution écrit dans ce dossier en ce moment."""
    dossier = Path(dossier)
    if not (dossier / NOM_JOURNAL).is_file():
        return False
    verrou = filelock.FileLock(dossier / NOM_VERROU, timeout=0)
    try:
        with verrou:
            return Publication.reprendre(dossier)
    except filelock.Timeout:
        raise SortieOccupee(
            f"Une exécution d'iae-modulation publie en ce moment dans {dossier} : attendez "
            "qu'elle se termine, puis relancez."
        ) from None
    except OSError as erreur:
        raise ErreurSortie(
            f"{dossier} : une publication interrompue n'a pas pu être finie "
            f"({cause_systeme(erreur)}) ; relancez depuis un poste qui peut écrire dans ce "
            "dossier."
        ) from None


def _deplacer(source: Path, cible: Path) -> None:
    cible.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, cible)


def _synchroniser(dossier: Path) -> None:
    """Le renommage du journal sur le disque avant la suite (POSIX ; sans objet sous Windows)."""
    with contextlib.suppress(OSError, AttributeError):
        descripteur = os.open(dossier, os.O_RDONLY)
        try:
            os.fsync(descripteur)
        finally:
            os.close(descripteur)


def _nom_sur(nom: object, prefixe: str) -> str:
    if not isinstance(nom, str) or not nom.startswith(prefixe) or "/" in nom or "\\" in nom:
        raise ValueError(f"dossier temporaire « {nom} »")
    return nom


def _relatif_sur(nom: object) -> str:
    partie = PurePosixPath(str(nom).replace("\\", "/"))
    if not isinstance(nom, str) or partie.is_absolute() or ".." in partie.parts or not partie.parts:
        raise ValueError(f"fichier « {nom} »")
    return partie.as_posix()


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
    entrees: Mapping[str, Path | None],
    options: Mapping[str, object],
    parametres: list[dict[str, object]] | None = None,
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
    if isinstance(valeur, dict):
        return {str(cle): _json(v) for cle, v in valeur.items()}
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
