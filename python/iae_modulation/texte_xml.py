"""Texte écrit dans un .docx ou un .xlsx : sans les caractères que XML 1.0 interdit.

Un U+FFFE dans une raison sociale, un caractère de contrôle collé depuis un autre logiciel ou une
moitié de paire UTF-16 rendent le document illisible par Word ou Excel (« contenu illisible »).
Tous les écrivains passent par `texte_xml` : le publipostage Word (`publipostage.echapper`), les
classeurs XlsxWriter (`ClasseurXlsx`), les classeurs écrits d'un bloc (`ecriture_xlsx`) et les
cellules du classeur .xlsm, ouvert dans Excel ou réécrit sur disque (`excel.valeurs.valeur_excel`).
openpyxl n'écrit rien pour l'outil : il ne sert qu'aux tests, pour relire ce qu'il a écrit.
"""

from __future__ import annotations

import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

# XML 1.0, production Char : #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_INTERDITS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def texte_xml(texte: str) -> str:
    """Le texte sans les caractères interdits par XML 1.0 (contrôles C0, U+FFFE, U+FFFF,
    moitiés de paires UTF-16 isolées) ; le reste est inchangé. Un texte « imprimable » n'en
    contient aucun : il est rendu sans passer par l'expression (une par cellule écrite)."""
    return texte if texte.isprintable() else _INTERDITS.sub("", texte)


class FeuilleXlsx(Worksheet):
    """Feuille XlsxWriter dont chaque texte passe par `texte_xml`."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, texte_xml(string), cell_format)


# Options de tous les classeurs de l'outil : un texte qui commence par « = » reste un texte
# (jamais une formule ni un lien), écriture en mémoire, police Arial 10 (celle des lettres ;
# Liberation Sans, de mêmes chasses, l'imprime à l'identique sans Arial).
OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "in_memory": True,
    "default_format_properties": {"font_name": "Arial", "font_size": 10},
    "default_row_height": 17,
}


class ClasseurXlsx(xlsxwriter.Workbook):
    """`xlsxwriter.Workbook` dont toutes les feuilles sont des `FeuilleXlsx` (XlsxWriter est
    épinglé : `_write_string` est le passage de tout texte, `write`, `write_row` compris), avec
    les `OPTIONS` de l'outil."""

    worksheet_class = FeuilleXlsx

    def __init__(self, chemin, options: dict | None = None) -> None:
        super().__init__(chemin, {**OPTIONS, **(options or {})})
