"""La copie de la feuille « Données SIAE » que lit un calcul : un classeur .xlsx minimal.

Une seule feuille, nombres en nombres, textes en chaînes en ligne (ECMA-376, partie 1,
§ 18.3.1.4) : `lecture.lire_table` y relit exactement les valeurs de la feuille. Écrit d'un bloc,
sans bibliothèque, parce qu'un clic du ruban attend cette copie.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from iae_modulation.etendue_xlsx import colonne_en_lettres
from iae_modulation.excel import paquet
from iae_modulation.excel.classeur import valeur_excel
from iae_modulation.excel.fichier import M, R, cellule_xml, echapper

_ENTETE = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _parties(nom_feuille: str, feuille: str) -> dict[str, str]:
    return {
        paquet.TYPES: (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.styles+xml"/></Types>'
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
            f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{M}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
            '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
            "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{M}"><sheetData>{feuille}</sheetData></worksheet>'
        ),
    }


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
    parties = _parties(nom_feuille, "".join(lignes))
    chemin.write_bytes(
        paquet.ecrire_archive(
            {nom: (_ENTETE + xml).encode("utf-8") for nom, xml in parties.items()}, niveau=1
        )
    )
    return chemin
