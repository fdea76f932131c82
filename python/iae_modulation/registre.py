"""Le registre des actes d'une campagne : `registre.csv`, à côté du grand livre (`resultats.csv`).

Chaque décision de paiement SIGNÉE (annexe 5 de la note DGEFP n° 2014-04) y reçoit un numéro
`AAAA-DD-MESURE-NNN` (année de campagne, département, mesure, séquence sur trois chiffres) ; un
projet n'a pas de numéro et n'y entre pas. Une seule décision est « en vigueur » par année,
département et mesure : une seconde est refusée, sauf si elle annule et remplace la première
(`--remplace NUMÉRO`), qui passe alors « remplacée ». Format : coordination de l'issue 16,
`formats16.md` (CSV UTF-8 avec BOM, séparateur « ; », colonnes `COLONNES` dans cet ordre).

Écriture sûre : un verrou (`.iae-registre-verrou`) refuse une seconde exécution simultanée ;
les actes à enregistrer sont d'abord écrits dans un journal (`.iae-registre-journal.json`) avant
la publication des documents, puis le registre est remplacé d'un coup (fichier temporaire
renommé). Une exécution tuée entre la publication et l'enregistrement laisse le journal : la
suivante enregistre les actes dont les documents sont publiés (même SHA-256), et oublie les
autres.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import filelock

from iae_modulation.erreurs import ErreurEntree, ErreurSortie, SortieOccupee
from iae_modulation.formats import date_fr, montant_fr
from iae_modulation.referentiel import TYPES_SIAE, normaliser_departement
from iae_modulation.sorties import (
    NOM_JOURNAL_REGISTRE,
    NOM_REGISTRE,
    NOM_VERROU_REGISTRE,
    sha256,
)

COLONNES = (
    "numero",
    "annee",
    "departement",
    "mesure",
    "statut",
    "remplace",
    "remplacee_par",
    "date_signature",
    "signataire",
    "autorite",
    "total",
    "nombre_structures",
    "grand_livre_sha256",
    "fichier_docx",
    "sha256_docx",
    "fichier_pdf",
    "sha256_pdf",
    "dossier_sortie",
    "date_enregistrement",
)
EN_VIGUEUR, REMPLACEE = "en vigueur", "remplacée"
STATUTS = (EN_VIGUEUR, REMPLACEE)
NUMERO = re.compile(r"^(\d{4})-([0-9]{2,3}|2A|2B)-([A-Z]+)-(\d{3})$")
_MONTANT = re.compile(r"^\d+\.\d{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEQUENCE_MAX = 999
_Jour = TypeVar("_Jour", bound=dt.date)  # une date ou une date et heure


class RefusRegistre(ErreurEntree):
    """Décision refusée par le registre (seconde décision payable, `--remplace` invalide) ou
    registre illisible ; le message est en français."""


Cle = tuple[int, str, str]  # (année, département, mesure)


def numero_acte(annee: int, departement: str, mesure: str, sequence: int) -> str:
    """« 2026-57-ACI-001 »."""
    return f"{annee}-{departement}-{mesure}-{sequence:03d}"


def cle_du_numero(numero: str) -> Cle | None:
    """(2026, "57", "ACI") pour « 2026-57-ACI-001 » ; None si le numéro est mal formé."""
    trouve = NUMERO.match(numero.strip())
    if not trouve or trouve.group(3) not in TYPES_SIAE:
        return None
    if normaliser_departement(trouve.group(2)) != trouve.group(2):
        return None
    return int(trouve.group(1)), trouve.group(2), trouve.group(3)


@dataclass(frozen=True)
class ActeEnregistre:
    """Une ligne du registre : une décision signée, ses fichiers et leurs empreintes."""

    numero: str
    annee: int
    departement: str
    mesure: str
    statut: str
    remplace: str  # « » : aucune
    remplacee_par: str
    date_signature: dt.date
    signataire: str
    autorite: str  # la première phrase de l'acte : « Le préfet de la Moselle »
    total: Decimal
    nombre_structures: int
    grand_livre_sha256: str
    fichier_docx: str  # chemins relatifs au dossier du registre (posix)
    sha256_docx: str
    fichier_pdf: str
    sha256_pdf: str
    dossier_sortie: str
    date_enregistrement: dt.datetime

    @property
    def cle(self) -> Cle:
        return self.annee, self.departement, self.mesure

    @property
    def sequence(self) -> int:
        return int(self.numero.rsplit("-", 1)[1])

    def designation(self) -> str:
        """« n° 2026-57-ACI-001 du 15 juin 2026 (12 345,67 €) »."""
        return f"n° {self.numero} du {date_fr(self.date_signature)} ({montant_fr(self.total)})"

    def vers_ligne(self) -> dict[str, str]:
        """La ligne du CSV : textes, total au point décimal, dates ISO."""
        valeurs = asdict(self)
        valeurs["total"] = f"{self.total:.2f}"
        valeurs["date_signature"] = self.date_signature.isoformat()
        valeurs["date_enregistrement"] = self.date_enregistrement.isoformat(timespec="seconds")
        return {colonne: str(valeurs[colonne]) for colonne in COLONNES}


# ---------------------------------------------------------------------------------------------
# Lecture


def lire_registre(dossier: Path) -> list[ActeEnregistre]:
    """Les actes du registre de `dossier` (le dossier du grand livre), dans l'ordre du fichier ;
    [] s'il n'y en a pas encore. Refusé (`RefusRegistre`, tous les problèmes à la fois, ligne
    et colonne) s'il a été abîmé ou modifié à la main de façon incohérente."""
    chemin = Path(dossier) / NOM_REGISTRE
    if not chemin.is_file():
        return []
    try:
        texte = chemin.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RefusRegistre(
            f"{chemin} : le registre n'est pas en UTF-8 (enregistré par Excel sous un autre "
            "encodage ?) ; reprenez la dernière version écrite par l'outil."
        ) from None
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=";")
    entete = next(lecteur, None)
    if entete is None or tuple(entete) != COLONNES:
        raise RefusRegistre(
            f"{chemin}, ligne 1 : en-tête inattendu ({';'.join(entete or [])[:200]}) ; attendu : "
            f"{';'.join(COLONNES)}. Le registre ne se modifie pas à la main."
        )
    actes: list[ActeEnregistre] = []
    problemes: list[str] = []
    for numero_ligne, cellules in enumerate(lecteur, start=2):
        if not any(c.strip() for c in cellules):
            continue
        acte = _acte(cellules, numero_ligne, problemes)
        if acte is not None:
            actes.append(acte)
    problemes += _incoherences(actes)
    if problemes:
        raise RefusRegistre(
            f"Registre des actes {chemin} refusé (modifié à la main ?) :\n- "
            + "\n- ".join(problemes[:20])
            + ("\n- …" if len(problemes) > 20 else "")
        )
    return actes


