"""Banc d'essai du générateur national synthétique : 45 000 lignes en moins de 2 s.

À lancer depuis la racine du dépôt : `python benchmarks/bench_synthetique.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iae_modulation.synthetique import ecrire_csv, ecrire_xlsx, generer_donnees_nationales
from outils import mesurer, rapporter


def main() -> int:
    generer_donnees_nationales(100)  # chargement des paramètres et des départements
    resultats = [
        rapporter(
            "générer 4 500 structures",
            mesurer(lambda: generer_donnees_nationales(4500), 5),
            0.2,
        ),
        rapporter(
            "générer 45 000 structures",
            mesurer(lambda: generer_donnees_nationales(45000), 3),
            2.0,
        ),
    ]
    table = generer_donnees_nationales(4500)
    with tempfile.TemporaryDirectory() as dossier:
        resultats.append(
            rapporter(
                "écrire 4 500 structures en CSV",
                mesurer(lambda: ecrire_csv(table, Path(dossier) / "n.csv"), 3),
                0.5,
            )
        )
        resultats.append(
            rapporter(
                "écrire 4 500 structures en XLSX",
                mesurer(lambda: ecrire_xlsx(table, Path(dossier) / "n.xlsx"), 3),
                3.0,
            )
        )
    return 0 if all(resultats) else 1


if __name__ == "__main__":
    sys.exit(main())
