"""Conversion en PDF par LibreOffice et PDF fusionné pour l'impression (notifications de l'annexe
4, décisions ASP de l'annexe 5 de la note DGEFP 2014-04).

Un lot est partagé entre autant de processus LibreOffice que la machine a de cœurs (chacun avec
son profil utilisateur temporaire) : deux processus divisent le temps par deux. `soffice` sort
avec le code 0 même quand il n'a rien converti : chaque PDF attendu est vérifié.

Une seule règle pour les trois commandes qui produisent des documents (`annexe5`,
`notifications`, `demo`) : par défaut, les PDF sont produits si LibreOffice est installé (sinon
c'est signalé) ; `--pdf` les exige ; `--sans-pdf` s'en passe.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from pypdf import PdfWriter

from iae_modulation.erreurs import ErreurOutil

# Au-delà, la ligne de commande est refusée par le système (32 767 caractères sous Windows) :
# le lot est alors passé en plusieurs appels successifs de LibreOffice.
LONGUEUR_MAX_COMMANDE = 30_000 if sys.platform == "win32" else 1_000_000
# Délai accordé à LibreOffice pour un lot : une minute, plus trois secondes par document.
DELAI_PAR_FICHIER = 3.0
# Un processus de plus ne vaut son démarrage (1 à 2 s) qu'à partir de quelques documents.
DOCUMENTS_MIN_PAR_PROCESSUS = 3
INTERVALLE_PROGRESSION = 0.2
# Un processus LibreOffice qui convertit des centaines de documents d'affilée finit par en
# sauter sans rien dire : les lots sont bornés, et les PDF manquants reconvertis une fois.
DOCUMENTS_MAX_PAR_LOT = 100
_EMPLACEMENTS_WINDOWS = (
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    / "LibreOffice/program/soffice.exe",
)


class ErreurPDF(ErreurOutil):
    """Conversion en PDF impossible ; le message est en français."""


def chemin_soffice() -> str | None:
    """L'exécutable de LibreOffice (`soffice`), ou None s'il n'est pas installé."""
    for nom in ("soffice", "libreoffice"):
        trouve = shutil.which(nom)
        if trouve:
            return trouve
    if sys.platform == "win32":
        return next((str(p) for p in _EMPLACEMENTS_WINDOWS if p.is_file()), None)
    return None


def libreoffice_disponible() -> bool:
    return chemin_soffice() is not None


def ajouter_options_pdf(parseur: argparse.ArgumentParser, documents: str) -> None:
    """`--pdf` / `--sans-pdf`, mêmes options et même défaut pour chaque commande ; `args.pdf`
    vaut True (exigés), False (aucun) ou None (si LibreOffice est installé)."""
    groupe = parseur.add_mutually_exclusive_group()
    groupe.add_argument(
        "--pdf",
        action="store_true",
        help=f"exiger aussi {documents} en PDF : erreur si LibreOffice est absent (par défaut, "
        "les PDF sont produits si LibreOffice est installé, sinon c'est signalé)",
    )
    groupe.add_argument(
        "--sans-pdf", dest="pdf", action="store_false", help="ne produire aucun PDF"
    )
    # ancien nom de --sans-pdf (scripts écrits avant la règle commune), gardé hors de l'aide
    groupe.add_argument("--pas-de-pdf", dest="pdf", action="store_false", help=argparse.SUPPRESS)
    parseur.set_defaults(pdf=None)


def pdf_a_produire(demande: bool | None) -> bool:
    """La règle commune : True si les PDF sont à produire. Lève `ErreurPDF` si `--pdf` les
    exige sans LibreOffice ; par défaut (None), ils le sont si LibreOffice est installé."""
    if demande is None:
        return libreoffice_disponible()
    if demande and not libreoffice_disponible():
        raise ErreurPDF(
            "PDF demandés (--pdf) mais LibreOffice est introuvable : installez-le (paquets "
            "libreoffice-writer et libreoffice-calc) ou demandez --sans-pdf."
        )
    return demande


REMARQUE_SANS_LIBREOFFICE = (
    "PDF non produits : LibreOffice n'est pas installé (les documents Word sont écrits ; "
    "--sans-pdf pour ne plus le signaler)."
)


def nombre_de_processus(documents: int) -> int:
    """Un processus LibreOffice par cœur, sans en lancer un pour trop peu de documents."""
    return max(1, min(os.cpu_count() or 1, math.ceil(documents / DOCUMENTS_MIN_PAR_PROCESSUS)))