def _acte(cellules: list[str], ligne: int, problemes: list[str]) -> ActeEnregistre | None:
    """L'acte d'une ligne, ou None (ses problèmes ajoutés à `problemes`)."""
    if len(cellules) != len(COLONNES):
        problemes.append(f"ligne {ligne} : {len(cellules)} cellules au lieu de {len(COLONNES)}")
        return None
    valeurs = dict(zip(COLONNES, (c.strip() for c in cellules), strict=True))
    avant = len(problemes)

    def refuser(colonne: str, attendu: str) -> None:
        problemes.append(
            f"ligne {ligne}, colonne {colonne} : « {valeurs[colonne][:80]} » ({attendu})"
        )

    def date_iso(colonne: str, lire: Callable[[str], _Jour]) -> _Jour | None:
        try:
            return lire(valeurs[colonne])
        except ValueError:
            refuser(colonne, "date ISO, p. ex. 2026-06-15")
            return None

    cle = cle_du_numero(valeurs["numero"])
    if cle is None:
        refuser("numero", "attendu AAAA-DD-MESURE-NNN, p. ex. 2026-57-ACI-001")
    elif (valeurs["annee"], valeurs["departement"], valeurs["mesure"]) != (
        str(cle[0]),
        cle[1],
        cle[2],
    ):
        refuser("numero", "l'année, le département ou la mesure ne sont pas ceux du numéro")
    if valeurs["statut"] not in STATUTS:
        refuser("statut", "« en vigueur » ou « remplacée »")
    for colonne in ("remplace", "remplacee_par"):
        if valeurs[colonne] and cle_du_numero(valeurs[colonne]) is None:
            refuser(colonne, "un numéro d'acte ou rien")
    if (valeurs["statut"] == REMPLACEE) != bool(valeurs["remplacee_par"]):
        refuser("remplacee_par", "rempli si et seulement si la décision est remplacée")
    if not _MONTANT.match(valeurs["total"]):
        refuser("total", "montant au point décimal, deux décimales : 1234.56")
    if not valeurs["nombre_structures"].isdigit():
        refuser("nombre_structures", "nombre entier")
    for colonne in ("grand_livre_sha256", "sha256_docx", "sha256_pdf"):
        vide_permis = colonne != "sha256_docx"
        if not (_SHA256.match(valeurs[colonne]) or (vide_permis and not valeurs[colonne])):
            refuser(colonne, "empreinte SHA-256 en 64 caractères hexadécimaux")
    if bool(valeurs["fichier_pdf"]) != bool(valeurs["sha256_pdf"]):
        refuser("sha256_pdf", "rempli si et seulement si un PDF est enregistré")
    if not valeurs["fichier_docx"]:
        refuser("fichier_docx", "le document Word de la décision")
    signature = date_iso("date_signature", dt.date.fromisoformat)
    enregistrement = date_iso("date_enregistrement", dt.datetime.fromisoformat)
    if signature is None or enregistrement is None or len(problemes) > avant:
        return None
    try:
        total = Decimal(valeurs["total"])
    except InvalidOperation:  # écarté par _MONTANT ; par prudence
        refuser("total", "montant illisible")
        return None
    return ActeEnregistre(
        numero=valeurs["numero"],
        annee=int(valeurs["annee"]),
        departement=valeurs["departement"],
        mesure=valeurs["mesure"],
        statut=valeurs["statut"],
        remplace=valeurs["remplace"],
        remplacee_par=valeurs["remplacee_par"],
        date_signature=signature,
        signataire=valeurs["signataire"],
        autorite=valeurs["autorite"],
        total=total,
        nombre_structures=int(valeurs["nombre_structures"]),
        grand_livre_sha256=valeurs["grand_livre_sha256"],
        fichier_docx=valeurs["fichier_docx"],
        sha256_docx=valeurs["sha256_docx"],
        fichier_pdf=valeurs["fichier_pdf"],
        sha256_pdf=valeurs["sha256_pdf"],
        dossier_sortie=valeurs["dossier_sortie"],
        date_enregistrement=enregistrement,
    )


