#!/usr/bin/env python3
"""Banc d'essai national de l'annexe 5 (issue 3, « Performance »).

Cas national : environ 4 500 structures sur 101 départements (générateur synthétique), un export
extranet par mesure (EI, ETTI, AI, ACI). Cible : tous les tableaux `annexe5_*.xlsx` et toutes les
décisions `.docx` des quatre mesures en 10 s au plus ; PDF en un seul lot LibreOffice par mesure,
secondes par décision affichées.

    python benchmarks/bench_annexe5.py            # tableaux et décisions .docx
    python benchmarks/bench_annexe5.py --pdf AI   # et les PDF d'une mesure, en un lot
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from iae_modulation.annexe5 import MESURES, executer_annexe5
from iae_modulation.documents.pdf import convertir_en_pdf, libreoffice_disponible
from iae_modulation.documents.signature import Signature
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.synthetique import generer_donnees_nationales

CIBLE_SECONDES = 10.0
ANNEE = 2026


def main() -> int:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--structures", type=int, default=4500)
    parseur.add_argument(
        "--pdf", choices=MESURES, help="convertir aussi en PDF les décisions d'une mesure"
    )
    args = parseur.parse_args()
    with tempfile.TemporaryDirectory() as temporaire:
        dossier = Path(temporaire)
        table = generer_donnees_nationales(args.structures, annee=ANNEE)
        presentes = [m for m in MESURES if (table["type"] == m).any()]  # pas d'EITI en 2026
        exports = {m: ecrire_export_xlsx(table, m, ANNEE, dossier / f"{m}.xlsx") for m in presentes}
        signature = Signature(lieu="Paris", signataire="Banc d'essai")
        debut = time.perf_counter()
        decisions = lignes = 0
        for mesure, chemin in exports.items():
            depart = time.perf_counter()
            rapport = executer_annexe5(
                chemin,
                mesure,
                ANNEE,
                dossier / "sortie" / mesure,
                taux_forfaitaire=Decimal(5),
                signature=signature,
                pdf=False,
            )
            if rapport.code_sortie:
                print(rapport.resume())
                return 1
            nb = sum(t.nb_structures for t in rapport.totaux.values())
            decisions += len(rapport.totaux)
            lignes += nb
            print(
                f"{mesure:5} {nb:5} lignes, {len(rapport.totaux):3} départements : "
                f"{time.perf_counter() - depart:5.2f} s"
            )
        duree = time.perf_counter() - debut
        verdict = "atteinte" if duree <= CIBLE_SECONDES else "MANQUÉE"
        print(
            f"Total : {lignes} lignes, {decisions} tableaux .xlsx et {decisions} décisions .docx "
            f"en {duree:.2f} s (cible {CIBLE_SECONDES:.0f} s : {verdict})"
        )
        if args.pdf:
            if not libreoffice_disponible():
                print("PDF : LibreOffice absent, mesure non faite.")
                return 0
            docx = sorted((dossier / "sortie" / args.pdf).glob("decision_asp_*.docx"))
            depart = time.perf_counter()
            convertir_en_pdf(docx, dossier / "pdf")
            duree_pdf = time.perf_counter() - depart
            print(
                f"PDF {args.pdf} : {len(docx)} décisions en un lot LibreOffice, {duree_pdf:.1f} s "
                f"({duree_pdf / len(docx):.2f} s par décision)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
