"""contraintes.txt, les versions exactes du paquet Windows et de la CI (issue 19) : chaque
dépendance y est fixée, dans les bornes de pyproject.toml, avec toutes ses propres dépendances
(celles propres à Windows comprises), et c'est avec elles que tournent les tests."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from iae_modulation.excel.paquet_windows import VERSIONS_PYTHON, _environnement_windows
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

RACINE = Path(__file__).resolve().parents[1]
PROJET = tomllib.loads((RACINE / "pyproject.toml").read_text("utf-8"))["project"]


def epinglees() -> dict[str, str]:
    versions = {}
    for ligne in (RACINE / "contraintes.txt").read_text("utf-8").splitlines():
        ligne = ligne.split("#")[0].strip()
        if ligne:
            nom, egal, version = ligne.partition("==")
            assert egal and version and ";" not in ligne, f"« {ligne} » : attendu nom==version"
            assert canonicalize_name(nom) not in versions, f"{nom} fixé deux fois"
            versions[canonicalize_name(nom)] = version
    return versions


def exigences(groupe: str | None = None) -> list[Requirement]:
    textes = PROJET["dependencies"] if groupe is None else PROJET["optional-dependencies"][groupe]
    return [Requirement(t) for t in textes]


def test_chaque_dependance_fixee_dans_ses_bornes():
    versions = epinglees()
    for groupe in (None, "construction", "test"):
        for exigence in exigences(groupe):
            nom = canonicalize_name(exigence.name)
            assert nom in versions, f"{exigence.name} ({groupe or 'fonctionnement'}) non fixé"
            assert exigence.specifier.contains(Version(versions[nom])), (exigence, versions[nom])


def test_bornes_hautes_et_epingles_exactes():
    """Une version majeure non essayée ne s'installe pas en silence ; XlsxWriter et pyOpenVBA
    (gabarit octet pour octet) ne sont exacts que dans [construction]."""
    for exigence in exigences():
        operateurs = {s.operator for s in exigence.specifier}
        assert "<" in operateurs or "==" in operateurs, f"{exigence} sans borne haute"
    fonctionnement = {canonicalize_name(e.name): e for e in exigences()}
    assert "pyopenvba" not in fonctionnement
    assert {s.operator for s in fonctionnement["xlsxwriter"].specifier} == {">=", "<"}
    construction = {canonicalize_name(e.name): str(e.specifier) for e in exigences("construction")}
    assert construction["xlsxwriter"] == "==3.3.1" and construction["pyopenvba"] == "==6.5.0"
    assert {"pip", "packaging"} <= set(construction)  # paquet-windows


def _dependances(nom: str, environnements: list[dict], vues: set[str]) -> None:
    nom = canonicalize_name(nom)
    if nom in vues:
        return
    vues.add(nom)
    try:
        exigences_du_paquet = metadata.requires(nom) or []
    except metadata.PackageNotFoundError:  # propre à Windows (pywin32, tzdata) : fixé, c'est tout
        return
    for texte in exigences_du_paquet:
        exigence = Requirement(texte)
        if exigence.marker is None or any(exigence.marker.evaluate(e) for e in environnements):
            _dependances(exigence.name, environnements, vues)


def test_dependances_des_dependances_fixees_windows_comprises():
    """Celles du fonctionnement sous Windows (le paquet) et ici ; celles des tests et de la
    construction ici (la CI)."""
    windows = [_environnement_windows(v) for v in VERSIONS_PYTHON]
    vues: set[str] = set()
    for exigence in exigences():
        _dependances(exigence.name, [{"extra": ""}, *windows], vues)
    for groupe in ("construction", "test"):
        for exigence in exigences(groupe):
            _dependances(exigence.name, [{"extra": ""}], vues)
    manquantes = vues - set(epinglees())
    assert not manquantes, f"dépendances non fixées dans contraintes.txt : {sorted(manquantes)}"
    assert {"pywin32", "tzdata"} <= vues  # xlwings et pandas sous Windows


def test_les_tests_tournent_avec_les_versions_fixees():
    """La CI installe avec « -c contraintes.txt » : ce qui est fixé est ce qui est essayé."""
    versions = epinglees()
    ecarts = {
        e.name: (metadata.version(e.name), versions[canonicalize_name(e.name)])
        for e in exigences()
        if metadata.version(e.name) != versions[canonicalize_name(e.name)]
    }
    assert not ecarts, f"installé ≠ fixé (pip install -c contraintes.txt …) : {ecarts}"
