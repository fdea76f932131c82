"""Fixtures partagées : les résultats de la démonstration, calculés une fois par session."""

from __future__ import annotations

from pathlib import Path

import pytest
from aides import calculer, demo_hors_detention


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


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--reseau",
        action="store_true",
        help="télécharger ce que demandent les tests marqués « reseau » (roues Windows, "
        "≈ 150 Mo, gardées ensuite dans ~/.cache/iae-modulation) ; sans cette option, ils "
        "ne tournent que si ce cache est déjà complet",
    )
