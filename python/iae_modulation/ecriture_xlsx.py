"""Écriture directe d'un classeur .xlsx : le XML de chaque feuille écrit d'un bloc (ECMA-376,
partie 1), sans passer cellule par cellule par une bibliothèque.

Pour les grandes tables de l'outil : la table préparée `donnees.xlsx` et le rapport
`preparation.xlsx` de `preparer`, la copie de la feuille « Données SIAE » que lit un calcul
(`excel.instantane`). Les textes sont des chaînes en ligne (§ 18.3.1.4), jamais prises pour des
formules ; les nombres, des nombres. Les styles sont déclarés par `Style` (§ 18.8) ; largeurs de
colonnes, lignes figées, filtre et mise en page (`mise_en_page.Impression`) s'écrivent comme
XlsxWriter les écrit, pour qu'Excel et LibreOffice les montrent à l'identique.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import cast

from iae_modulation.etendue_xlsx import colonne_en_lettres
from iae_modulation.excel import paquet
from iae_modulation.mise_en_page import PAPIER_A4, Impression
from iae_modulation.texte_xml import texte_xml

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Formats intégrés d'Excel (§ 18.8.30) : pas de numFmt à déclarer.
FORMATS_INTEGRES = {"0": 1, "0.00": 2, "#,##0.00": 4, "0.00%": 10, "@": 49}
TEXTE_MAX = 32_767  # caractères d'une cellule, au plus (Excel refuse le classeur au-delà)
_ENTETE = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument"
# Partie facultative d'un classeur recopié : (nom dans la copie, type de relation, de contenu).
_ANNEXES = {
    "textes": ("sharedStrings.xml", "sharedStrings", "spreadsheetml.sharedStrings+xml"),
    "theme": ("theme/theme1.xml", "theme", "theme+xml"),
}
# Échappement des chaînes d'Excel (§ 22.9.2.19, ST_Xstring) : « _x0007_ » est le caractère
# U+0007 ; un texte qui contient lui-même « _x0041_ » s'écrit « _x005F_x0041_ ». Les caractères
# de contrôle (retour chariot compris, qu'un lecteur XML changerait en saut de ligne) s'écrivent
# ainsi, comme le fait XlsxWriter ; Excel et calamine les relisent tels qu'ils étaient.
_A_ECHAPPER = re.compile("_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f]")
# XlsxWriter : chiffre de 7 pixels et marge de 5 pixels pour la police par défaut (Calibri 11
# ou Arial 10) ; une largeur est enregistrée en pixels entiers.
_PIXELS_CHIFFRE, _PIXELS_MARGE = 7, 5


def echapper(texte: str) -> str:
    """Un texte pour le contenu ou un attribut (entre guillemets doubles) d'un élément XML."""
    return (
        texte.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _echapper_caractere(trouve: re.Match) -> str:
    return f"_x{ord(trouve[0]):04X}_"


def cellule_xml(reference: str, valeur: object, style: int | None) -> str:
    """Le XML d'une cellule. Un texte y est tel quel : caractères de contrôle et « _xHHHH_ »
    échappés (ST_Xstring), les caractères que XML 1.0 interdit retirés (`texte_xml`) ; une date
    devient le texte JJ/MM/AAAA, comme `lecture` la lit ; un Decimal s'écrit exactement."""
    attributs = f' r="{reference}" s="{style}"' if style else f' r="{reference}"'
    genre = type(valeur)
    if genre is str:
        return _texte(attributs, cast(str, valeur))
    if genre is Decimal:  # son texte exact (« 19 », « 8.15 ») : le lecteur l'arrondit une fois
        fini = cast(Decimal, valeur).is_finite()
        return f"<c{attributs}><v>{valeur}</v></c>" if fini else f"<c{attributs}/>"
    if genre is float or genre is int:
        if genre is float and not math.isfinite(cast(float, valeur)):
            return f"<c{attributs}/>"
        return f"<c{attributs}><v>{valeur!r}</v></c>"
    if valeur is None:
        return f"<c{attributs}/>"
    if genre is bool:
        return f'<c{attributs} t="b"><v>{int(cast(bool, valeur))}</v></c>'
    texte = valeur.strftime("%d/%m/%Y") if isinstance(valeur, dt.date) else str(valeur)
    return _texte(attributs, texte)


def _texte(attributs: str, texte: str) -> str:
    if not texte.isprintable() or "_x" in texte:
        texte = texte_xml(_A_ECHAPPER.sub(_echapper_caractere, texte))
    if "&" in texte or "<" in texte or ">" in texte or '"' in texte:
        texte = echapper(texte)
    return f'<c{attributs} t="inlineStr"><is><t xml:space="preserve">{texte}</t></is></c>'


@dataclass(frozen=True)
class Style:
    """Un style de cellule : police grasse, couleur de fond (« DDEBF7 »), filet fin tout autour,
    texte renvoyé à la ligne, aligné en haut, format de nombre (« @ » : texte)."""

    gras: bool = False
    fond: str = ""
    bordure: bool = False
    renvoi: bool = False
    haut: bool = False
    format: str = ""


@dataclass(frozen=True)
class Police:
    """La police par défaut du classeur et la hauteur des lignes (points) qui va avec."""

    nom: str = "Calibri"
    taille: int = 11
    hauteur_ligne: float = 15


def styles_xml(styles: Sequence[Style], police: Police) -> bytes:
    """La feuille de styles : le style 0 par défaut, puis `styles` (le style i + 1 est
    `styles[i]`)."""
    polices = [False, True] if any(s.gras for s in styles) else [False]  # normale, grasse
    fonds = ["", *dict.fromkeys(s.fond for s in styles if s.fond)]
    formats = [s.format for s in styles if s.format and s.format not in FORMATS_INTEGRES]
    numeros = {code: 164 + rang for rang, code in enumerate(dict.fromkeys(formats))}
    numeros |= FORMATS_INTEGRES

    def police_xml(gras: bool) -> str:
        return (
            f'<font>{"<b/>" if gras else ""}<sz val="{police.taille}"/>'
            f'<name val="{echapper(police.nom)}"/><family val="2"/></font>'
        )

    def fond_xml(couleur: str) -> str:
        if not couleur:
            return '<fill><patternFill patternType="none"/></fill>'
        return (
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{couleur}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
        )

    filet = "".join(
        f'<{cote} style="thin"><color auto="1"/></{cote}>'
        for cote in ("left", "right", "top", "bottom")
    )

    def xf(style: Style) -> str:
        attributs = {
            "numFmtId": numeros[style.format] if style.format else 0,
            "fontId": polices.index(style.gras),
            # le 2 e fond est le motif gray125 qu'Excel réserve
            "fillId": fonds.index(style.fond) + 1 if style.fond else 0,
            "borderId": int(style.bordure),
            "xfId": 0,
        }
        applique = {
            "applyNumberFormat": bool(style.format),
            "applyFont": style.gras,
            "applyFill": bool(style.fond),
            "applyBorder": style.bordure,
            "applyAlignment": style.renvoi or style.haut,
        }
        texte = "".join(f' {nom}="{valeur}"' for nom, valeur in attributs.items())
        texte += "".join(f' {nom}="1"' for nom, oui in applique.items() if oui)
        if not (style.renvoi or style.haut):
            return f"<xf{texte}/>"
        alignement = ' vertical="top"' if style.haut else ""
        alignement += ' wrapText="1"' if style.renvoi else ""
        return f"<xf{texte}><alignment{alignement}/></xf>"

    declares = "".join(f'<numFmt numFmtId="{n}" formatCode="{echapper(c)}"/>' for c, n in
                       numeros.items() if c not in FORMATS_INTEGRES)  # fmt: skip
    xml = (
        f'<styleSheet xmlns="{M}">'
        + (f'<numFmts count="{len(numeros) - len(FORMATS_INTEGRES)}">{declares}</numFmts>'
           if declares else "")
        + f'<fonts count="{len(polices)}">{"".join(map(police_xml, polices))}</fonts>'
        + f'<fills count="{len(fonds) + 1}">{fond_xml("")}'
        '<fill><patternFill patternType="gray125"/></fill>'
        + "".join(fond_xml(c) for c in fonds[1:])
        + "</fills>"
        f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
        f"<border>{filet}<diagonal/></border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(styles) + 1}">'
        + "".join(xf(s) for s in (Style(), *styles))
        + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    )  # fmt: skip
    return _ENTETE + xml.encode("utf-8")


@dataclass
class Feuille:
    """Une feuille à écrire : ses lignes depuis A1 (`ajouter`), la largeur (en chiffres, comme
    XlsxWriter) et le style (indice dans les styles du classeur, 0 : aucun) de ses colonnes,
    les `lignes_figees` en haut, un filtre sur tout le tableau, sa mise en page."""

    nom: str
    largeurs: Sequence[float] = ()
    styles_colonnes: Sequence[int] = ()
    lignes_figees: int = 0
    filtre: bool = False
    impression: Impression | None = None
    lignes: list[str] = field(default_factory=list)
    colonnes: int = 0
    _lettres: list[str] = field(default_factory=list)

    def ajouter(self, cellules: Sequence[tuple[object, int]], hauteur: float | None = None) -> None:
        """Ajoute une ligne : (valeur, style) de chaque cellule depuis la colonne A ; None et
        « » laissent la cellule vide ; un texte est coupé à `TEXTE_MAX` caractères, comme
        XlsxWriter le coupe (Excel refuserait le classeur). `hauteur` (points) : celle d'une
        ligne dont un texte est renvoyé à la ligne (sans elle, la ligne garde la hauteur par
        défaut et ses lignes de texte chevauchent la suivante à l'impression)."""
        numero = len(self.lignes) + 1
        if len(cellules) > self.colonnes:
            self.colonnes = len(cellules)
            self._lettres += [
                colonne_en_lettres(j) for j in range(len(self._lettres) + 1, self.colonnes + 1)
            ]
        lettres, suffixe = self._lettres, str(numero)
        hauteur_xml = f' ht="{_hauteur_enregistree(hauteur):g}" customHeight="1"' if hauteur else ""
        morceaux = [f'<row r="{numero}"{hauteur_xml}>']
        for j, (valeur, style) in enumerate(cellules):
            if type(valeur) is str:
                if not valeur:
                    continue
                if len(valeur) > TEXTE_MAX:
                    valeur = valeur[:TEXTE_MAX]
            elif valeur is None:
                continue
            morceaux.append(cellule_xml(lettres[j] + suffixe, valeur, style))
        morceaux.append("</row>")
        self.lignes.append("".join(morceaux))

    def _derniere(self) -> str:
        return f"{colonne_en_lettres(max(self.colonnes, 1))}{max(len(self.lignes), 1)}"

    def xml(self, police: Police, active: bool) -> bytes:
        """Le XML de la feuille (§ 18.3.1.99 : l'ordre de ses éléments est imposé)."""
        impression = self.impression
        parties = [f'<worksheet xmlns="{M}" xmlns:r="{R}">']
        if impression is not None:
            parties.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        parties.append(f'<dimension ref="A1:{self._derniere()}"/>')
        vue = ' tabSelected="1"' if active else ""
        if self.lignes_figees:
            parties.append(
                f'<sheetViews><sheetView{vue} workbookViewId="0"><pane '
                f'ySplit="{self.lignes_figees}" topLeftCell="A{self.lignes_figees + 1}" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
                "</sheetView></sheetViews>"
            )
        else:
            parties.append(f'<sheetViews><sheetView{vue} workbookViewId="0"/></sheetViews>')
        parties.append(f'<sheetFormatPr defaultRowHeight="{police.hauteur_ligne:g}"/>')
        if self.largeurs:
            parties.append(f"<cols>{''.join(self._colonnes_xml())}</cols>")
        parties += ["<sheetData>", *self.lignes, "</sheetData>"]
        if self.filtre:
            parties.append(f'<autoFilter ref="A1:{self._derniere()}"/>')
        if impression is not None:
            parties.append(_impression_xml(impression))
        parties.append("</worksheet>")
        return _ENTETE + "".join(parties).encode("utf-8")

    def _colonnes_xml(self) -> list[str]:
        """Les colonnes, largeur en pixels entiers comme XlsxWriter ; les colonnes voisines de
        même largeur et même style partagent un élément <col>."""
        styles = self.styles_colonnes
        decrites = [
            (_largeur_enregistree(largeur), styles[j] if j < len(styles) else 0)
            for j, largeur in enumerate(self.largeurs)
        ]
        colonnes, debut = [], 0
        for j, description in enumerate(decrites, start=1):
            if j < len(decrites) and decrites[j] == description:
                continue
            largeur, style = description
            attribut_style = f' style="{style}"' if style else ""
            colonnes.append(
                f'<col min="{debut + 1}" max="{j}" width="{largeur:.16g}"{attribut_style} '
                'customWidth="1"/>'
            )
            debut = j
        return colonnes

    def noms_definis(self, rang: int) -> list[str]:
        """Filtre, zone d'impression et lignes répétées à l'impression (noms réservés
        d'Excel, § 18.2.6)."""
        nom = "'" + self.nom.replace("'", "''") + "'"
        noms = []
        if self.filtre:
            derniere = f"${colonne_en_lettres(max(self.colonnes, 1))}${max(len(self.lignes), 1)}"
            noms.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{rang}" '
                f'hidden="1">{echapper(nom)}!$A$1:{derniere}</definedName>'
            )
        impression = self.impression
        if impression is not None and impression.derniere_colonne is not None:
            derniere = colonne_en_lettres(impression.derniere_colonne + 1)
            noms.append(
                f'<definedName name="_xlnm.Print_Area" localSheetId="{rang}">{echapper(nom)}'
                f"!$A$1:${derniere}${max(len(self.lignes), 1)}</definedName>"
            )
        if impression is not None and impression.lignes_repetees is not None:
            haut, bas = (n + 1 for n in impression.lignes_repetees)
            noms.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{rang}">'
                f"{echapper(nom)}!${haut}:${bas}</definedName>"
            )
        return noms