def _incoherences(actes: list[ActeEnregistre]) -> list[str]:
    """Numéros en double, deux décisions en vigueur pour une même clé, remplacements qui ne
    renvoient pas l'un à l'autre."""
    problemes = []
    par_numero: dict[str, ActeEnregistre] = {}
    for acte in actes:
        if acte.numero in par_numero:
            problemes.append(f"numéro {acte.numero} en double")
        par_numero[acte.numero] = acte
    vigueur: dict[Cle, list[str]] = {}
    for acte in actes:
        if acte.statut == EN_VIGUEUR:
            vigueur.setdefault(acte.cle, []).append(acte.numero)
        if acte.remplace:
            ancien = par_numero.get(acte.remplace)
            if ancien is None or ancien.remplacee_par != acte.numero:
                problemes.append(
                    f"{acte.numero} remplace {acte.remplace}, qui ne dit pas être remplacée par lui"
                )
        if acte.remplacee_par:
            nouveau = par_numero.get(acte.remplacee_par)
            if nouveau is None or nouveau.remplace != acte.numero:
                problemes.append(
                    f"{acte.numero} est remplacée par {acte.remplacee_par}, qui ne dit pas la "
                    "remplacer"
                )
    for (annee, departement, mesure), numeros in vigueur.items():
        if len(numeros) > 1:
            problemes.append(
                f"{len(numeros)} décisions {mesure} {annee} du département {departement} en "
                f"vigueur : {', '.join(numeros)} (une seule est payable)"
            )
    return problemes


