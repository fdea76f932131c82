"""Les limites qui bornent le temps et la mémoire d'une exécution (docs/donnees.md, « Limites »).

Une seule convention d'unités, celle du système international et de l'explorateur de fichiers de
Windows en décimal : 1 Mo = 1 000 000 octets, 1 Go = 1 000 Mo. Chaque refus cite la limite.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from decimal import Decimal
from io import BufferedIOBase
from pathlib import Path

from iae_modulation.erreurs import ErreurEntree

MO = 1_000_000
TAILLE_MAX_ENTREE = 200 * MO  # un export national tient en quelques Mo
DECOMPRESSE_MAX = 1_000 * MO  # contenu d'un .gz ou d'une archive zip (.xlsx, .xlsm, .docx)
ENTREES_ZIP_MAX = 10_000  # parties d'une archive zip
LIGNES_MAX = 50_000  # lignes d'un tableau (national : environ 4 500 structures)
COLONNES_MAX = 256
LIGNES_MAX_FLUXIAE = 2_000_000  # le FluxIAE garde tout l'historique des annexes
MONTANT_MAX = Decimal(10) ** 12  # 1 000 milliards d'euros : aucun montant réel n'en approche
LIGNE_MAX = MO  # une ligne de texte (une ligne du FluxIAE fait environ 1 ko)
CHIFFRES_MAX = 28  # chiffres significatifs d'un nombre lu (précision du calcul exact)
BLOC = 1 << 20


def taille_fr(octets: int) -> str:
    """« 200 Mo », « 1 Go », « 8,7 Mo », « 512 octets »."""
    for unite, valeur in (("Go", 1_000 * MO), ("Mo", MO), ("ko", 1_000)):
        if octets >= valeur:
            nombre = octets / valeur
            texte = f"{nombre:.0f}" if nombre == int(nombre) else f"{nombre:.1f}"
            return f"{texte.replace('.', ',')} {unite}"
    return f"{octets} octets"


def refus_taille(nom: str, quoi: str, taille: int, limite: int) -> ErreurEntree:
    """« donnees.csv : fichier refusé, 250 Mo dépasse la limite de 200 Mo. »"""
    return ErreurEntree(
        f"{nom} : fichier refusé, {quoi} ({taille_fr(taille)}) dépasse la limite de "
        f"{taille_fr(limite)} (voir docs/donnees.md, « Limites »)."
    )


def verifier_archive_zip(chemin: Path, nature: str) -> None:
    """Refuse une archive zip (.xlsx, .xlsm, .docx) abîmée ou qui se décompresserait au-delà de
    `DECOMPRESSE_MAX`. Les tailles déclarées suffisent : zipfile et calamine refusent toute partie
    plus longue que sa taille déclarée."""
    try:
        with zipfile.ZipFile(chemin) as archive:
            entrees = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ErreurEntree(
            f"{chemin.name} : fichier illisible, ce n'est pas un {nature} valide (fichier abîmé, "
            "incomplet ou protégé par un mot de passe)."
        ) from None
    if len(entrees) > ENTREES_ZIP_MAX:
        raise ErreurEntree(
            f"{chemin.name} : fichier refusé, {len(entrees)} parties dans l'archive (limite : "
            f"{ENTREES_ZIP_MAX})."
        )
    decompresse = sum(entree.file_size for entree in entrees)
    if decompresse > DECOMPRESSE_MAX:
        raise refus_taille(chemin.name, "son contenu décompressé", decompresse, DECOMPRESSE_MAX)


def blocs_bornes(flux: BufferedIOBase, nom: str) -> Iterator[bytes]:
    """Les octets d'un flux (un .gz se décompresse en le lisant) par blocs, refusés au-delà de
    `DECOMPRESSE_MAX` avant d'avoir tout lu."""
    lus = 0
    while bloc := flux.read(BLOC):
        lus += len(bloc)
        if lus > DECOMPRESSE_MAX:
            raise refus_taille(nom, "son contenu décompressé", lus, DECOMPRESSE_MAX)
        yield bloc
