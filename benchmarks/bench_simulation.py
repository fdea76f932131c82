"""Simulation de trois méthodes à l'échelle nationale (≈ 4 500 SIAE, 101 départements).

Cible (issue 18) : `iae-modulation simuler` avec trois scénarios au plus deux fois une commande
`iae-modulation calculer` sur les mêmes données (processus neufs, imports compris) : les données
sont lues et validées une fois, chaque scénario passe par le même calcul. Mesures alternées (la
machine est partagée), médianes comparées.
Usage : python benchmarks/bench_simulation.py [--repetitions 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import secondes_fr

ANNEE = 2026
CIBLE_RAPPORT = 2.0
POIDS = (
    "nom: Poids 50/30/20\npoids: {publics: 50, effort: 30, resultats: 20}\nrepartition: totale\n"
)
DEPARTEMENTAL = "nom: Départemental\nnotation: minmax\ngroupes: type-departement\n"


def duree(commande: list[str]) -> float:
    debut = time.perf_counter()
    subprocess.run(commande, check=True, capture_output=True)
    return time.perf_counter() - debut


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--repetitions", type=int, default=5)
    repetitions = arguments.parse_args().repetitions
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        table = generer_donnees_nationales(4500, annee=ANNEE)
        donnees = ecrire_csv(table, dossier / "national.csv")
        # une enveloppe par région, 5 % de ses socles : la répartition « totale » en demande une
        socles = {
            region: sum((Decimal(s.replace(",", ".")) for s in groupe if s), Decimal(0))
            for region, groupe in table.groupby("region")["montant_socle"]
        }
        enveloppes = dossier / "enveloppes.csv"
        enveloppes.write_text(
            "region;enveloppe\n"
            + "".join(
                f"{r};{(s * Decimal('0.05')).quantize(Decimal(1))}\n" for r, s in socles.items()
            ),
            encoding="utf-8",
        )
        (dossier / "poids.yaml").write_text(POIDS, encoding="utf-8")
        (dossier / "dep.yaml").write_text(DEPARTEMENTAL, encoding="utf-8")
        commun = [sys.executable, "-m", "iae_modulation.cli"]
        calculer = commun + ["calculer", str(donnees), "--annee", str(ANNEE)]
        calculer += ["--enveloppes", str(enveloppes), "--sortie", str(dossier / "c"), "--ecraser"]
        simuler = commun + ["simuler", str(donnees), "--annee", str(ANNEE)]
        simuler += ["--scenario", "Note=defaut", "--scenario", f"Poids={dossier / 'poids.yaml'}"]
        simuler += ["--scenario", f"Départemental={dossier / 'dep.yaml'}"]
        simuler += ["--enveloppes", str(enveloppes), "--sortie", str(dossier / "s"), "--ecraser"]
        un, trois = [], []
        for _ in range(repetitions):
            un.append(duree(calculer))
            trois.append(duree(simuler))
    mediane_un, mediane_trois = statistics.median(un), statistics.median(trois)
    rapport = mediane_trois / mediane_un
    print(f"iae-modulation calculer, 4 500 SIAE : {secondes_fr(mediane_un)}")
    print(f"iae-modulation simuler, trois scénarios, 4 500 SIAE : {secondes_fr(mediane_trois)}")
    tenu = rapport <= CIBLE_RAPPORT
    print(
        f"Rapport simuler / calculer : {rapport:.2f} (cible {CIBLE_RAPPORT:.1f}) "
        f"{'OK' if tenu else 'DÉPASSÉ'}".replace(".", ",")
    )
    return 0 if tenu else 1


if __name__ == "__main__":
    sys.exit(main())
