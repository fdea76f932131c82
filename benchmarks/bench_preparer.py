"""Banc d'essai de `iae-modulation preparer` (issue 17) à l'échelle nationale.

Fichiers de l'ASP fictifs de 4 500 structures (`synthetique_asp`) : FluxIAE des annexes
financières (128 colonnes, ≈ 15 000 lignes avec avenants, années voisines et FDI, ≈ 40 colonnes
lues), bilan annuel (.xlsx, ≈ 8 500 lignes sur deux années) et FluxIAE des structures.
Cible : la commande entière (processus neuf, écriture de donnees.csv, donnees.xlsx,
preparation.xlsx et du manifeste comprises) en 3 s au plus (médiane de cinq exécutions). La
charge de la machine est affichée : sur une machine partagée, une autre tâche qui occupe les
deux cœurs double à peu près la durée.
Usage : python benchmarks/bench_preparer.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from iae_modulation.synthetique import generer_donnees_nationales
from iae_modulation.synthetique_asp import ecrire_fichiers_asp
from outils import Mesure, mesurer, rapporter, secondes_fr

ANNEE = 2026
CIBLE = 3.0
REPETITIONS = 5


def main() -> int:
    etalon = mesurer(lambda: sum(range(10**7)), 3).mediane
    print(f"étalon machine, sum(range(10**7)) : {secondes_fr(etalon)}")
    with tempfile.TemporaryDirectory(prefix="bench-preparer-") as temporaire:
        dossier = Path(temporaire)
        fichiers = ecrire_fichiers_asp(
            generer_donnees_nationales(4_500, annee=ANNEE), ANNEE, dossier / "asp"
        )
        lignes = fichiers.annexes.read_text("utf-8").count("\n") - 3
        taille = fichiers.bilan.stat().st_size // 1024
        print(f"FluxIAE des annexes : {lignes} lignes ; bilan : {taille} ko")
        commande = [
            sys.executable,
            "-m",
            "iae_modulation.cli",
            "preparer",
            "--annexes",
            str(fichiers.annexes),
            "--bilan",
            str(fichiers.bilan),
            "--structures",
            str(fichiers.structures),
            "--annee",
            str(ANNEE),
            "--sortie",
            str(dossier / "preparation"),
            "--ecraser",
        ]
        durees = []
        for _ in range(REPETITIONS):
            debut = time.perf_counter()
            subprocess.run(commande, check=True, capture_output=True, env=os.environ.copy())
            durees.append(time.perf_counter() - debut)
        charge = ", ".join(f"{c:.2f}".replace(".", ",") for c in os.getloadavg())
        print(
            f"{REPETITIONS} exécutions : minimum {secondes_fr(min(durees))}, maximum "
            f"{secondes_fr(max(durees))} ; charge de la machine (1, 5, 15 min) : {charge} "
            f"pour {os.cpu_count()} cœurs"
        )
        mediane = Mesure(statistics.median(durees), min(durees), max(durees), REPETITIONS)
        tenue = rapporter("preparer national (4 500 structures), médiane", mediane, CIBLE)
        return 0 if tenue else 1


if __name__ == "__main__":
    sys.exit(main())
