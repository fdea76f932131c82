"""La documentation des mainteneurs dit le code tel qu'il est (issue 20).

- docs/architecture.md : chaque module du paquet a sa ligne, une seule ; aucune ligne ne nomme
  un module absent ; chaque nom de la colonne « API » existe dans son module ; l'étage « Cœur du
  calcul » est celui que vérifie tests/test_architecture.py ; la carte des imports est à jour ;
- aucun `module.nom` cité dans docs/ ou le README n'est un nom qui n'existe pas ;
- chaque renvoi du code à docs/conception.md nomme une section de cette page ;
- le README mène aux pages des mainteneurs, et chacun de ses liens vers docs/ à une page qui
  existe.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import test_architecture as architecture
from outils import carte_imports

DEPOT = Path(__file__).resolve().parents[1]
DOCS = DEPOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
# extensions de fichiers qui suivent un nom de module dans les docs (« resultats.csv »)
EXTENSIONS = {
    "bas", "bin", "cmd", "conf", "csv", "docx", "exe", "gz", "json", "md", "pdf", "png", "py",
    "txt", "xls", "xlsm", "xlsx", "xml", "yaml", "yml", "zip",
}  # fmt: skip


def _texte(chemin: Path) -> str:
    return chemin.read_text(encoding="utf-8")


@cache
def _noms(module: str) -> frozenset[str]:
    """Les noms du niveau module : fonctions, classes, affectations, imports (réexportés)."""
    arbre = ast.parse(_texte(architecture._modules()[module]))
    noms: set[str] = set()
    for noeud in arbre.body:
        if isinstance(noeud, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            noms.add(noeud.name)
        elif isinstance(noeud, ast.Assign | ast.AnnAssign):
            cibles = noeud.targets if isinstance(noeud, ast.Assign) else [noeud.target]
            noms.update(n.id for c in cibles for n in ast.walk(c) if isinstance(n, ast.Name))
        elif isinstance(noeud, ast.Import | ast.ImportFrom):
            noms.update((a.asname or a.name).split(".")[0] for a in noeud.names)
        elif isinstance(noeud, ast.Try):  # « try: __version__ = … except …: »
            noms.update(
                n.id
                for partie in ast.walk(noeud)
                if isinstance(partie, ast.Assign)
                for c in partie.targets
                for n in ast.walk(c)
                if isinstance(n, ast.Name)
            )
    return frozenset(noms)


def _existe(module: str, nom: str) -> bool:
    """`nom` (« MOTIF_* » : un préfixe) est un nom du module ou l'un de ses sous-modules."""
    if nom.endswith("*"):
        return any(n.startswith(nom[:-1]) for n in _noms(module))
    return nom in _noms(module) or f"{module}.{nom}" in architecture._modules()


def _lignes_des_modules() -> list[tuple[str, str, str]]:
    """(étage, chemin, cellule « API ») de chaque ligne des tableaux de modules."""
    cellules = {}
    for ligne in _texte(ARCHITECTURE).splitlines():
        if trouve := re.match(r"^\| `([^`]+\.py)` \|.*\| ([^|]*) \|$", ligne):
            cellules[trouve[1]] = trouve[2]
    return [
        (etage, chemin, cellules[chemin])
        for etage, chemin in carte_imports.modules_documentes(_texte(ARCHITECTURE))
    ]


def test_chaque_module_a_sa_ligne_et_aucune_ligne_ne_nomme_un_module_absent():
    chemins = carte_imports.chemins_du_paquet()
    documentes = carte_imports.modules_documentes(_texte(ARCHITECTURE))
    assert len(chemins) > 100 and "annexe5/__init__.py" in chemins
    assert carte_imports.ecarts(documentes, chemins) == []


def test_le_garde_fou_des_lignes_voit_un_module_oublie_ou_imaginaire():
    documentes = [("Socle", "formats.py"), ("Socle", "formats.py"), ("Cœur", "annexe5.py")]
    chemins = {"formats.py", "excel/udfs.py", "annexe5/__init__.py"}
    assert carte_imports.ecarts(documentes, chemins) == [
        "module sans ligne : annexe5/__init__.py",
        "module sans ligne : excel/udfs.py",
        "ligne en double : formats.py",
        "ligne d'un module absent du paquet : annexe5.py",
    ]