def convertir_en_pdf(
    fichiers: list[Path],
    dossier: Path,
    *,
    processus: int | None = None,
    avancer: Callable[[str], None] | None = None,
    delai_par_document: float = DELAI_PAR_FICHIER,
) -> list[Path]:
    """Convertit les documents en PDF dans `dossier` (même nom, extension .pdf), répartis
    entre `processus` processus LibreOffice (défaut : un par cœur) qui travaillent en même
    temps ; `avancer(nom)` est appelé à chaque PDF écrit. Lève `ErreurPDF` si un PDF attendu
    manque. `delai_par_document` : secondes accordées par document (plus pour un document de
    plusieurs centaines de pages)."""
    fichiers = [Path(f).resolve() for f in fichiers]
    if not fichiers:
        return []
    soffice = chemin_soffice()
    if soffice is None:
        raise ErreurPDF(
            "LibreOffice est introuvable : installez-le (paquets libreoffice-writer et "
            "libreoffice-calc) ou demandez les documents sans PDF (--sans-pdf)."
        )
    noms = [f.stem for f in fichiers]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurPDF(f"Plusieurs documents donneraient le même PDF : {', '.join(doublons)}.")
    dossier = Path(dossier).resolve()
    dossier.mkdir(parents=True, exist_ok=True)
    attendus = [dossier / f"{f.stem}.pdf" for f in fichiers]
    avancer = avancer or (lambda nom: None)
    nombre = processus or nombre_de_processus(len(fichiers))
    parts = [fichiers[i::nombre] for i in range(nombre)]
    with ThreadPoolExecutor(nombre) as fils:
        travaux = [
            fils.submit(_convertir_part, soffice, part, dossier, delai_par_document)
            for part in parts
        ]
        _suivre(travaux, attendus, avancer)
        messages = [message for travail in travaux for message in travail.result()]
    a_refaire = [f for f, p in zip(fichiers, attendus, strict=True) if not _produit(p)]
    if a_refaire:
        messages += _convertir_part(soffice, a_refaire, dossier, delai_par_document)
        for fichier in a_refaire:
            if _produit(dossier / f"{fichier.stem}.pdf"):
                avancer(f"{fichier.stem}.pdf")
    manquants = [p.name for p in attendus if not _produit(p)]
    if manquants:
        detail = " ".join(m.strip() for m in messages if m.strip())[-600:]
        raise ErreurPDF(
            f"LibreOffice n'a pas produit {len(manquants)} PDF sur {len(attendus)} : "
            + ", ".join(manquants[:10])
            + (" …" if len(manquants) > 10 else "")
            + (f" (message de LibreOffice : {detail})" if detail else "")
        )
    return attendus


def _produit(chemin: Path) -> bool:
    return chemin.is_file() and chemin.stat().st_size > 0


def _suivre(travaux: list, attendus: list[Path], avancer: Callable[[str], None]) -> None:
    """Signale chaque PDF dès qu'il apparaît, jusqu'à la fin de tous les processus."""
    restants = list(attendus)
    while True:
        finis = not wait(travaux, timeout=INTERVALLE_PROGRESSION).not_done
        for chemin in [p for p in restants if p.is_file()]:
            restants.remove(chemin)
            avancer(chemin.name)
        if finis:
            return


def _convertir_part(
    soffice: str, fichiers: list[Path], dossier: Path, delai_par_document: float
) -> list[str]:
    """Une part du lot, en un processus LibreOffice (plusieurs si la commande serait trop
    longue), avec son propre profil utilisateur."""
    with tempfile.TemporaryDirectory(prefix="iae-libreoffice-") as profil:
        return [
            _lancer(soffice, lot, dossier, Path(profil), 60 + delai_par_document * len(lot))
            for lot in _lots(fichiers)
        ]


def _lots(fichiers: list[Path]) -> list[list[Path]]:
    lots: list[list[Path]] = []
    courant: list[Path] = []
    longueur = 0
    for fichier in fichiers:
        taille = len(str(fichier)) + 3
        if courant and (
            longueur + taille > LONGUEUR_MAX_COMMANDE or len(courant) >= DOCUMENTS_MAX_PAR_LOT
        ):
            lots.append(courant)
            courant, longueur = [], 0
        courant.append(fichier)
        longueur += taille
    lots.append(courant)
    return lots


def _lancer(soffice: str, fichiers: list[Path], dossier: Path, profil: Path, delai: float) -> str:
    commande = [
        soffice,
        f"-env:UserInstallation={profil.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--convert-to",
        "pdf",
        "--outdir",
        str(dossier),
        *map(str, fichiers),
    ]
    posix = os.name == "posix"
    with subprocess.Popen(
        commande,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=posix,
    ) as processus:
        try:
            sortie, _ = processus.communicate(timeout=delai)
        except subprocess.TimeoutExpired:
            if posix:
                os.killpg(processus.pid, signal.SIGKILL)
            else:
                processus.kill()
            processus.communicate()
            raise ErreurPDF(
                f"LibreOffice n'a pas terminé la conversion de {len(fichiers)} documents en "
                f"{delai:.0f} s : conversion abandonnée."
            ) from None
    return "\n".join(ligne for ligne in sortie.splitlines() if not ligne.startswith("convert "))


def fusionner_pdf(fichiers: list[Path], chemin: Path) -> Path:
    """Un seul PDF, dans l'ordre donné, pour imprimer tout le lot d'un coup."""
    fusion = PdfWriter()
    for fichier in fichiers:
        fusion.append(str(fichier))
    with open(chemin, "wb") as sortie:
        fusion.write(sortie)
    fusion.close()
    return Path(chemin)
