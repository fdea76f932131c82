"""Conversion en PDF par LibreOffice (un seul processus pour tout un lot) et PDF fusionné pour
l'impression (notifications de l'annexe 4, décisions ASP de l'annexe 5 de la note DGEFP 2014-04).

`soffice` sort avec le code 0 même quand il n'a rien converti : chaque PDF attendu est vérifié.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from pypdf import PdfWriter

# Au-delà, la ligne de commande est refusée par le système (32 767 caractères sous Windows) :
# le lot est alors passé en plusieurs appels successifs de LibreOffice.
LONGUEUR_MAX_COMMANDE = 30_000 if sys.platform == "win32" else 1_000_000
# Délai accordé à LibreOffice pour un lot : une minute, plus trois secondes par document.
DELAI_PAR_FICHIER = 3.0
_EMPLACEMENTS_WINDOWS = (
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    / "LibreOffice/program/soffice.exe",
)


class ErreurPDF(Exception):
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


def convertir_en_pdf(fichiers: list[Path], dossier: Path) -> list[Path]:
    """Convertit les documents en PDF dans `dossier` (même nom, extension .pdf), en un seul
    processus LibreOffice avec un profil utilisateur temporaire. Lève `ErreurPDF` si un PDF
    attendu manque."""
    fichiers = [Path(f).resolve() for f in fichiers]
    if not fichiers:
        return []
    soffice = chemin_soffice()
    if soffice is None:
        raise ErreurPDF(
            "LibreOffice est introuvable : installez-le (paquets libreoffice-writer et "
            "libreoffice-calc) ou demandez les documents sans PDF."
        )
    noms = [f.stem for f in fichiers]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurPDF(f"Plusieurs documents donneraient le même PDF : {', '.join(doublons)}.")
    dossier = Path(dossier).resolve()
    dossier.mkdir(parents=True, exist_ok=True)
    attendus = [dossier / f"{f.stem}.pdf" for f in fichiers]
    messages = []
    for lot in _lots(fichiers):
        messages.append(_lancer(soffice, lot, dossier, 60 + DELAI_PAR_FICHIER * len(lot)))
    manquants = [p.name for p in attendus if not p.is_file() or p.stat().st_size == 0]
    if manquants:
        detail = " ".join(m.strip() for m in messages if m.strip())[-600:]
        raise ErreurPDF(
            f"LibreOffice n'a pas produit {len(manquants)} PDF sur {len(attendus)} : "
            + ", ".join(manquants[:10])
            + (" …" if len(manquants) > 10 else "")
            + (f" (message de LibreOffice : {detail})" if detail else "")
        )
    return attendus


def _lots(fichiers: list[Path]) -> list[list[Path]]:
    lots, courant, longueur = [], [], 0
    for fichier in fichiers:
        taille = len(str(fichier)) + 3
        if courant and longueur + taille > LONGUEUR_MAX_COMMANDE:
            lots.append(courant)
            courant, longueur = [], 0
        courant.append(fichier)
        longueur += taille
    lots.append(courant)
    return lots


def _lancer(soffice: str, fichiers: list[Path], dossier: Path, delai: float) -> str:
    with tempfile.TemporaryDirectory(prefix="iae-libreoffice-") as profil:
        commande = [
            soffice,
            f"-env:UserInstallation={Path(profil).as_uri()}",
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
