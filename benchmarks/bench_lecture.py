"""Lecture + validation de la table canonique à l'échelle nationale (≈ 4 500 SIAE fin 2023).

Mesure `donnees.lire_donnees` sur un CSV et sur un classeur .xlsx de 4 500 lignes écrits par le
générateur synthétique dans un dossier temporaire, hors temps d'import. Cibles : 0,5 s par
fichier ; 0,3 s pour la validation seule, y compris avec 5 % de lignes invalides à signaler.

À lancer depuis la racine du dépôt : `python benchmarks/bench_lecture.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iae_modulation.donnees import lire_donnees, valider
from iae_modulation.lecture import lire_table
from iae_modulation.synthetique import ecrire_csv, ecrire_xlsx, generer_donnees_nationales
from outils import mesurer, rapporter

NOMBRE_DE_LIGNES = 4_500
ANNEE = 2026
CIBLE_VALIDATION = 0.3
CIBLE_LECTURE_VALIDATION = 0.5


def main() -> int:
    valide = generer_donnees_nationales(NOMBRE_DE_LIGNES, annee=ANNEE)
    avec_erreurs = generer_donnees_nationales(NOMBRE_DE_LIGNES, annee=ANNEE, part_invalides=0.05)
    with tempfile.TemporaryDirectory() as dossier:
        csv_valide = ecrire_csv(valide, Path(dossier) / "donnees.csv")
        xlsx_valide = ecrire_xlsx(valide, Path(dossier) / "donnees.xlsx")
        csv_erreurs = ecrire_csv(avec_erreurs, Path(dossier) / "erreurs.csv")
        for chemin, attendu in ((csv_valide, 0), (xlsx_valide, 0), (csv_erreurs, 1)):
            donnees = lire_donnees(chemin, ANNEE)  # chauffe, et contrôle du résultat
            if bool(donnees.lignes_rejetees) != bool(attendu):
                print(f"{chemin.name} : résultat inattendu\n{donnees.rapport.texte()}")
                return 1
        brute_valide, brute_erreurs = lire_table(csv_valide), lire_table(csv_erreurs)
        resultats = [
            rapporter(
                "valider 4 500 lignes",
                mesurer(lambda: valider(brute_valide, ANNEE)),
                CIBLE_VALIDATION,
            ),
            rapporter(
                "valider 4 500 lignes dont 5 % invalides",
                mesurer(lambda: valider(brute_erreurs, ANNEE)),
                CIBLE_VALIDATION,
            ),
            rapporter(
                "lire et valider un CSV de 4 500 lignes",
                mesurer(lambda: lire_donnees(csv_valide, ANNEE)),
                CIBLE_LECTURE_VALIDATION,
            ),
            rapporter(
                "lire et valider un XLSX de 4 500 lignes",
                mesurer(lambda: lire_donnees(xlsx_valide, ANNEE)),
                CIBLE_LECTURE_VALIDATION,
            ),
        ]
    return 0 if all(resultats) else 1


if __name__ == "__main__":
    sys.exit(main())
