"""Calcul de la modulation à l'échelle nationale (≈ 4 500 SIAE, 101 départements).

Cibles (issue des fondations) :
- table validée -> résultats : 0,100 s pour 4 500 structures ;
- commande `iae-modulation calculer` complète, du CSV aux trois sorties : 3 s (processus neuf,
  imports compris) ;
- 45 000 structures : au plus 12 fois le temps de 4 500 (croissance linéaire).
Usage : python benchmarks/bench_calcul.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from iae_modulation.donnees import lire_donnees
from iae_modulation.modulation import OptionsCalcul, calculer_modulation
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import mesurer, rapporter

ANNEE = 2026
CIBLE_CALCUL = 0.100
CIBLE_COMMANDE = 3.0
RAPPORT_LINEAIRE_MAX = 12.0


def commande_complete(donnees: Path, sortie: Path) -> float:
    debut = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "iae_modulation.cli",
            "calculer",
            str(donnees),
            "--annee",
            str(ANNEE),
            "--sortie",
            str(sortie),
            "--ecraser",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - debut


def etalon() -> float:
    """Vitesse du moment de la machine (virtuelle, partagée) : une boucle Python fixe."""
    return mesurer(lambda: sum(range(10**7)), 3).mediane


def main() -> int:
    print(f"étalon machine, sum(range(10**7)) : {etalon():.3f} s".replace(".", ","))
    tenus = []
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        mesures = {}
        for nombre in (4_500, 45_000):
            chemin = ecrire_csv(
                generer_donnees_nationales(nombre, annee=ANNEE), dossier / f"national_{nombre}.csv"
            )
            donnees = lire_donnees(chemin, ANNEE)
            assert donnees.rapport.est_valide, donnees.rapport.texte()
            options = OptionsCalcul(ANNEE)
            mesures[nombre] = mesurer(lambda d=donnees, o=options: calculer_modulation(d, o), 5)
        tenus.append(
            rapporter("table validée -> résultats, 4 500 SIAE", mesures[4_500], CIBLE_CALCUL)
        )
        rapport = mesures[45_000].mediane / mesures[4_500].mediane
        print(
            f"45 000 SIAE : {mesures[45_000].mediane:.3f} s, soit {rapport:.1f} fois 4 500 "
            f"(cible <= {RAPPORT_LINEAIRE_MAX:.0f})".replace(".", ",")
        )
        tenus.append(rapport <= RAPPORT_LINEAIRE_MAX)
        commande = mesurer(
            lambda: commande_complete(dossier / "national_4500.csv", dossier / "sortie"), 5
        )
        tenus.append(
            rapporter(
                "iae-modulation calculer, CSV -> 3 sorties, 4 500 SIAE", commande, CIBLE_COMMANDE
            )
        )
    return 0 if all(tenus) else 1


if __name__ == "__main__":
    sys.exit(main())
