"""Vitesse des documents (issue 11) sur la machine de référence à 2 cœurs.

Cibles :
- `iae-modulation calculer` national (4 500 structures, processus neuf) : au plus 4 fois la
  lecture nue du même CSV par pandas (processus neuf aussi), médianes mesurées en alternance
  dans la même exécution ;
- 520 lettres (la plus grande région) converties en PDF : 30 s au plus (un processus
  LibreOffice par cœur).
Usage : python benchmarks/bench_impression.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_calcul import commande_complete
from iae_modulation.campagne import executer_calcul
from iae_modulation.documents import pdf
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.signature import Signature
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import rapporter, secondes_fr

ANNEE = 2026
RAPPORT_MAX = 4.0
CIBLE_PDF = 30.0
LETTRES = 520
REPETITIONS = 5


def duree(commande: list[str]) -> float:
    debut = time.perf_counter()
    subprocess.run(commande, check=True, capture_output=True)
    return time.perf_counter() - debut


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-impression-") as temporaire:
        dossier = Path(temporaire)
        donnees = ecrire_csv(generer_donnees_nationales(4_500, annee=ANNEE), dossier / "n.csv")
        lecture = [
            sys.executable,
            "-c",
            "import pandas as pd, sys; pd.read_csv(sys.argv[1], sep=';', dtype=str)",
            str(donnees),
        ]
        pandas, calculer = [], []
        for _ in range(REPETITIONS):  # en alternance : la machine change de vitesse
            pandas.append(duree(lecture))
            calculer.append(commande_complete(donnees, dossier / "calcul"))
        rapport = statistics.median(calculer) / statistics.median(pandas)
        print(
            f"calculer national : {secondes_fr(statistics.median(calculer))}, lecture pandas "
            f"nue : {secondes_fr(statistics.median(pandas))}, soit {rapport:.2f} fois "
            f"(cible ≤ {RAPPORT_MAX:.0f}) {'OK' if rapport <= RAPPORT_MAX else 'DÉPASSÉ'}"
        )
        tenu = rapport <= RAPPORT_MAX
        if not pdf.libreoffice_disponible():
            print("PDF : LibreOffice absent, conversion non mesurée.")
            return 0 if tenu else 1
        resultats = executer_calcul(donnees, ANNEE, dossier / "c2").sortie / "resultats.csv"
        rapport_lettres = generer_notifications(
            resultats,
            donnees,
            ANNEE,
            dossier / "lettres",
            pdf=False,
            progression=False,
            signature=Signature(region="Grand Est", lieu="Strasbourg", signataire="J. Martin"),
        )
        lettres = sorted(
            dossier / "lettres" / ligne.fichier for ligne in rapport_lettres.lignes[:LETTRES]
        )
        debut = time.perf_counter()
        pdf.convertir_en_pdf(lettres, dossier / "pdf")
        conversion = time.perf_counter() - debut
        print(f"({os.cpu_count()} cœurs, {pdf.nombre_de_processus(len(lettres))} processus)")
        tenu &= rapporter(f"{len(lettres)} lettres en PDF", conversion, CIBLE_PDF)
    return 0 if tenu else 1


if __name__ == "__main__":
    sys.exit(main())
