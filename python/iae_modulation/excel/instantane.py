"""La copie de la feuille « Données SIAE » que lit un calcul : un classeur .xlsx d'une feuille.

Deux façons de l'écrire, pour les deux jumeaux de `classeur.Classeur` :
- depuis les valeurs (classeur ouvert dans Excel) : nombres en nombres, textes en chaînes en ligne
  (ECMA-376, partie 1, § 18.3.1.4), écrits d'un bloc ;
- depuis le XML de la feuille (classeur sur disque, `fichier.ClasseurFichier.copier_feuille`),
  recopié avec les styles et les textes partagés du classeur, sans ce qui renvoie au reste du
  classeur (tableau, commentaires, validations, dessins) : rien n'est converti, lignes masquées
  comprises.
Dans les deux cas `lecture.lire_table` y relit exactement les valeurs de la feuille.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from iae_modulation.etendue_xlsx import colonne_en_lettres
from iae_modulation.excel import paquet
from iae_modulation.excel.classeur import valeur_excel
from iae_modulation.excel.fichier import M, R, cellule_xml, echapper

_ENTETE = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument"
_STYLES_MINIMAUX = (
    f'<styleSheet xmlns="{M}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
    "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0" xfId="0"/></cellXfs></styleSheet>'
).encode()
# partie facultative du classeur d'origine : (nom dans la copie, type de relation, type de contenu)
_ANNEXES = {
    "textes": ("sharedStrings.xml", "sharedStrings", "spreadsheetml.sharedStrings+xml"),
    "theme": ("theme/theme1.xml", "theme", "theme+xml"),
}


def ecrire_classeur_d_une_feuille(
    chemin: Path,
    nom_feuille: str,
    feuille: bytes,
    styles: bytes = _STYLES_MINIMAUX,
    annexes: dict[str, bytes] | None = None,
) -> Path:
    """Le classeur .xlsx dont la seule feuille, `nom_feuille`, a le XML `feuille` ; `annexes` :
    textes partagés et thème du classeur d'origine, que la feuille et `styles` utilisent."""
    annexes = {nom: partie for nom, partie in (annexes or {}).items() if partie is not None}
    relations = [
        (f"{R}/worksheet", "worksheets/sheet1.xml"),
        (f"{R}/styles", "styles.xml"),
        *((f"{R}/{_ANNEXES[nom][1]}", _ANNEXES[nom][0]) for nom in annexes),
    ]
    substitutions = [
        ("/xl/workbook.xml", f"{_TYPES}.spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{_TYPES}.spreadsheetml.worksheet+xml"),
        ("/xl/styles.xml", f"{_TYPES}.spreadsheetml.styles+xml"),
        *((f"/xl/{_ANNEXES[nom][0]}", f"{_TYPES}.{_ANNEXES[nom][2]}") for nom in annexes),
    ]
    parties = {
        paquet.TYPES: (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in substitutions)
            + "</Types>"
        ),
        paquet.RELATIONS: (
            f'<Relationships xmlns="{_RELATIONS}"><Relationship Id="rId1" '
            f'Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{M}" xmlns:r="{R}"><sheets><sheet name="{echapper(nom_feuille)}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELATIONS}">'
            + "".join(
                f'<Relationship Id="rId{rang}" Type="{type_}" Target="{cible}"/>'
                for rang, (type_, cible) in enumerate(relations, start=1)
            )
            + "</Relationships>"
        ),
    }
    octets = {nom: _ENTETE + xml.encode("utf-8") for nom, xml in parties.items()}
    octets |= {"xl/worksheets/sheet1.xml": feuille, "xl/styles.xml": styles}
    octets |= {f"xl/{_ANNEXES[nom][0]}": partie for nom, partie in annexes.items()}
    chemin.write_bytes(paquet.ecrire_archive(octets, niveau=1))
    return chemin


def ecrire_instantane(chemin: Path, nom_feuille: str, cellules: Sequence[Sequence[object]]) -> Path:
    """Écrit `cellules` (valeurs d'une feuille depuis A1) dans la feuille `nom_feuille`."""
    lettres = [colonne_en_lettres(c) for c in range(1, max(map(len, cellules), default=0) + 1)]
    lignes = []
    for numero, valeurs in enumerate(cellules, start=1):
        contenu = "".join(
            cellule_xml(f"{lettres[position]}{numero}", valeur_excel(valeur), None)
            for position, valeur in enumerate(valeurs)
            if valeur is not None
        )
        lignes.append(f'<row r="{numero}">{contenu}</row>')
    feuille = f'<worksheet xmlns="{M}"><sheetData>{"".join(lignes)}</sheetData></worksheet>'
    return ecrire_classeur_d_une_feuille(chemin, nom_feuille, _ENTETE + feuille.encode("utf-8"))
