"""La suite elle-même (docs/tests.md) : la CI lance la commande de test du README, puis tout
ce que la suite rapide laisse de côté ; chaque marqueur de sélection est déclaré."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
COMMANDE_DU_README = 'pip install -e ".[test,construction]" -c contraintes.txt && pytest'


def test_la_ci_lance_la_commande_du_readme_puis_le_reste():
    readme = (RACINE / "README.md").read_text("utf-8")
    ci = [ligne.strip() for ligne in (RACINE / ".ci" / "run").read_text("utf-8").splitlines()]
    assert COMMANDE_DU_README in readme
    assert COMMANDE_DU_README in ci
    reste = ci.index('pytest -m "lent or libreoffice or windows"')
    assert reste > ci.index(COMMANDE_DU_README)


def test_la_suite_rapide_laisse_de_cote_exactement_ce_que_la_ci_lance_ensuite():
    options = tomllib.loads((RACINE / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]
    reglages = options["ini_options"]
    addopts = reglages["addopts"]
    assert "-rs" in addopts and "--strict-markers" in addopts
    selection = addopts[addopts.index("-m") + 1]
    assert selection == "not lent and not libreoffice and not windows"
    declares = {re.match(r"(\w+):", m)[1] for m in reglages["markers"]}
    assert {"lent", "libreoffice", "windows", "reseau", "echantillon"} <= declares
