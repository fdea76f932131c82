"""La carte des imports du paquet, étage par étage, écrite dans docs/architecture.md (issue 20).

Les étages et leurs modules sont ceux des tableaux de docs/architecture.md (section « Les modules,
étage par étage ») ; le graphe des imports est celui de tests/test_architecture.py (tiré des
sources par `ast`, imports placés dans les fonctions compris). La carte est écrite entre les deux
marqueurs `DEBUT` et `FIN` ; tests/test_docs_architecture.py échoue si elle n'est plus à jour.

Régénérer (depuis la racine du dépôt) : python tests/outils/carte_imports.py
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

DEPOT = Path(__file__).resolve().parents[2]
if str(DEPOT / "tests") not in sys.path:
    sys.path.insert(0, str(DEPOT / "tests"))

import test_architecture as architecture  # noqa: E402 (le graphe des imports, sans second)

ARCHITECTURE = DEPOT / "docs" / "architecture.md"
COMMANDE = "python tests/outils/carte_imports.py"
DEBUT = f"<!-- carte des imports : début (générée par « {COMMANDE} », ne pas modifier) -->"
FIN = "<!-- carte des imports : fin -->"
SECTION = "## Les modules, étage par étage"
_ETAGE = re.compile(r"^### (\d+)\. (.+)$")
_LIGNE = re.compile(r"^\| `([^`]+\.py)` \|")


def nom_du_module(chemin: str) -> str:
    """« annexe5/montants.py » -> « iae_modulation.annexe5.montants » ; « __init__.py » -> le
    paquet."""
    parties = [architecture.PAQUET, *Path(chemin).with_suffix("").parts]
    if parties[-1] == "__init__":
        parties.pop()
    return ".".join(parties)


def court(module: str) -> str:
    """Le nom sans le préfixe du paquet (le paquet lui-même garde son nom)."""
    return module.removeprefix(architecture.PAQUET + ".")


def modules_documentes(texte: str) -> list[tuple[str, str]]:
    """(étage, chemin du module) de chaque ligne des tableaux de la section `SECTION`, dans
    l'ordre du document ; l'étage est le titre « ### N. Nom » qui précède la ligne."""
    lignes = texte.splitlines()
    debut = lignes.index(SECTION) + 1
    fin = next((i for i in range(debut, len(lignes)) if lignes[i].startswith("## ")), len(lignes))
    etage = ""
    trouves = []
    for ligne in lignes[debut:fin]:
        if titre := _ETAGE.match(ligne):
            etage = titre[2]
        elif cellule := _LIGNE.match(ligne):
            trouves.append((etage, cellule[1]))
    return trouves


def chemins_du_paquet() -> set[str]:
    """Le chemin de chaque module du paquet (« annexe5/montants.py »)."""
    racine = architecture.RACINE
    return {chemin.relative_to(racine).as_posix() for chemin in racine.rglob("*.py")}


def ecarts(documentes: list[tuple[str, str]], chemins: set[str]) -> list[str]:
    """Ce qui empêche de dessiner la carte : module sans ligne, ligne en double, ligne qui nomme
    un fichier absent du paquet (« rapprochement.py » devenu le paquet « rapprochement/ »)."""
    lignes = Counter(chemin for _, chemin in documentes)
    return (
        [f"module sans ligne : {c}" for c in sorted(chemins - set(lignes))]
        + [f"ligne en double : {c}" for c, n in sorted(lignes.items()) if n > 1]
        + [f"ligne d'un module absent du paquet : {c}" for c in sorted(set(lignes) - chemins)]
    )


def carte(documentes: list[tuple[str, str]], graphe: dict[str, set[str]]) -> str:
    """Le texte de la carte : le graphe des étages (Mermaid, nombre d'imports sur chaque flèche,
    en pointillés quand un module importe un étage plus haut que le sien), puis, étage par étage,
    ce que chaque module importe et qui l'importe, et la liste des imports qui remontent."""
    etages = list(dict.fromkeys(etage for etage, _ in documentes))
    rang = {nom_du_module(chemin): etages.index(etage) for etage, chemin in documentes}
    importe_par: dict[str, set[str]] = {module: set() for module in graphe}
    for module, cibles in graphe.items():
        for cible in cibles:
            importe_par[cible].add(module)
    fleches = Counter(
        (rang[module], rang[cible])
        for module, cibles in graphe.items()
        for cible in cibles
        if rang[module] != rang[cible]
    )
    texte = ["```mermaid", "flowchart TB"]
    texte += [
        f'  e{i + 1}["{i + 1}. {etage} ({sum(r == i for r in rang.values())})"]'
        for i, etage in reversed(list(enumerate(etages)))
    ]
    texte += [
        f"  e{de + 1} {'-->' if vers < de else '-.->'}|{n}| e{vers + 1}"
        for (de, vers), n in sorted(fleches.items(), reverse=True)
    ]
    texte.append("```")
    for i, etage in enumerate(etages):
        texte += ["", f"**{i + 1}. {etage}**", ""]
        for module in sorted((m for m, r in rang.items() if r == i), key=court):
            texte.append(
                f"- `{court(module)}` — importe : {_liste(graphe[module])} ; "
                f"importé par : {_liste(importe_par[module])}"
            )
    remontees = sorted(
        ((module, cible) for module, cibles in graphe.items() for cible in cibles
         if rang[cible] > rang[module]),
        key=lambda arete: (court(arete[0]), court(arete[1])),
    )  # fmt: skip
    texte += ["", "**Imports qui remontent d'étage**", ""]
    texte += [
        f"- `{court(module)}` ({etages[rang[module]]}) → `{court(cible)}` ({etages[rang[cible]]})"
        for module, cible in remontees
    ] or ["- aucun"]
    return "\n".join(texte)


def _liste(modules: set[str]) -> str:
    return ", ".join(f"`{court(m)}`" for m in sorted(modules, key=court)) or "—"


def document_a_jour(texte: str) -> str:
    """Le texte de docs/architecture.md avec la carte d'aujourd'hui entre `DEBUT` et `FIN`."""
    graphe, _, _ = architecture._graphe()
    documentes = modules_documentes(texte)
    problemes = ecarts(documentes, chemins_du_paquet())
    if problemes:
        raise ValueError(
            "docs/architecture.md, « Les modules, étage par étage » : " + " ; ".join(problemes)
        )
    avant, reste = texte.split(DEBUT + "\n", 1)
    _, apres = reste.split(FIN, 1)
    return f"{avant}{DEBUT}\n{carte(documentes, graphe)}\n{FIN}{apres}"


def main() -> int:
    texte = ARCHITECTURE.read_text(encoding="utf-8")
    try:
        nouveau = document_a_jour(texte)
    except ValueError as erreur:
        print(erreur, file=sys.stderr)
        return 1
    if nouveau == texte:
        print("La carte des imports de docs/architecture.md est à jour.")
    else:
        ARCHITECTURE.write_text(nouveau, encoding="utf-8")
        print("Carte des imports réécrite dans docs/architecture.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
