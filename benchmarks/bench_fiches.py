"""Banc d'essai des fiches de dialogue de gestion (issue 17), sur la machine de référence à
2 cœurs.

Cible : 4 500 fiches (le pays) en Word et en PDF en 60 s au plus (PDF dessinés directement,
sans LibreOffice, un processus par cœur). Le détail (Word seul, puis Word et PDF) est affiché.
Usage : python benchmarks/bench_fiches.py [NOMBRE]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from iae_modulation.campagne import executer_calcul
from iae_modulation.documents.fiches import generer_fiches
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import rapporter

ANNEE = 2026
CIBLE_PDF = 60.0
CIBLE_WORD = 20.0


def main() -> int:
    nombre = int(sys.argv[1]) if len(sys.argv) > 1 else 4_500
    with tempfile.TemporaryDirectory(prefix="bench-fiches-") as temporaire:
        dossier = Path(temporaire)
        donnees = generer_donnees_nationales(nombre, annee=ANNEE)
        csv = ecrire_csv(donnees, dossier / "donnees.csv")
        resultats = executer_calcul(csv, ANNEE, dossier / "calcul").sortie / "resultats.csv"
        debut = time.perf_counter()
        generer_fiches(resultats, dossier / "word", pdf=False, progression=False)
        tenu = rapporter(f"{nombre} fiches en Word", time.perf_counter() - debut, CIBLE_WORD)
        debut = time.perf_counter()
        generer_fiches(resultats, dossier / "pdf", pdf=True, progression=False)
        tenu &= rapporter(f"{nombre} fiches en Word et PDF", time.perf_counter() - debut, CIBLE_PDF)
    return 0 if tenu else 1


if __name__ == "__main__":
    sys.exit(main())
