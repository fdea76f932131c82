"""L'installateur Python de python.org joint au paquet Windows (`paquet-windows
--python-installateur`).

Avant d'être joint, l'installateur est vérifié : nom de python.org (`python-3.X.Y-amd64.exe`,
d'où sa version), version couverte par les roues du paquet, programme Windows (en-têtes MZ/PE),
signature Authenticode valide au nom de la Python Software Foundation — par
`Get-AuthenticodeSignature` sous Windows, par `osslsigncode verify` ailleurs (paquet Debian
`osslsigncode`, autorités de /etc/ssl/certs) — et, si on la donne, empreinte SHA-256 égale à
celle que publie python.org. Sans outil pour lire la signature, l'empreinte donnée est exigée.
La version et l'empreinte sont écrites dans le paquet : installer.cmd revérifie l'empreinte
(`certutil -hashfile`) avant de lancer l'installateur.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from iae_modulation.sorties import ErreurEntree

SIGNATAIRE = "Python Software Foundation"
NOM = re.compile(r"python-(?P<version>3\.(?P<mineure>\d+)\.\d+)-amd64\.exe", re.IGNORECASE)
_SUJET = re.compile(r"^\s*Subject\s*:\s*(?P<sujet>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class InstallateurPython:
    chemin: Path
    version: str  # « 3.13.5 », lue dans le nom donné par python.org
    sha256: str
    verification: str  # ce qui a été vérifié, pour le paquet et son guide

    @property
    def version_courte(self) -> str:
        return ".".join(self.version.split(".")[:2])


def empreinte(chemin: Path) -> str:
    sha = hashlib.sha256()
    with chemin.open("rb") as fichier:
        for bloc in iter(lambda: fichier.read(1 << 20), b""):
            sha.update(bloc)
    return sha.hexdigest()


def _programme_windows(chemin: Path) -> bool:
    with chemin.open("rb") as fichier:
        debut = fichier.read(4096)
    if len(debut) < 0x40 or debut[:2] != b"MZ":
        return False
    position = int.from_bytes(debut[0x3C:0x40], "little")
    return debut[position : position + 4] == b"PE\0\0"


def signataire_osslsigncode(chemin: Path, autorites: Path | None = None) -> tuple[bool, str]:
    """(signature valide, sujet du certificat du signataire) selon `osslsigncode verify`."""
    commande = ["osslsigncode", "verify", "-in", str(chemin)]
    if autorites is not None:
        commande += ["-CAfile", str(autorites)]
    resultat = subprocess.run(commande, capture_output=True, text=True, check=False)
    texte = resultat.stdout + resultat.stderr
    bloc = texte.split("Signer's certificate:", 1)
    sujet = _SUJET.search(bloc[1]) if len(bloc) == 2 else None
    valide = resultat.returncode == 0 and "Signature verification: ok" in texte
    return valide, sujet["sujet"].strip() if sujet else ""


def signataire_powershell(chemin: Path) -> tuple[bool, str]:
    """(signature valide, sujet du certificat du signataire) selon Get-AuthenticodeSignature."""
    script = (
        "$s = Get-AuthenticodeSignature -LiteralPath $env:IAE_INSTALLATEUR; "
        "Write-Output $s.Status; Write-Output $s.SignerCertificate.Subject"
    )
    resultat = subprocess.run(
        ["powershell", "-NoProfile", "-NonInteractive", "-Command", script],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "IAE_INSTALLATEUR": str(chemin)},
    )
    lignes = [*resultat.stdout.strip().splitlines(), "", ""]
    return resultat.returncode == 0 and lignes[0].strip() == "Valid", lignes[1].strip()


def outil_de_signature():
    """La fonction qui lit la signature sur ce poste, ou None s'il n'y a pas d'outil."""
    if sys.platform == "win32":
        return signataire_powershell if shutil.which("powershell") else None
    return signataire_osslsigncode if shutil.which("osslsigncode") else None


def verifier_installateur(
    chemin: Path,
    versions: Sequence[str],
    sha256: str | None = None,
    lire_signature=None,
) -> InstallateurPython:
    """Refuse (ErreurEntree, en français) tout ce qui n'est pas un installateur Python de
    python.org, intact, pour une version que couvrent les roues du paquet."""
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ErreurEntree(f"Installateur Python introuvable : {chemin}")
    nom = NOM.fullmatch(chemin.name)
    if nom is None:
        raise ErreurEntree(
            f"{chemin.name} : attendu l'installateur « Windows installer (64-bit) » de "
            "python.org, sous son nom d'origine (python-3.X.Y-amd64.exe)."
        )
    if f"3.{nom['mineure']}" not in versions:
        raise ErreurEntree(
            f"{chemin.name} : Python {nom['version']} n'est pas couvert par les roues de ce "
            f"paquet (Python {', '.join(versions)})."
        )
    if not _programme_windows(chemin):
        raise ErreurEntree(f"{chemin.name} n'est pas un programme Windows (en-têtes MZ/PE).")
    calculee = empreinte(chemin)
    constats = []
    if sha256:
        if calculee != sha256.strip().lower():
            raise ErreurEntree(
                f"{chemin.name} : empreinte SHA-256 {calculee}, différente de celle donnée "
                f"({sha256.strip()}) : fichier altéré ou d'une autre version ; paquet non écrit."
            )
        constats.append("empreinte SHA-256 égale à celle donnée")
    lire_signature = lire_signature or outil_de_signature()
    if lire_signature is None:
        if not sha256:
            raise ErreurEntree(
                f"{chemin.name} : signature impossible à vérifier ici (ni PowerShell, ni "
                "osslsigncode : apt-get install osslsigncode). Installez l'outil, ou donnez "
                "l'empreinte SHA-256 publiée par python.org (--python-sha256)."
            )
    else:
        valide, sujet = lire_signature(chemin)
        if not valide or SIGNATAIRE not in sujet:
            raise ErreurEntree(
                f"{chemin.name} : signature Authenticode absente, invalide ou d'un autre "
                f"éditeur que la {SIGNATAIRE} ({sujet or 'aucun signataire'}) ; paquet non "
                "écrit. Téléchargez de nouveau l'installateur depuis python.org."
            )
        constats.insert(0, f"signature Authenticode valide ({sujet})")
    return InstallateurPython(chemin, nom["version"], calculee, " ; ".join(constats))
