"""Classeur Excel (issue 5) : coût côté Python des fonctions de feuille, construction du gabarit.

Cibles :
- un appel d'une fonction scalaire (IAE_PUBLICS, MONTANT_MODULE, MONTANT_SOCLE) : 50 µs au plus ;
- MODULATION sur un groupe de 40 structures, comme Excel recalcule le groupe (40 appels, une
  structure chacun, mêmes plages ; scores du groupe oubliés avant chaque recalcul) : 50 µs au
  plus par appel, en moyenne ;
- MODULATION_TABLEAU sur 4 500 structures (valeurs telles qu'Excel les passe) : 0,200 s ;
- construction de templates/IAE_modulation.xlsm : 10 s.
Usage : python benchmarks/bench_classeur.py
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from iae_modulation.donnees import COLONNES
from iae_modulation.excel import construction, udfs
from iae_modulation.lecture import lire_nombre
from iae_modulation.synthetique import generer_donnees_nationales
from outils import mesurer, rapporter

CIBLE_SCALAIRE = 50e-6
CIBLE_TABLEAU = 0.200
CIBLE_CONSTRUCTION = 10.0
APPELS = 20_000


def par_appel(fonction) -> float:
    """Durée médiane d'un appel, sur 5 séries de APPELS appels."""

    def serie():
        for _ in range(APPELS):
            fonction()

    return mesurer(serie, repetitions=5).mediane / APPELS


def cellules_excel(nb: int) -> list[list[object]]:
    """La table synthétique comme Excel la passe : nombres en doubles, textes en str."""
    table = generer_donnees_nationales(nb)
    numeriques = {c.nom for c in COLONNES if c.numerique}
    lignes = [list(table.columns)]
    for rangee in table.itertuples(index=False):
        lignes.append(
            [
                float(lire_nombre(v)) if nom in numeriques and v.strip() else v
                for nom, v in zip(table.columns, rangee, strict=True)
            ]
        )
    return lignes


def main() -> int:
    groupe = [i / 41 for i in range(40)]
    jour = dt.date(2026, 1, 1)
    scalaires = {
        "IAE_PUBLICS": lambda: udfs.IAE_PUBLICS(10.0, 22.0),
        "MONTANT_MODULE": lambda: udfs.MONTANT_MODULE(215528.21, 0.0734),
        "MONTANT_SOCLE": lambda: udfs.MONTANT_SOCLE("ACI", jour),
    }
    tenus = []
    for nom, appel in scalaires.items():
        appel()
        duree = par_appel(appel)
        tenu = duree <= CIBLE_SCALAIRE
        print(
            f"UDF {nom} : {duree * 1e6:.1f} µs par appel (cible {CIBLE_SCALAIRE * 1e6:.0f} µs) "
            f"{'OK' if tenu else 'DÉPASSÉ'}"
        )
        tenus.append(tenu)

    def recalcul_du_groupe():
        udfs._scores_du_groupe.cache_clear()
        for k in range(40):
            udfs.MODULATION(
                groupe[k], groupe[(k + 9) % 40], groupe[(k + 30) % 40], *[groupe] * 3, "rang", jour
            )

    recalcul_du_groupe()
    duree = mesurer(lambda: [recalcul_du_groupe() for _ in range(100)], 5).mediane / 4000
    tenu = duree <= CIBLE_SCALAIRE
    print(
        f"UDF MODULATION (recalcul d'un groupe de 40) : {duree * 1e6:.1f} µs par appel en "
        f"moyenne (cible {CIBLE_SCALAIRE * 1e6:.0f} µs) {'OK' if tenu else 'DÉPASSÉ'}"
    )
    tenus.append(tenu)

    cellules = cellules_excel(4500)
    udfs.MODULATION_TABLEAU(cellules[:50], 2026)
    mesure = mesurer(lambda: udfs.MODULATION_TABLEAU(cellules, 2026), repetitions=3)
    tenus.append(rapporter("MODULATION_TABLEAU, 4 500 structures", mesure, CIBLE_TABLEAU))

    with tempfile.TemporaryDirectory() as dossier:
        debut = time.perf_counter()
        construction.construire(Path(dossier) / "IAE_modulation.xlsm")
        duree = time.perf_counter() - debut
    tenus.append(rapporter("Construction du gabarit", duree, CIBLE_CONSTRUCTION))
    return 0 if all(tenus) else 1


if __name__ == "__main__":
    sys.exit(main())
