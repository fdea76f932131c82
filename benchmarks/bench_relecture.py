"""Relecture vérifiée du grand livre national (≈ 4 500 SIAE) : `resultats.lire_grand_livre`.

Le grand livre d'un calcul national (générateur synthétique, enveloppe dans chaque région pour
que les réductions soient refaites aussi) est relu comme le font `annexe5 --resultats`,
`notifications` et `rapprocher` : forme de chaque cellule, chaque nombre refait par le contrôle
indépendant (`controle_grand_livre` : rangs de chaque groupe, taux, enveloppes, régularisation)
et chaîne du manifeste. Cible : 1 s pour la relecture complète, dont le contrôle.

À lancer depuis la racine du dépôt : `python benchmarks/bench_relecture.py`.
"""

from __future__ import annotations

import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from iae_modulation.campagne import executer_calcul
from iae_modulation.controle_grand_livre import controler
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import mesurer, rapporter

NOMBRE_DE_LIGNES = 4_500
ANNEE = 2026
CIBLE_RELECTURE = 1.0
PART_DE_L_ENVELOPPE = Decimal("0.9")  # chaque région réduite à 90 % de son total


def main() -> int:
    table = generer_donnees_nationales(NOMBRE_DE_LIGNES, annee=ANNEE)
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        donnees = ecrire_csv(table, dossier / "donnees.csv")
        sans = executer_calcul(donnees, ANNEE, dossier / "sans", classeur_xlsx=False)
        totaux = sans.resultats.groupby("region")["montant_module"].sum()
        enveloppes = dossier / "enveloppes.csv"
        enveloppes.write_text(
            "region;enveloppe\n"
            + "".join(f"{r};{(t * PART_DE_L_ENVELOPPE):.2f}\n" for r, t in totaux.items()),
            encoding="utf-8",
        )
        rapport = executer_calcul(
            donnees, ANNEE, dossier / "calcul", enveloppes=enveloppes, classeur_xlsx=False
        )
        chemin = dossier / "calcul" / "resultats.csv"
        livre = lire_grand_livre(chemin)  # chauffe, et contrôle du résultat
        reduites = sum(ligne["enveloppe_disponible"] is not None for ligne in livre.lignes)
        if len(livre.lignes) != NOMBRE_DE_LIGNES or not reduites or rapport.code_sortie:
            print(f"grand livre inattendu : {len(livre.lignes)} lignes, {reduites} réduites")
            return 1
        print(f"{len(livre.lignes)} structures, {reduites} réduites par leur enveloppe")
        problemes: list = []
        resultats = [
            rapporter(
                "relire et vérifier le grand livre national",
                mesurer(lambda: lire_grand_livre(chemin)),
                CIBLE_RELECTURE,
            ),
            rapporter(
                "dont le contrôle indépendant seul",
                mesurer(
                    lambda: controler(
                        livre.lignes, ANNEE, lambda *a: problemes.append(a), enveloppes=None
                    )
                ),
                CIBLE_RELECTURE,
            ),
        ]
        if problemes:
            print(f"contrôle : {len(problemes)} problème(s) inattendu(s), dont {problemes[0]}")
            return 1
    return 0 if all(resultats) else 1


if __name__ == "__main__":
    sys.exit(main())
