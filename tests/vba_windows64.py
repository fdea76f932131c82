"""La compilation conditionnelle d'un module VBA résolue comme la fait Excel 64 bits sous Windows.

Constantes du compilateur VBA 7 sous Windows 64 bits : VBA7, Win64 et Win32 vrais, Mac faux ; une
constante inconnue vaut Empty (0, faux). Les lignes écartées (et les directives) deviennent des
lignes vides : les numéros de ligne restent ceux de la source.
"""

from __future__ import annotations

import re
from collections import defaultdict

CONSTANTES_WIN64 = {"vba7": True, "win64": True, "win32": True, "mac": False}
_SI = re.compile(r"#(If|ElseIf)\s+(.*?)\s+Then\b", re.IGNORECASE)
_SINON = re.compile(r"#Else\s*(?:'.*)?$", re.IGNORECASE)
_FIN = re.compile(r"#End\s*If\b", re.IGNORECASE)
_CONSTANTE = re.compile(r"#Const\s+(\w+)\s*=\s*(\"[^\"]*\"|[\w.]+)", re.IGNORECASE)
_JETON = re.compile(r'"[^"]*"|\d+|[A-Za-z_]\w*|<>|>=|<=|=|<|>|\(|\)')


def evaluer(condition: str, constantes: dict) -> bool:
    """Une condition de #If : littéraux, constantes, Not/And/Or, comparaisons."""
    python = []
    for jeton in _JETON.findall(condition):
        mot = jeton.lower()
        if mot in ("not", "and", "or"):
            python.append(mot)
        elif mot in ("true", "false"):
            python.append(mot.capitalize())
        elif jeton in ("=", "<>"):
            python.append("==" if jeton == "=" else "!=")
        elif jeton[0].isalpha() or jeton[0] == "_":
            python.append(f"c[{mot!r}]")
        else:
            python.append(jeton)
    return bool(eval(" ".join(python), {"__builtins__": {}}, {"c": constantes}))


def resoudre(source: str) -> str:
    constantes = defaultdict(int, CONSTANTES_WIN64)
    pile: list[list[bool]] = []  # par #If ouvert : [branche active, une branche déjà prise]
    lignes = []
    for ligne in source.split("\r\n"):
        texte = ligne.strip()
        parents = all(actif for actif, _ in pile)
        if trouve := _SI.match(texte):
            if trouve[1].lower() == "if":
                vrai = parents and evaluer(trouve[2], constantes)
                pile.append([vrai, vrai])
            else:
                branche = pile[-1]
                dessus = all(actif for actif, _ in pile[:-1])
                branche[0] = dessus and not branche[1] and evaluer(trouve[2], constantes)
                branche[1] = branche[1] or branche[0]
            lignes.append("")
        elif _SINON.match(texte):
            branche = pile[-1]
            branche[0] = all(actif for actif, _ in pile[:-1]) and not branche[1]
            branche[1] = True
            lignes.append("")
        elif _FIN.match(texte):
            pile.pop()
            lignes.append("")
        elif trouve := _CONSTANTE.match(texte):
            if parents:
                valeur = trouve[2]
                constantes[trouve[1].lower()] = (
                    valeur.strip('"') if valeur.startswith('"') else evaluer(valeur, constantes)
                )
            lignes.append("")
        else:
            lignes.append(ligne if parents else "")
    if pile:
        raise ValueError("#If sans #End If")
    return "\r\n".join(lignes)
