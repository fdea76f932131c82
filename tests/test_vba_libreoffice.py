"""Chaque module VBA du classeur compilé par le Basic de LibreOffice (mode VBA), `#If` résolus
comme Excel 64 bits sous Windows : une faute de syntaxe dans un module (le nôtre, un module
généré, celui d'xlwings) est trouvée sans Excel.

LibreOffice ne compile pas un module Windows à l'identique d'Excel (il ne résout pas les appels
ni les types de la bibliothèque Excel avant l'exécution) : c'est une vérification de syntaxe, et
un témoin volontairement faux prouve qu'elle en détecte une."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from iae_modulation.excel import projet_vba
from vba_windows64 import resoudre

OUTIL = Path(__file__).parent / "outils" / "compiler_basic.py"
# LibreOffice n'accepte dans une Enum que des littéraux, là où VBA accepte ses constantes (classe
# Dictionary d'xlwings) : elles sont remplacées par leur valeur, ce qui ne change pas le sens.
CONSTANTES_VBA = {
    "VBA.vbBinaryCompare": "0",
    "VBA.vbTextCompare": "1",
    "VBA.vbDatabaseCompare": "2",
}
TEMOIN = (
    "Sub Temoin()\r\n    If 1 = 1 Then\r\n        MsgBox 1\r\nEnd Sub\r\n"  # « End If » manquant
)


def python_uno() -> str | None:
    """Un Python qui a le module `uno` de LibreOffice (python3-uno)."""
    for candidat in (sys.executable, "/usr/bin/python3", shutil.which("python3")):
        if (
            candidat
            and subprocess.run([candidat, "-c", "import uno"], capture_output=True).returncode == 0
        ):
            return candidat
    return None


def pour_libreoffice(source: str) -> str:
    for constante, valeur in CONSTANTES_VBA.items():
        source = source.replace(constante, valeur)
    return resoudre(sans_entete(source))


def sans_entete(source: str) -> str:
    """La source sans l'en-tête d'export d'une classe (VERSION … END) ni les lignes Attribute,
    remplacés par des lignes vides pour garder les numéros de ligne."""
    lignes = source.split("\r\n")
    if lignes and lignes[0].startswith("VERSION "):
        fin = lignes.index("END") + 1
        lignes = [""] * fin + lignes[fin:]
    return "\r\n".join("" if ligne.startswith("Attribute ") else ligne for ligne in lignes)


@pytest.mark.libreoffice
def test_chaque_module_vba_compile_dans_libreoffice(tmp_path):
    python = python_uno()
    if python is None:
        pytest.skip(
            "python3-uno absent (module uno de LibreOffice, pour compiler le VBA) : "
            "apt-get install python3-uno ; la CI l'installe"
        )
    modules = {
        m.nom: {"source": pour_libreoffice(m.source), "classe": m.classe}
        for m in projet_vba.modules_vba()
    }
    modules["ThisWorkbook"] = {
        "source": pour_libreoffice(projet_vba.corps_du_classeur()),
        "classe": False,
    }
    modules["Temoin"] = {"source": TEMOIN, "classe": False}
    entree = tmp_path / "modules.json"
    entree.write_text(json.dumps(modules), "utf-8")
    sortie = subprocess.run(
        [python, str(OUTIL), str(entree)], capture_output=True, text=True, timeout=300, check=True
    )
    resultats = json.loads(sortie.stdout.strip().splitlines()[-1])
    assert resultats.pop("Temoin").startswith("non compilé")
    assert set(resultats) == {
        "xlwings", "Dictionary", "xlwings_udfs", "IAE_Fonctions", "IAE_DiagnosticPoste",
        "IAE_Ruban", "ThisWorkbook",
    }  # fmt: skip
    assert resultats == dict.fromkeys(resultats, "compilé")


def test_if_resolus_comme_excel_64_bits():
    source = "\r\n".join(
        [
            "#If VBA7 Then",
            "    #If Win64 Then",
            '        Declare PtrSafe Function F Lib "a64.dll" () As LongPtr',
            "    #Else",
            '        Declare PtrSafe Function F Lib "a32.dll" () As Long',
            "    #End If",
            "#ElseIf Mac Then",
            "    mac",
            "#Else",
            "    vba6",
            "#End If",
            '#Const App = "Microsoft Excel"',
            '#If App = "Microsoft Word" Then',
            "    word",
            '#ElseIf Not Mac And App = "Microsoft Excel" Then',
            "    excel",
            "#End If",
        ]
    )
    lignes = [ligne.strip() for ligne in resoudre(source).split("\r\n")]
    assert [ligne for ligne in lignes if ligne] == [
        'Declare PtrSafe Function F Lib "a64.dll" () As LongPtr',
        "excel",
    ]
    assert len(lignes) == len(source.split("\r\n"))