def _largeur_enregistree(largeur: float) -> float:
    """La largeur (en chiffres) telle qu'Excel l'enregistre : un nombre entier de pixels."""
    if largeur < 1:
        pixels = int(largeur * (_PIXELS_CHIFFRE + _PIXELS_MARGE) + 0.5)
    else:
        pixels = int(largeur * _PIXELS_CHIFFRE + 0.5) + _PIXELS_MARGE
    return (pixels * 256 // _PIXELS_CHIFFRE) / 256


def _hauteur_enregistree(hauteur: float) -> float:
    """La hauteur (points) d'une ligne telle qu'Excel et XlsxWriter l'enregistrent : un nombre
    entier de pixels (0,75 point le pixel)."""
    return int(hauteur / 0.75 + 0.5) * 0.75


def _impression_xml(impression: Impression) -> str:
    """Marges, papier, orientation, une page de large, en-tête et pied de page (§ 18.3.1.62,
    18.3.1.63, 18.3.1.46)."""
    marges = "".join(f' {cote}="{valeur}"' for cote, valeur in impression.marges.items())
    orientation = "landscape" if impression.paysage else "portrait"
    entete = f"<oddHeader>{echapper(impression.entete)}</oddHeader>" if impression.entete else ""
    return (
        f'<pageMargins{marges} header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="{PAPIER_A4}" fitToHeight="0" orientation="{orientation}"/>'
        f"<headerFooter>{entete}<oddFooter>{echapper(impression.pied)}</oddFooter>"
        "</headerFooter>"
    )


def ecrire_classeur(
    chemin: Path, feuilles: Sequence[Feuille], styles: Sequence[Style] = (), police=Police()
) -> Path:
    """Le classeur .xlsx de `feuilles`, dans l'ordre des onglets, la première active."""
    noms_definis = [nom for rang, f in enumerate(feuilles) for nom in f.noms_definis(rang)]
    return ecrire_paquet(
        chemin,
        [(f.nom, f.xml(police, active=rang == 0)) for rang, f in enumerate(feuilles)],
        styles_xml(styles, police),
        noms_definis=noms_definis,
    )


def ecrire_paquet(
    chemin: Path,
    feuilles: Sequence[tuple[str, bytes]],
    styles: bytes,
    annexes: dict[str, bytes | None] | None = None,
    noms_definis: Sequence[str] = (),
) -> Path:
    """Le paquet .xlsx (archive OPC) des feuilles (nom, XML) ; `annexes` : textes partagés et
    thème d'un classeur d'origine, que ses feuilles recopiées et `styles` utilisent."""
    annexes = {nom: partie for nom, partie in (annexes or {}).items() if partie is not None}
    relations = [
        *((f"{R}/worksheet", f"worksheets/sheet{rang}.xml") for rang in _rangs(feuilles)),
        (f"{R}/styles", "styles.xml"),
        *((f"{R}/{_ANNEXES[nom][1]}", _ANNEXES[nom][0]) for nom in annexes),
    ]
    substitutions = [
        ("/xl/workbook.xml", f"{_TYPES}.spreadsheetml.sheet.main+xml"),
        *(
            (f"/xl/worksheets/sheet{rang}.xml", f"{_TYPES}.spreadsheetml.worksheet+xml")
            for rang in _rangs(feuilles)
        ),
        ("/xl/styles.xml", f"{_TYPES}.spreadsheetml.styles+xml"),
        *((f"/xl/{_ANNEXES[nom][0]}", f"{_TYPES}.{_ANNEXES[nom][2]}") for nom in annexes),
    ]
    onglets = "".join(
        f'<sheet name="{echapper(nom)}" sheetId="{rang}" r:id="rId{rang}"/>'
        for rang, (nom, _) in zip(_rangs(feuilles), feuilles, strict=True)
    )
    definis = f"<definedNames>{''.join(noms_definis)}</definedNames>" if noms_definis else ""
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
            f'<workbook xmlns="{M}" xmlns:r="{R}"><sheets>{onglets}</sheets>{definis}</workbook>'
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
    octets |= {
        f"xl/worksheets/sheet{rang}.xml": xml
        for rang, (_, xml) in zip(_rangs(feuilles), feuilles, strict=True)
    }
    octets["xl/styles.xml"] = styles
    octets |= {
        f"xl/{_ANNEXES[nom][0]}": partie for nom, partie in annexes.items() if partie is not None
    }
    chemin.write_bytes(paquet.ecrire_archive(octets, niveau=1))
    return chemin


def _rangs(feuilles: Sequence) -> range:
    return range(1, len(feuilles) + 1)
