"""Fixtures partagées : les résultats de la démonstration, calculés une fois par session."""

from __future__ import annotations

from pathlib import Path

import pytest
from aides import calculer


@pytest.fixture(scope="session")
def calculs(tmp_path_factory) -> dict[int, Path]:
    """Les résultats de la démo pour 2026 et pour 2014, chacun avec son manifeste."""
    base = tmp_path_factory.mktemp("calculs")
    for annee in (2026, 2014):
        assert calculer(base / str(annee), annee) == 0
    return {annee: base / str(annee) / "resultats.csv" for annee in (2026, 2014)}


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--reseau",
        action="store_true",
        help="télécharger ce que demandent les tests marqués « reseau » (roues Windows, "
        "≈ 150 Mo, gardées ensuite dans ~/.cache/iae-modulation) ; sans cette option, ils "
        "ne tournent que si ce cache est déjà complet",
    )
