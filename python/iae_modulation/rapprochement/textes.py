"""Le texte d'un document Word ou PDF, pour vérifier qu'il nomme la structure et dit les montants
que portent ses données intégrées : on y cherche des valeurs, jamais une formulation (un agent
peut reformuler le modèle), et jamais un montant n'y est lu.

Les comparaisons se font sur un texte « compact » : sans espaces ni sauts de ligne (une adresse
sur deux lignes, un montant coupé en fin de ligne ou « 12 345,67 € » avec une espace insécable
restent les mêmes), en forme Unicode composée, apostrophes droites.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import zipfile
from pathlib import Path

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from iae_modulation.parallele import en_parallele
from iae_modulation.texte_xml import texte_xml

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# apostrophes typographiques, trait d'union insécable (U+2011) d'un numéro d'acte
_EQUIVALENTS = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "\u2011": "-"})
# Ce que pypdf peut lever sur un fichier qui n'est pas un PDF, ou un PDF abîmé.
_ERREURS_PDF = (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError)


def texte_docx(chemin: Path) -> str:
    """Le texte d'un document Word, paragraphe par paragraphe (en-têtes et pieds de page
    compris) ; un trait d'union insécable (`<w:noBreakHyphen/>`) se lit « - »."""
    with zipfile.ZipFile(chemin) as archive:
        parties = [
            nom
            for nom in archive.namelist()
            if nom == "word/document.xml" or nom.startswith(("word/header", "word/footer"))
        ]
        racines = [etree.fromstring(archive.read(nom), _PARSEUR) for nom in sorted(parties)]
    return "\n".join(
        "".join(
            "-" if element.tag == f"{_W}noBreakHyphen" else element.text or ""
            for element in paragraphe.iter(f"{_W}t", f"{_W}noBreakHyphen")
        )
        for racine in racines
        for paragraphe in racine.iter(f"{_W}p")
    )


def compact(texte: str) -> str:
    """Le texte sans blancs, composé, apostrophes et traits d'union ordinaires (pour chercher
    une valeur)."""
    return "".join(unicodedata.normalize("NFC", texte).translate(_EQUIVALENTS).split())


def absentes(texte_compact: str, attendues: dict[str, str]) -> list[str]:
    """Les valeurs attendues (libellé -> valeur) que le texte compact ne contient pas, en
    « libellé « valeur » » ; une valeur vide n'est pas cherchée."""
    return [
        f"{libelle} « {valeur} »"
        for libelle, valeur in attendues.items()
        if valeur.strip() and compact(texte_xml(valeur)) not in texte_compact
    ]


class PdfIllisible(Exception):
    """Le fichier n'est pas un PDF lisible (le message dit pourquoi)."""


def _lecteur(chemin: Path) -> PdfReader:
    try:
        lecteur = PdfReader(str(chemin))
        _ = len(lecteur.pages)
    except _ERREURS_PDF as erreur:
        raise PdfIllisible(f"{Path(chemin).name} n'est pas un PDF lisible ({erreur})") from None
    return lecteur


def texte_pdf(chemin: Path) -> str:
    """Le texte de toutes les pages d'un PDF (pypdf) ; lève `PdfIllisible`."""
    lecteur = _lecteur(chemin)
    journal = logging.getLogger("pypdf")
    niveau = journal.level
    journal.setLevel(logging.ERROR)  # une police mal décrite : avertissement sans intérêt ici
    try:
        return "\n".join(page.extract_text() or "" for page in lecteur.pages)
    except _ERREURS_PDF as erreur:
        raise PdfIllisible(f"{Path(chemin).name} : texte illisible ({erreur})") from None
    finally:
        journal.setLevel(niveau)


SEUIL_PARALLELE = 16  # au-delà, la moitié des PDF est lue sur le second cœur


def textes_pdf(chemins: list[Path]) -> dict[Path, str]:
    """Le texte compact de chaque PDF (`compact(texte_pdf(…))`), ou le message qui dit qu'il
    est illisible, précédé de `ILLISIBLE` ; pypdf lit une page en 40 ms environ : la moitié des
    PDF est lue sur le second cœur (`parallele`)."""
    chemins = list(dict.fromkeys(chemins))
    if len(chemins) < SEUIL_PARALLELE:
        return _textes(chemins)
    milieu = len(chemins) // 2
    with en_parallele(_textes, chemins[milieu:]) as seconde_moitie:
        textes = _textes(chemins[:milieu])
        textes.update(seconde_moitie())
    return textes


ILLISIBLE = "\0illisible\0"


def _textes(chemins: list[Path]) -> dict[Path, str]:
    textes = {}
    for chemin in chemins:
        try:
            textes[chemin] = compact(texte_pdf(chemin))
        except PdfIllisible as erreur:
            textes[chemin] = f"{ILLISIBLE}{erreur}"
    return textes


def empreintes_des_pages(chemin: Path) -> list[str]:
    """L'empreinte du contenu de chaque page (flux de dessin décompressé) : une page recopiée
    telle quelle dans un PDF fusionné garde la même ; lève `PdfIllisible`."""
    lecteur = _lecteur(chemin)
    try:
        return [hashlib.sha256(_contenu(page)).hexdigest() for page in lecteur.pages]
    except _ERREURS_PDF as erreur:
        raise PdfIllisible(f"{Path(chemin).name} : page illisible ({erreur})") from None


def _contenu(page) -> bytes:
    contenu = page.get_contents()
    return contenu.get_data() if contenu is not None else b""
