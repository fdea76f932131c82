"""Ce qu'occupe une feuille .xlsx, lu dans l'archive avant de la confier à calamine.

calamine construit un tableau dense de la première à la dernière cellule remplie : une cellule
isolée en XFD1048576 dans un fichier de 6 ko lui ferait réserver 550 Go et arrêterait Python net
(« memory allocation failed »). On parcourt donc le XML de la feuille, en flux, pour connaître la
dernière ligne et la dernière colonne remplies, et les lignes masquées (signalées à l'agent).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from iae_modulation.erreurs import ErreurEntree
from iae_modulation.limites import COLONNES_MAX, LIGNES_MAX

LIGNES_DE_TITRE = 100  # lignes de titre tolérées au-dessus de l'en-tête (exports extranet)
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELLULE = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*(?<!/)>")
_LIGNE = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>")
_NUMERO = re.compile(rb"\br=\"([0-9]{1,7})\"")
_MASQUEE = re.compile(rb"\bhidden=\"(?:1|true)\"")


@dataclass
class Etendue:
    derniere_ligne: int = 0
    derniere_colonne: int = 0
    lignes_masquees: list[int] = field(default_factory=list)


def colonne_en_lettres(numero: int) -> str:
    lettres = ""
    while numero:
        numero, reste = divmod(numero - 1, 26)
        lettres = chr(65 + reste) + lettres
    return lettres


def etendue(chemin: Path, feuille: str) -> Etendue:
    """Dernière ligne et colonne remplies de `feuille`, lignes masquées ; lève `ErreurEntree` si
    la feuille dépasse les limites (`limites.LIGNES_MAX`, `limites.COLONNES_MAX`)."""
    trouvee = Etendue()
    lieu = f"{chemin.name}, feuille « {feuille} »"
    try:
        with zipfile.ZipFile(chemin) as archive:
            partie = _partie_de_la_feuille(archive, feuille)
            if partie is None:
                return trouvee
            with archive.open(partie) as flux:
                reste = b""
                while bloc := flux.read(1 << 20):
                    texte = reste + bloc
                    coupure = texte.rfind(b"<")
                    texte, reste = texte[:coupure], texte[coupure:]
                    _parcourir(texte, trouvee)
                _parcourir(reste, trouvee)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as erreur:
        raise ErreurEntree(f"{lieu} : classeur abîmé ({erreur}).") from None
    if trouvee.derniere_ligne > LIGNES_MAX + LIGNES_DE_TITRE:
        raise ErreurEntree(
            f"{lieu} : une cellule est remplie jusqu'à la ligne {trouvee.derniere_ligne} ; au plus "
            f"{LIGNES_MAX} lignes de données sont acceptées (voir docs/donnees.md, « Limites »). "
            "Supprimez les lignes inutiles sous vos données."
        )
    if trouvee.derniere_colonne > COLONNES_MAX:
        raise ErreurEntree(
            f"{lieu} : une cellule est remplie jusqu'à la colonne "
            f"{colonne_en_lettres(trouvee.derniere_colonne)} ; au plus {COLONNES_MAX} colonnes "
            "sont acceptées. Supprimez les colonnes inutiles à droite de vos données."
        )
    return trouvee


def _parcourir(texte: bytes, trouvee: Etendue) -> None:
    for lettres, ligne in _CELLULE.findall(texte):
        trouvee.derniere_ligne = max(trouvee.derniere_ligne, int(ligne))
        colonne = 0
        for lettre in lettres:
            colonne = colonne * 26 + lettre - 64
        trouvee.derniere_colonne = max(trouvee.derniere_colonne, colonne)
    for attributs, vide in _LIGNE.findall(texte):
        numero = _NUMERO.search(attributs)
        if not vide and numero and _MASQUEE.search(attributs):
            trouvee.lignes_masquees.append(int(numero[1]))


def _partie_de_la_feuille(archive: zipfile.ZipFile, feuille: str) -> str | None:
    """Le chemin de la partie XML de `feuille` (xl/workbook.xml et ses relations)."""
    try:
        classeur = etree.fromstring(archive.read("xl/workbook.xml"), _PARSEUR)
        relations = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), _PARSEUR)
    except (KeyError, etree.XMLSyntaxError):
        return None
    identifiant = next(
        (f.get(_REL) for f in classeur.iter("{*}sheet") if f.get("name") == feuille), None
    )
    cible = next(
        (r.get("Target") for r in relations.iter("{*}Relationship") if r.get("Id") == identifiant),
        None,
    )
    if cible is None:
        return None
    partie = cible.lstrip("/") if cible.startswith("/") else posixpath.join("xl", cible)
    partie = posixpath.normpath(partie)
    return partie if partie in archive.namelist() else None