def en_vigueur(
    actes: Iterable[ActeEnregistre], annee: int, departement: str, mesure: str
) -> ActeEnregistre | None:
    """La décision payable de l'année, du département et de la mesure, ou None."""
    return next(
        (a for a in actes if a.statut == EN_VIGUEUR and a.cle == (annee, departement, mesure)),
        None,
    )


def numero_suivant(
    actes: Iterable[ActeEnregistre], annee: int, departement: str, mesure: str
) -> str:
    """Le numéro de la prochaine décision : séquence suivante pour l'année, le département et
    la mesure (décisions remplacées comprises)."""
    sequences = [a.sequence for a in actes if a.cle == (annee, departement, mesure)]
    suivante = max(sequences, default=0) + 1
    if suivante > SEQUENCE_MAX:
        raise RefusRegistre(
            f"Plus de {SEQUENCE_MAX} décisions {mesure} {annee} pour le département "
            f"{departement} : numérotation épuisée."
        )
    return numero_acte(annee, departement, mesure, suivante)


def controler_emission(
    actes: Iterable[ActeEnregistre],
    annee: int,
    departement: str,
    mesure: str,
    remplace: str | None,
    lieu: str = NOM_REGISTRE,
) -> ActeEnregistre | None:
    """Refuse une seconde décision payable, ou un `--remplace` qui ne désigne pas la décision en
    vigueur de la même année, du même département et de la même mesure ; renvoie la décision
    remplacée (ou None)."""
    actes = list(actes)
    actuelle = en_vigueur(actes, annee, departement, mesure)
    objet = f"décision {mesure} {annee} du département {departement}"
    if remplace is None:
        if actuelle is not None:
            raise RefusRegistre(
                f"Une {objet} est déjà en vigueur : {actuelle.designation()}, inscrite au "
                f"registre {lieu}. Une seconde décision payable est refusée. Pour la "
                f"remplacer, relancez avec --remplace {actuelle.numero} : la nouvelle décision "
                "dira qu'elle l'annule et la remplace."
            )
        return None
    ancienne = next((a for a in actes if a.numero == remplace), None)
    if ancienne is None:
        raise RefusRegistre(
            f"--remplace {remplace} : aucune décision de ce numéro au registre {lieu}"
            + (
                f" ; la {objet} en vigueur est la {actuelle.designation()}."
                if actuelle
                else f" ; aucune {objet} n'y est en vigueur."
            )
        )
    if ancienne.cle != (annee, departement, mesure):
        raise RefusRegistre(
            f"--remplace {remplace} : cette décision est celle de la mesure {ancienne.mesure}, "
            f"du département {ancienne.departement}, année {ancienne.annee} ; elle ne peut pas "
            f"être remplacée par une {objet}."
        )
    if ancienne.statut != EN_VIGUEUR:
        raise RefusRegistre(
            f"--remplace {remplace} : cette décision a déjà été remplacée par la décision "
            f"n° {ancienne.remplacee_par}"
            + (f" ; la décision en vigueur est la {actuelle.designation()}." if actuelle else ".")
        )
    return ancienne


# ---------------------------------------------------------------------------------------------
# Écriture


