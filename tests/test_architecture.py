"""Architecture tirée des imports (issue 20) : aucun cercle, cœur du calcul sans fichier.

Le graphe est construit par le module ast sur le texte des sources, imports placés dans les
fonctions compris : un import retardé ne cache pas un cercle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PAQUET = "iae_modulation"
RACINE = Path(__file__).resolve().parents[1] / "python" / PAQUET

# Le cœur du calcul (docs/architecture.md, « Conventions communes »).
COEUR = (
    "iae_modulation.colonnes",
    "iae_modulation.indicateurs",
    "iae_modulation.methode",
    "iae_modulation.modulation",
    "iae_modulation.montants",
    "iae_modulation.parametres",
    "iae_modulation.regles",
    "iae_modulation.regularisation",
    "iae_modulation.repartition",
    "iae_modulation.scores",
    "iae_modulation.table_canonique",
)

# Ce que le cœur n'atteint jamais, même par un module intermédiaire : lecture et écriture des
# fichiers du paquet, Excel, documents.
INTERDITS_DU_PAQUET = (
    "iae_modulation.lecture",
    "iae_modulation.donnees",
    "iae_modulation.etendue_xlsx",
    "iae_modulation.ecriture_xlsx",
    "iae_modulation.resultats",
    "iae_modulation.sorties",
    "iae_modulation.exports",
    "iae_modulation.excel",
    "iae_modulation.documents",
    "iae_modulation.commandes",
    "iae_modulation.texte_xml",
    "iae_modulation.mise_en_page",
    "iae_modulation.classeur_resultats",
    "iae_modulation.classeur_simulation",
    "iae_modulation.campagne",
    "iae_modulation.annexe5",
)
INTERDITS_EXTERNES = ("openpyxl", "xlwings", "python_calamine", "xlsxwriter", "docx", "fpdf")

# pandas est la table en mémoire du cœur (« fonctions pures sur des tables pandas ») ; ses
# fonctions de fichiers n'y sont jamais appelées.
LECTURES_PANDAS = {
    "read_csv",
    "read_excel",
    "read_json",
    "read_parquet",
    "read_table",
    "to_csv",
    "to_excel",
    "to_json",
    "to_parquet",
    "ExcelWriter",
    "ExcelFile",
}


# Cercles connus, à supprimer : aucun autre n'est toléré.
def _nom_du_module(chemin: Path) -> str:
    parties = list(chemin.relative_to(RACINE.parent).with_suffix("").parts)
    if parties[-1] == "__init__":
        parties.pop()
    return ".".join(parties)


def _modules() -> dict[str, Path]:
    return {_nom_du_module(chemin): chemin for chemin in sorted(RACINE.rglob("*.py"))}


def _cible(nom: str, modules: dict[str, Path]) -> str | None:
    """Le module du paquet que nomme un import (« a.b.c » : le plus long préfixe connu)."""
    parties = nom.split(".")
    while parties:
        candidat = ".".join(parties)
        if candidat in modules:
            return candidat
        parties.pop()
    return None


def _base_relative(module: str, chemin: Path, niveau: int) -> str:
    parties = module.split(".")
    if chemin.name != "__init__.py":
        parties.pop()
    return ".".join(parties[: len(parties) - niveau + 1])


def _imports(module: str, chemin: Path) -> tuple[set[str], set[str], ast.Module]:
    """Noms importés (modules et, pour « from X import y », X.y) et racines externes."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"), filename=str(chemin))
    noms: set[str] = set()
    externes: set[str] = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms.update(alias.name for alias in noeud.names)
        elif isinstance(noeud, ast.ImportFrom):
            base = noeud.module or ""
            if noeud.level:
                base = _base_relative(module, chemin, noeud.level) + ("." + base if base else "")
            noms.add(base)
            noms.update(f"{base}.{alias.name}" for alias in noeud.names)
    for nom in noms:
        if not nom.startswith(PAQUET):
            externes.add(nom.split(".")[0])
    return noms, externes, arbre