def test_l_etage_du_coeur_est_celui_du_test_d_architecture():
    coeur = {
        carte_imports.nom_du_module(chemin)
        for etage, chemin in carte_imports.modules_documentes(_texte(ARCHITECTURE))
        if etage == "Cœur du calcul"
    }
    assert coeur == set(architecture.COEUR)


def test_chaque_nom_de_la_colonne_api_existe_dans_son_module():
    fautes = []
    for _, chemin, api in _lignes_des_modules():
        module = carte_imports.nom_du_module(chemin)
        if module not in architecture._modules():
            continue  # ligne d'un module absent : l'autre test le dit
        for jeton in re.findall(r"`([^`]+)`", api):
            nom = re.match(r"[A-Za-z_]\w*\*?", jeton)
            if nom is None:  # « .refus(…) », « "NOM=M.yaml" » : une méthode, un exemple
                continue
            if not _existe(module, nom[0]):
                fautes.append(f"{chemin} : {jeton}")
    assert fautes == []


def test_la_carte_des_imports_est_a_jour():
    texte = _texte(ARCHITECTURE)
    assert carte_imports.DEBUT in texte and carte_imports.FIN in texte
    assert carte_imports.document_a_jour(texte) == texte, (
        "la carte des imports de docs/architecture.md n'est plus à jour ; régénérez-la : "
        + carte_imports.COMMANDE
    )


def test_la_carte_dit_les_imports_de_chaque_module_et_ceux_qui_remontent():
    graphe = {
        "iae_modulation.a": {"iae_modulation.b"},
        "iae_modulation.b": set(),
        "iae_modulation.c": {"iae_modulation.a"},
    }
    carte = carte_imports.carte([("Bas", "b.py"), ("Haut", "c.py"), ("Bas", "a.py")], graphe)
    assert '  e2["2. Haut (1)"]' in carte and '  e1["1. Bas (2)"]' in carte
    assert "  e2 -->|1| e1" in carte
    assert "- `a` — importe : `b` ; importé par : `c`" in carte
    assert "- `b` — importe : — ; importé par : `a`" in carte
    assert carte.endswith("**Imports qui remontent d'étage**\n\n- aucun")
    graphe["iae_modulation.b"] = {"iae_modulation.c"}
    carte = carte_imports.carte([("Bas", "b.py"), ("Haut", "c.py"), ("Bas", "a.py")], graphe)
    assert "  e1 -.->|1| e2" in carte
    assert carte.endswith("- `b` (Bas) → `c` (Haut)")


def test_aucun_module_nom_cite_dans_les_docs_n_est_imaginaire():
    modules = {carte_imports.court(m): m for m in architecture._modules()}
    fautes = []
    for page in [*sorted(DOCS.glob("*.md")), DEPOT / "README.md"]:
        for numero, ligne in enumerate(_texte(page).splitlines(), start=1):
            for jeton in re.findall(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)", ligne):
                parties = jeton.split(".")
                for coupe in range(len(parties) - 1, 0, -1):
                    module = ".".join(parties[:coupe])
                    if module in modules:
                        nom = parties[coupe]
                        if nom not in EXTENSIONS and not _existe(modules[module], nom):
                            fautes.append(f"{page.name}:{numero} `{jeton}`")
                        break
    assert fautes == []


def test_chaque_renvoi_a_la_conception_nomme_une_section():
    sections = {
        ligne[3:].strip()
        for ligne in _texte(DOCS / "conception.md").splitlines()
        if ligne.startswith("## ")
    }
    renvois = []
    for fichier in sorted((DEPOT / "python").rglob("*.py")) + sorted(DEPOT.glob("tests/*.py")):
        texte = re.sub(r"\s*\n\s*#?\s*", " ", _texte(fichier))  # renvois coupés en fin de ligne
        renvois += [
            (fichier.name, section)
            for section in re.findall(r"conception\.md[,\s(]*« ([^»]+?) »", texte)
        ]
    assert len(renvois) >= 13
    assert [(f, s) for f, s in renvois if s not in sections] == []
    assert not [f for f in (DEPOT / "python").rglob("*.py") if "(design" in _texte(f)]


def test_le_readme_mene_aux_pages_des_mainteneurs():
    readme = _texte(DEPOT / "README.md")
    for page in ("architecture", "conception", "recettes"):
        assert f"](docs/{page}.md)" in readme, page
    liens = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert [lien for lien in liens if not (DEPOT / lien).is_file()] == []
