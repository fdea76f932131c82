"""Le paquet .xlsm (archive zip OPC) : ruban, type de contenu macro, écriture reproductible.

Ruban Office 2010+ : partie `customUI/customUI14.xml` (espace de noms customUI 2009/07) reliée
depuis `_rels/.rels` par une relation « ui/extensibility » ; aucun type de contenu particulier
(extension `xml` par défaut). Un enregistrement par openpyxl garde la partie mais perd la
relation : le ruban disparaît ; `fichier.ClasseurFichier` ne réécrit que les feuilles touchées.
"""

from __future__ import annotations

import io
import re
import zipfile

PARTIE_RUBAN = "customUI/customUI14.xml"
RELATION_RUBAN = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
ESPACE_RUBAN = "http://schemas.microsoft.com/office/2009/07/customui"
PARTIE_VBA = "xl/vbaProject.bin"
TYPE_CLASSEUR_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RELATIONS = "_rels/.rels"
TYPES = "[Content_Types].xml"
DATE_FIXE = (1980, 1, 1, 0, 0, 0)
IDENTIFIANT_RELATION_RUBAN = "rIdIaeRuban"


def lire_parties(contenu: bytes) -> dict[str, bytes]:
    """Les parties de l'archive, dans leur ordre."""
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        return {nom: archive.read(nom) for nom in archive.namelist()}


def ecrire_archive(parties: dict[str, bytes], niveau: int = 6) -> bytes:
    """Archive reproductible : ordre donné, date et attributs fixes, compression constante
    (`niveau` 1 : trois fois plus rapide, pour un classeur réenregistré à chaque clic)."""
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        for nom, donnees in parties.items():
            entree = zipfile.ZipInfo(nom, date_time=DATE_FIXE)
            entree.compress_type = zipfile.ZIP_DEFLATED
            entree.create_system = 0
            entree.external_attr = 0
            archive.writestr(entree, donnees, compresslevel=niveau)
    return tampon.getvalue()


def ajouter_ruban(parties: dict[str, bytes], ruban: bytes) -> dict[str, bytes]:
    """Ajoute (ou remplace) la partie du ruban et sa relation depuis la racine du paquet."""
    parties = {nom: donnees for nom, donnees in parties.items() if nom != PARTIE_RUBAN}
    parties[RELATIONS] = _avec_relation_ruban(parties[RELATIONS])
    parties[PARTIE_RUBAN] = ruban
    return parties


def _avec_relation_ruban(relations: bytes) -> bytes:
    texte = relations.decode("utf-8")
    if RELATION_RUBAN in texte:
        return relations
    relation = (
        f'<Relationship Id="{IDENTIFIANT_RELATION_RUBAN}" Type="{RELATION_RUBAN}" '
        f'Target="{PARTIE_RUBAN}"/>'
    )
    return texte.replace("</Relationships>", relation + "</Relationships>").encode("utf-8")


def problemes(contenu: bytes) -> list[str]:
    """Ce qui manque pour que le classeur garde macros et ruban (liste vide si tout va bien)."""
    parties = lire_parties(contenu)
    constats = []
    if PARTIE_VBA not in parties:
        constats.append("le projet VBA (xl/vbaProject.bin) est absent")
    if TYPE_CLASSEUR_MACRO not in parties.get(TYPES, b"").decode("utf-8"):
        constats.append("le classeur n'est pas déclaré « avec macros » dans [Content_Types].xml")
    if PARTIE_RUBAN not in parties:
        constats.append(f"le ruban ({PARTIE_RUBAN}) est absent")
    relations = [
        dict(re.findall(r'(\w+)="([^"]*)"', element))
        for element in re.findall(r"<Relationship\b[^>]*>", parties.get(RELATIONS, b"").decode())
    ]
    cibles = [r.get("Target", "").lstrip("/") for r in relations if r.get("Type") == RELATION_RUBAN]
    if cibles != [PARTIE_RUBAN]:
        constats.append("la relation du ruban manque dans _rels/.rels")
    return constats