def _graphe() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, ast.Module]]:
    modules = _modules()
    graphe: dict[str, set[str]] = {}
    externes: dict[str, set[str]] = {}
    arbres: dict[str, ast.Module] = {}
    for module, chemin in modules.items():
        noms, externes[module], arbres[module] = _imports(module, chemin)
        cibles = {_cible(nom, modules) for nom in noms if nom.startswith(PAQUET)}
        graphe[module] = {c for c in cibles if c is not None and c != module}
        # Importer un sous-module exécute le paquet qui le contient : arête implicite, sauf
        # vers la racine du paquet (vide de logique).
    return graphe, externes, arbres


def _composantes(graphe: dict[str, set[str]]) -> list[frozenset[str]]:
    """Composantes fortement connexes de plus d'un module (Tarjan, itératif)."""
    index: dict[str, int] = {}
    bas: dict[str, int] = {}
    pile: list[str] = []
    sur_pile: set[str] = set()
    resultat: list[frozenset[str]] = []
    compteur = 0
    for depart in sorted(graphe):
        if depart in index:
            continue
        travail = [(depart, iter(sorted(graphe[depart])))]
        index[depart] = bas[depart] = compteur
        compteur += 1
        pile.append(depart)
        sur_pile.add(depart)
        while travail:
            noeud, suivants = travail[-1]
            avance = False
            for voisin in suivants:
                if voisin not in index:
                    index[voisin] = bas[voisin] = compteur
                    compteur += 1
                    pile.append(voisin)
                    sur_pile.add(voisin)
                    travail.append((voisin, iter(sorted(graphe[voisin]))))
                    avance = True
                    break
                if voisin in sur_pile:
                    bas[noeud] = min(bas[noeud], index[voisin])
            if avance:
                continue
            travail.pop()
            if travail:
                bas[travail[-1][0]] = min(bas[travail[-1][0]], bas[noeud])
            if bas[noeud] == index[noeud]:
                composante = set()
                while True:
                    membre = pile.pop()
                    sur_pile.discard(membre)
                    composante.add(membre)
                    if membre == noeud:
                        break
                if len(composante) > 1:
                    resultat.append(frozenset(composante))
    return resultat


def _atteints(graphe: dict[str, set[str]], depart: str) -> set[str]:
    vus = {depart}
    a_voir = [depart]
    while a_voir:
        for voisin in graphe[a_voir.pop()]:
            if voisin not in vus:
                vus.add(voisin)
                a_voir.append(voisin)
    return vus


def _interdit(module: str) -> bool:
    return any(module == nom or module.startswith(nom + ".") for nom in INTERDITS_DU_PAQUET)


def test_le_graphe_voit_les_imports_places_dans_les_fonctions():
    """Garde-fou du test lui-même : un import retardé compte comme un autre."""
    arbre = ast.parse("def f():\n    from iae_modulation.excel import classeur\n")
    noeuds = [n for n in ast.walk(arbre) if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in noeuds] == ["iae_modulation.excel"]
    graphe = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _composantes(graphe) == [frozenset({"a", "b", "c"})]
    assert _composantes({"a": {"b"}, "b": set()}) == []


def test_aucun_cercle_d_imports():
    graphe, _, _ = _graphe()
    cercles = list(_composantes(graphe))
    assert cercles == [], "cercles d'imports : " + " ; ".join(
        " <-> ".join(sorted(c)) for c in cercles
    )


def test_le_coeur_du_calcul_n_atteint_ni_fichier_ni_excel_ni_documents():
    graphe, externes, _ = _graphe()
    fautes = []
    for module in COEUR:
        atteints = _atteints(graphe, module)
        fautes += [f"{module} -> {m}" for m in sorted(atteints) if _interdit(m)]
        for atteint in sorted(atteints):
            fautes += [
                f"{module} -> {atteint} -> {e}"
                for e in sorted(externes[atteint] & set(INTERDITS_EXTERNES))
            ]
    assert fautes == []


def test_le_coeur_du_calcul_n_appelle_aucune_lecture_de_pandas():
    graphe, _, arbres = _graphe()
    fautes = []
    for module in COEUR:
        for atteint in sorted(_atteints(graphe, module)):
            fautes += [
                f"{atteint}:{n.lineno} {n.attr}"
                for n in ast.walk(arbres[atteint])
                if isinstance(n, ast.Attribute) and n.attr in LECTURES_PANDAS
            ]
    assert fautes == []
