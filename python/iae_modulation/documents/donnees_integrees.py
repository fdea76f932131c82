"""Données intégrées à un document Word : les montants d'un acte, lisibles par une machine.

Une décision de paiement (annexe 5) ou une lettre de notification (annexe 4) porte, en plus de son
texte, les montants qu'elle dit, dans une partie XML personnalisée du paquet .docx (ECMA-376,
partie 1, 22.5 « Custom XML Data Storage » ; partie 2, relation `customXml`). Word et LibreOffice
conservent cette partie quand l'agent retouche le texte et réenregistre le document : le
rapprochement lit les montants là, jamais dans la formulation, que l'agent peut changer.

Le contenu est un objet JSON (textes, nombres en chaînes décimales) dans l'élément
`<donnees xmlns="urn:iae-modulation:donnees:1">`.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

ESPACE = "urn:iae-modulation:donnees:1"
PARTIE = "customXml/item_iae.xml"
PROPRIETES = "customXml/itemProps_iae.xml"
RELATIONS_PARTIE = "customXml/_rels/item_iae.xml.rels"
IDENTIFIANT_RELATION = "rIdIaeDonnees"
# GUID fixe : il nomme le magasin de données de l'outil, le même dans chaque document
GUID = "{6A1F0C2E-5B7D-4C3A-9E21-1A4D2B3C0E57}"
_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_CUSTOM_XML_PROPS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
)
_TYPE_PROPRIETES = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
PARTIES_OUTIL = frozenset({PARTIE, PROPRIETES, RELATIONS_PARTIE})
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_DONNEES = re.compile(rb"customXml/[^/]+\.xml")


def _json(valeur: object) -> object:
    if isinstance(valeur, Decimal):
        return str(valeur)
    raise TypeError(f"valeur non sérialisable : {valeur!r}")


def parties_donnees(donnees: Mapping[str, object]) -> dict[str, bytes]:
    """Les trois parties à ajouter au paquet (nom -> octets) pour intégrer `donnees`."""
    texte = json.dumps(donnees, ensure_ascii=False, sort_keys=True, default=_json)
    item = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<donnees xmlns="{ESPACE}">{escape(texte)}</donnees>'
    )
    proprietes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<ds:datastoreItem ds:itemID="{GUID}" xmlns:ds="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/customXml"><ds:schemaRefs><ds:schemaRef ds:uri="{ESPACE}"/>'
        "</ds:schemaRefs></ds:datastoreItem>"
    )
    relations = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_CUSTOM_XML_PROPS}" Target="itemProps_iae.xml"/>'
        "</Relationships>"
    )
    return {
        PARTIE: item.encode("utf-8"),
        PROPRIETES: proprietes.encode("utf-8"),
        RELATIONS_PARTIE: relations.encode("utf-8"),
    }


def relation_document() -> bytes:
    """La relation à ajouter dans `word/_rels/document.xml.rels`."""
    return (
        f'<Relationship Id="{IDENTIFIANT_RELATION}" Type="{_CUSTOM_XML}" Target="../{PARTIE}"/>'
    ).encode()


def type_proprietes() -> bytes:
    """La déclaration de type à ajouter dans `[Content_Types].xml`."""
    return f'<Override PartName="/{PROPRIETES}" ContentType="{_TYPE_PROPRIETES}"/>'.encode()


def sans_relation_donnees(relations: bytes) -> bytes:
    """Les relations d'un modèle sans celle des données d'un document déjà produit."""
    return re.sub(
        rb'<Relationship [^>]*Id="' + IDENTIFIANT_RELATION.encode() + rb'"[^>]*/>', b"", relations
    )


def sans_type_proprietes(types: bytes) -> bytes:
    """Les types d'un modèle sans la déclaration des propriétés de données de l'outil."""
    return types.replace(type_proprietes(), b"")


def lire_donnees(chemin: Path) -> dict | None:
    """Les données intégrées à un .docx, ou None s'il n'en porte pas (document d'une autre
    origine, ou partie retirée). Word peut renommer la partie en réenregistrant : elle est
    retrouvée par son espace de noms, pas par son nom."""
    with zipfile.ZipFile(chemin) as archive:
        for nom in archive.namelist():
            if not _DONNEES.fullmatch(nom.encode()):
                continue
            contenu = archive.read(nom)
            if ESPACE.encode() not in contenu:
                continue
            racine = etree.fromstring(contenu, _PARSEUR)
            if racine.tag != f"{{{ESPACE}}}donnees":
                continue
            return json.loads(racine.text or "null")
    return None
