"""Fixtures partagées (les résultats de la démonstration, calculés une fois par session) et
marqueurs de la suite (docs/tests.md) : `lent`, `libreoffice`, `windows`, `reseau`.

`pytest` seul lance la suite rapide, sans réseau (pyproject.toml : `-m "not lent and not
libreoffice and not windows"`) ; `pytest -m "lent or libreoffice or windows"` lance le reste,
comme la CI après la suite rapide. Un test marqué `libreoffice` est sauté, raison affichée, si
LibreOffice (ou pdftotext) manque ; un test qui lit l'échantillon FluxIAE réel, s'il manque."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aides import ECHANTILLON, calculer, demo_hors_detention

# Tests des fichiers que d'autres tiennent (annexe 5, documents, rapprochement…), marqués ici
# par leur nom plutôt que dans leur fichier ; un nom qui n'existe plus arrête la collecte.
MARQUES_PAR_NOM = {
    "lent": (
        "tests/test_rapprochement.py::test_decisions_lettres_et_grand_livre_egaux_par_departement_et_mesure",
        "tests/test_rapprochement.py::test_campagne_2014_au_taux_forfaitaire_identifiants_avec_avenant",
    ),
    "libreoffice": (
        "tests/test_decision_asp.py::test_pdf_des_decisions_en_deux_lots",
        "tests/test_decision_asp.py::test_pdf_manquant_signale_en_francais",
        "tests/test_impression.py::test_chaque_lettre_de_la_demo_et_les_plus_longues_tiennent_sur_une_page",
        "tests/test_impression.py::test_de_la_marge_une_police_bien_plus_large_tient_encore",
        "tests/test_impression.py::test_tableau_de_la_decision_sans_numero_ni_mot_coupe",
        "tests/test_notifications.py::test_pdf_contient_nom_et_montant",
        "tests/test_annexe5_documents.py::test_decision_pdf_contient_total_et_nombre_de_structures",
    ),
    "echantillon": ("tests/test_annexe5_documents.py::test_fluxiae_reel_de_bout_en_bout",),
}
POUR_LIBREOFFICE = (
    "apt-get install libreoffice-writer libreoffice-calc poppler-utils ; la CI l'installe"
)


def _manque_libreoffice() -> str | None:
    """Pourquoi un test `libreoffice` ne peut pas tourner ici (None s'il le peut)."""
    from iae_modulation.documents.pdf import libreoffice_disponible

    if not libreoffice_disponible():
        return f"LibreOffice absent (soffice introuvable) : {POUR_LIBREOFFICE}"
    if shutil.which("pdftotext") is None:
        return f"pdftotext absent (poppler-utils) : {POUR_LIBREOFFICE}"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Marqueurs posés par nom ; saut motivé des tests dont l'outil ou le fichier manque."""
    racine = Path(config.rootpath)
    for marque, noms in MARQUES_PAR_NOM.items():
        for nom in noms:
            fichier, fonction = nom.split("::")
            if f"def {fonction}(" not in (racine / fichier).read_text("utf-8"):
                raise pytest.UsageError(
                    f"tests/conftest.py, MARQUES_PAR_NOM[{marque!r}] : {nom} introuvable "
                    "(renommé ?)"
                )
    manque = _manque_libreoffice()
    for item in items:
        nom = item.nodeid.split("[")[0]
        for marque, noms in MARQUES_PAR_NOM.items():
            if nom in noms:
                item.add_marker(getattr(pytest.mark, marque))
        # skipif en tête : sa raison passe avant celle, plus courte, qu'un fichier donnerait
        if manque and item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.skipif(True, reason=manque), append=False)
        if item.get_closest_marker("echantillon") and not ECHANTILLON.is_file():
            raison = (
                f"échantillon FluxIAE réel absent ({ECHANTILLON}) : il est dans shared/data du "
                "projet, à côté du dépôt, jamais versé au dépôt"
            )
            item.add_marker(pytest.mark.skipif(True, reason=raison), append=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Rappelle, après la suite rapide, comment lancer les tests qu'elle a laissés de côté."""
    marques = ("lent", "libreoffice", "windows")
    laisses = sum(
        any(item.get_closest_marker(m) for m in marques)
        for item in terminalreporter.stats.get("deselected", [])
    )
    if laisses and "not lent" in config.getoption("markexpr"):
        terminalreporter.write_line(
            f"{laisses} test(s) lent(s), LibreOffice ou paquet Windows laissé(s) de côté par la "
            'suite rapide : pytest -m "lent or libreoffice or windows" (docs/tests.md)'
        )


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--reseau",
        action="store_true",
        help="télécharger ce que demandent les tests marqués « reseau » (roues Windows, "
        "≈ 150 Mo, gardées ensuite dans ~/.cache/iae-modulation) ; sans cette option, ils "
        "ne tournent que si ce cache est déjà complet",
    )


@pytest.fixture(scope="session")
def calculs(tmp_path_factory) -> dict[int, Path]:
    """Les résultats de la démo pour 2026 et pour 2014, chacun avec son manifeste. En 2014, sans
    la structure en milieu pénitentiaire de la démo : il n'y en a pas avant le décret
    n° 2016-531 (elle serait refusée)."""
    base = tmp_path_factory.mktemp("calculs")
    assert calculer(base / "2026", 2026) == 0
    sans_detention = demo_hors_detention(base / "donnees_2014.csv", True, "utf-8-sig")
    assert calculer(base / "2014", 2014, donnees=sans_detention) == 0
    return {annee: base / str(annee) / "resultats.csv" for annee in (2026, 2014)}