def ecrire_registre(dossier: Path, actes: list[ActeEnregistre]) -> Path:
    """Remplace `registre.csv` d'un coup (fichier temporaire du même dossier, renommé)."""
    chemin = Path(dossier) / NOM_REGISTRE
    tampon = io.StringIO(newline="")
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES)
    for acte in actes:
        ecrivain.writerow(acte.vers_ligne()[c] for c in COLONNES)
    _ecrire_atomiquement(chemin, ("\ufeff" + tampon.getvalue()).encode("utf-8"))
    return chemin


def _ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    temporaire = chemin.with_name(f".{chemin.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporaire, "wb") as fichier:
            fichier.write(contenu)
            fichier.flush()
            os.fsync(fichier.fileno())
        os.replace(temporaire, chemin)
    finally:
        temporaire.unlink(missing_ok=True)


def chemin_relatif(cible: Path, dossier: Path) -> str:
    """`cible` relatif au dossier du registre (posix) ; absolu s'il est sur un autre lecteur."""
    try:
        return Path(os.path.relpath(Path(cible).resolve(), Path(dossier).resolve())).as_posix()
    except ValueError:  # Windows : autre lecteur
        return Path(cible).resolve().as_posix()


class Registre:
    """Le registre d'un dossier, ouvert sous verrou pour y enregistrer des décisions.

    with Registre(dossier) as registre:
        numero, remplacee = registre.reserver(2026, "57", "ACI", remplace=None)
        … documents écrits dans le dossier de sortie …
        registre.preparer([acte, …])   # journal, avant la publication des documents
        … publication …
        registre.valider()             # registre.csv remplacé, journal retiré
    """

    def __init__(self, dossier: Path):
        self.dossier = Path(dossier)
        self.actes: list[ActeEnregistre] = []
        self._reserves: list[ActeEnregistre] = []  # numéros attribués dans cette exécution
        self._prepares: list[str] = []
        self._verrou = filelock.FileLock(self.dossier / NOM_VERROU_REGISTRE, timeout=0)

    @property
    def chemin(self) -> Path:
        return self.dossier / NOM_REGISTRE

    def __enter__(self) -> Registre:
        try:
            self._verrou.acquire()
        except filelock.Timeout:
            raise SortieOccupee(
                f"Une autre exécution d'iae-modulation enregistre des décisions dans le registre "
                f"{self.chemin} : attendez qu'elle se termine, puis relancez."
            ) from None
        try:
            self.reprendre()
            self.actes = lire_registre(self.dossier)
        except BaseException:
            self._fermer()
            raise
        return self

    def __exit__(self, type_, erreur, trace) -> None:
        if erreur is not None:
            # les décisions publiées avant l'erreur sont enregistrées, les autres numéros
            # abandonnés ; si le registre ne peut pas être écrit (ouvert dans Excel), le
            # journal reste pour l'exécution suivante
            with contextlib.suppress(OSError, RefusRegistre):
                self.reprendre()
        self._fermer()

    def _fermer(self) -> None:
        self._verrou.release()
        with contextlib.suppress(OSError):
            (self.dossier / NOM_VERROU_REGISTRE).unlink()

    def reserver(
        self, annee: int, departement: str, mesure: str, remplace: str | None = None
    ) -> tuple[str, ActeEnregistre | None]:
        """(numéro attribué, décision remplacée ou None) ; refus motivé d'une seconde décision
        payable (`controler_emission`)."""
        tous = [*self.actes, *self._reserves]
        remplacee = controler_emission(tous, annee, departement, mesure, remplace, str(self.chemin))
        numero = numero_suivant(tous, annee, departement, mesure)
        self._reserves.append(_reservation(numero, annee, departement, mesure))
        return numero, remplacee

    def preparer(self, nouveaux: list[ActeEnregistre]) -> None:
        """Écrit le journal des actes à enregistrer, avant la publication de leurs documents."""
        inconnus = {a.numero for a in nouveaux} - {r.numero for r in self._reserves}
        if inconnus:
            raise ValueError(f"numéros non réservés : {sorted(inconnus)}")
        contenu = json.dumps(
            {"actes": [a.vers_ligne() for a in nouveaux]}, ensure_ascii=False, indent=1
        )
        _ecrire_atomiquement(self.dossier / NOM_JOURNAL_REGISTRE, contenu.encode("utf-8"))
        self._prepares = [a.numero for a in nouveaux]

    def valider(self) -> list[ActeEnregistre]:
        """Enregistre les actes du journal, une fois leurs documents publiés ; renvoie le
        registre écrit. Un document absent ou changé depuis `preparer` fait échouer."""
        enregistres = {a.numero for a in self.reprendre()}
        manquants = [n for n in self._prepares if n not in enregistres]
        if manquants:
            raise ErreurSortie(
                f"Registre {self.chemin} : les documents des décisions {', '.join(manquants)} "
                "ne sont pas dans le dossier de sortie tels qu'ils ont été écrits ; elles ne "
                "sont pas enregistrées."
            )
        self.actes = lire_registre(self.dossier)
        return self.actes

    def reprendre(self) -> list[ActeEnregistre]:
        """Enregistre les actes d'un journal (laissé par une exécution interrompue, ou de cette
        exécution) dont les documents sont publiés (même SHA-256), oublie les autres, retire
        le journal ; renvoie les actes enregistrés."""
        journal = self.dossier / NOM_JOURNAL_REGISTRE
        if not journal.is_file():
            return []
        try:
            lignes = json.loads(journal.read_text(encoding="utf-8"))["actes"]
            nouveaux = [_acte_du_journal(ligne) for ligne in lignes]
        except (ValueError, KeyError, TypeError):
            nouveaux = []  # journal tronqué : écrit avant toute publication
        publies = [a for a in nouveaux if self._publie(a)]
        if publies:
            ecrire_registre(self.dossier, _appliquer(lire_registre(self.dossier), publies))
        journal.unlink()
        return publies

    def _publie(self, acte: ActeEnregistre) -> bool:
        fichier = self.dossier / acte.fichier_docx
        try:
            return fichier.is_file() and sha256(fichier) == acte.sha256_docx
        except OSError:
            return False


def _reservation(numero: str, annee: int, departement: str, mesure: str) -> ActeEnregistre:
    """Un numéro attribué mais pas encore enregistré (il compte pour la séquence)."""
    return ActeEnregistre(
        numero, annee, departement, mesure, EN_VIGUEUR, "", "", dt.date.min, "", "",
        Decimal(0), 0, "", "", "", "", "", "", dt.datetime.min,
    )  # fmt: skip


def _acte_du_journal(ligne: dict) -> ActeEnregistre:
    cellules = [str(ligne[c]) for c in COLONNES]
    problemes: list[str] = []
    acte = _acte(cellules, 0, problemes)
    if acte is None:
        raise ValueError("; ".join(problemes))
    return acte


def _appliquer(actes: list[ActeEnregistre], nouveaux: list[ActeEnregistre]) -> list[ActeEnregistre]:
    """Le registre avec les nouveaux actes, et les décisions qu'ils remplacent passées
    « remplacées »."""
    remplacees = {a.remplace: a.numero for a in nouveaux if a.remplace}
    connus = {a.numero for a in actes}
    mis_a_jour = [
        replace(a, statut=REMPLACEE, remplacee_par=remplacees[a.numero])
        if a.numero in remplacees
        else a
        for a in actes
    ]
    return mis_a_jour + [a for a in nouveaux if a.numero not in connus]


def nouvel_acte(**valeurs) -> ActeEnregistre:
    """Un acte à enregistrer, statut « en vigueur », daté de maintenant."""
    noms = {f.name for f in fields(ActeEnregistre)}
    valeurs.setdefault("statut", EN_VIGUEUR)
    valeurs.setdefault("remplacee_par", "")
    valeurs.setdefault("date_enregistrement", dt.datetime.now().replace(microsecond=0))
    inconnus = set(valeurs) - noms
    if inconnus:
        raise TypeError(f"champs inconnus : {sorted(inconnus)}")
    return ActeEnregistre(**valeurs)
